#include "base/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tg/error.hpp"

namespace tg::detail {
namespace {

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "not a regular file";
}

}  // namespace

int open_regular_file(const std::string& path, const std::string& who) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(who + ": cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    throw Error(who + ": cannot stat " + path + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(who + ": " + path + " is " + kind_of(st.st_mode) + "; give the path of a regular file");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

std::vector<uint8_t> read_regular_file(const std::string& path, const std::string& who) {
  const int fd = open_regular_file(path, who);
  struct stat st {};
  ::fstat(fd, &st);
  std::vector<uint8_t> out;
  try {
    out.resize(static_cast<size_t>(st.st_size));
  } catch (const std::exception&) {
    ::close(fd);
    throw Error(who + ": " + path + " (" + std::to_string(st.st_size) + " bytes) does not fit in memory");
  }
  size_t at = 0;
  while (at < out.size()) {
    const ssize_t got = ::read(fd, out.data() + at, out.size() - at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const int e = errno;
      ::close(fd);
      if (got == 0) throw Error(who + ": " + path + " shrank while it was read (" + std::to_string(at) + " of " +
                                std::to_string(out.size()) + " bytes)");
      throw Error(who + ": reading " + path + " failed: " + std::strerror(e));
    }
    at += static_cast<size_t>(got);
  }
  ::close(fd);
  return out;
}

}  // namespace tg::detail
