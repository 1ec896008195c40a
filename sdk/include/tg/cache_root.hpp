// tg/cache_root.hpp -- the kernel cache's trust model, in one place for every plugin that keeps
// compiled kernels on disk (onednn's shared objects, OpenCL binaries, HIP code objects).
// Header-only (C++17, POSIX); tg/disk_cache.hpp stores and checks the files themselves.
//
// Compiled kernels are native code: whoever can write the cache can run code in every process
// that reads it. So, as ssh does with ~/.ssh and ccache with its directory:
//   - The root ($TG_CACHE_DIR, else $XDG_CACHE_HOME/tg, else ~/.cache/tg) is created 0700. A root
//     (or plugin subfolder) not owned by this user, or writable by group or others, is refused
//     with one line on stderr; the plugin then keeps its kernels in a private directory made with
//     mkdtemp (/tmp/tg-<plugin>-XXXXXX) and removes it at exit.
//   - A random 32-byte key lives in <root>/cache-key, owned by the user, mode 0600 (created
//     atomically when absent; a key file of another owner or mode refuses the whole root).
//   - Every file is named by HMAC-SHA256(key, what it was compiled from) and carries
//     HMAC-SHA256(key, its key text and payload): names cannot be predicted by other users, a
//     file moved to another name or changed in any byte fails the check, and so does a file not
//     owned by the user or writable by group or others. A failed check means "not cached": the
//     caller compiles again and replaces the file atomically.
//   - The cache holds at most TG_CACHE_MAX bytes (default 1G; "500M", "2G", "0" keeps nothing);
//     after each store the least recently used files go first (a hit refreshes a file's mtime).
#pragma once

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tg/sha256.hpp"

namespace tg::sdk {

constexpr uint64_t kDefaultCacheMaxBytes = uint64_t{1} << 30;

// "1048576", "64K", "500M", "2G", "1T" (powers of 1024; a trailing B or iB is allowed) -> bytes.
// False for anything else, or a value past 2^63.
inline bool parse_byte_size(const std::string& text, uint64_t* out) {
  size_t i = 0;
  uint64_t v = 0;
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (v > (uint64_t{1} << 62) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  std::string unit = text.substr(i);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();
  int shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K") shift = 10;
  else if (unit == "M") shift = 20;
  else if (unit == "G") shift = 30;
  else if (unit == "T") shift = 40;
  else return false;
  if (v > (uint64_t{1} << (63 - shift))) return false;
  *out = v << shift;
  return true;
}

namespace cache_detail {

// Private directories still to remove at exit, for this plugin library (each plugin has its
// own copy: the SDK's symbols are not exported).
struct PrivateDirs {
  std::mutex mutex;
  std::vector<std::pair<std::string, pid_t>> dirs;  // and the process that made it
};
inline PrivateDirs& private_dirs() {
  static auto* p = new PrivateDirs();  // never destroyed: the exit handler below still reads it
  return *p;
}
inline void remove_private_dirs_at_exit() {
  PrivateDirs& p = private_dirs();
  std::lock_guard<std::mutex> lock(p.mutex);
  for (const auto& [dir, owner] : p.dirs) {
    if (owner != getpid()) continue;  // a forked child's exit leaves its parent's directory alone
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  p.dirs.clear();
}
inline void remember_private_dir(const std::string& dir) {
  PrivateDirs& p = private_dirs();
  std::lock_guard<std::mutex> lock(p.mutex);
  static bool registered = (std::atexit(remove_private_dirs_at_exit), true);
  (void)registered;
  p.dirs.push_back({dir, getpid()});
}
inline void forget_private_dir(const std::string& dir) {
  PrivateDirs& p = private_dirs();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.dirs.erase(std::remove_if(p.dirs.begin(), p.dirs.end(), [&](const auto& d) { return d.first == dir; }), p.dirs.end());
}

inline std::string octal_mode(mode_t m) {
  char s[8];
  std::snprintf(s, sizeof s, "%04o", static_cast<unsigned>(m & 07777));
  return s;
}

// Why a file or directory with this stat cannot be trusted ("" if it can): not ours, or
// writable by group or others (extra_bits: further mode bits that must be clear).
inline std::string untrusted(const struct stat& st, mode_t extra_bits = 0) {
  if (st.st_uid != geteuid())
    return "it is owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " + std::to_string(geteuid()) + ")";
  if (st.st_mode & (S_IWGRP | S_IWOTH | extra_bits))
    return extra_bits ? "its mode is " + octal_mode(st.st_mode) + ", not 0600 (chmod 600 it)"
                      : "it is writable by group or others (mode " + octal_mode(st.st_mode) + "; chmod go-w it)";
  return "";
}

// Creates `path` and missing parents with mode 0700; then checks it. "" or why not.
inline std::string trusted_dir(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') continue;
    const std::string part = path.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return "cannot create " + part + ": " + std::strerror(errno);
  }
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return "cannot stat it: " + std::string(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return "it is not a directory";
  if (std::string why = untrusted(st); !why.empty()) return why;
  if (access(path.c_str(), W_OK | X_OK) != 0) return "it is not writable";
  return "";
}

inline bool random_bytes(unsigned char* p, size_t n) {
  while (n > 0) {
    const ssize_t got = getrandom(p, n, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += got, n -= static_cast<size_t>(got);
  }
  return true;
}

// Reads the key from an open key file, checking it first. "" or why not.
inline std::string read_key(int fd, std::vector<unsigned char>* key) {
  struct stat st;
  if (fstat(fd, &st) != 0) return std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return "it is not a regular file";
  if (std::string why = untrusted(st, S_IRWXG | S_IRWXO); !why.empty()) return why;
  if (st.st_size != 32) return "it holds " + std::to_string(st.st_size) + " bytes, not 32";
  key->assign(32, 0);
  if (pread(fd, key->data(), 32, 0) != 32) return "cannot read it";
  return "";
}

// The key in <dir>/cache-key, created (atomically: written aside, then linked into place) if
// absent. "" or why it cannot be used.
inline std::string load_or_create_key(const std::string& dir, std::vector<unsigned char>* key) {
  const std::string path = dir + "/cache-key";
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      std::string why = read_key(fd, key);
      close(fd);
      return why.empty() ? "" : "its key file " + path + " is unusable: " + why;
    }
    if (errno != ENOENT) return "cannot open its key file " + path + ": " + std::strerror(errno);
    unsigned char fresh[32];
    if (!random_bytes(fresh, sizeof fresh)) return "no random bytes for a key: " + std::string(std::strerror(errno));
    const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + to_hex(fresh, 4);
    const int out = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) return "cannot create " + tmp + ": " + std::strerror(errno);
    const bool written = write(out, fresh, sizeof fresh) == static_cast<ssize_t>(sizeof fresh) && fsync(out) == 0;
    close(out);
    // link() never replaces: if another process made the key first, both use that one.
    const bool linked = written && (link(tmp.c_str(), path.c_str()) == 0 || errno == EEXIST);
    const int link_errno = errno;
    unlink(tmp.c_str());
    if (!linked) return "cannot create its key file " + path + ": " + std::strerror(written ? link_errno : EIO);
  }
  return "its key file " + path + " vanished while being created";
}

}  // namespace cache_detail

class CacheRoot {
 public:
  // The cache root for plugin `plugin` ("onednn", "opencl"), from TG_CACHE_DIR, XDG_CACHE_HOME,
  // HOME and TG_CACHE_MAX. Refusals print one line on stderr and fall back to a private directory.
  static std::shared_ptr<CacheRoot> from_environment(const std::string& plugin) {
    std::string root;
    if (const char* d = std::getenv("TG_CACHE_DIR"); d && *d) root = d;
    else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) root = std::string(x) + "/tg";
    else if (const char* h = std::getenv("HOME"); h && *h) root = std::string(h) + "/.cache/tg";
    uint64_t max = kDefaultCacheMaxBytes;
    if (const char* m = std::getenv("TG_CACHE_MAX"); m && *m && !parse_byte_size(m, &max)) {
      std::fprintf(stderr, "tg %s: ignoring TG_CACHE_MAX=%s (expected a size such as 500M or 2G); the cache keeps 1G\n",
                   plugin.c_str(), m);
      max = kDefaultCacheMaxBytes;
    }
    auto r = std::shared_ptr<CacheRoot>(new CacheRoot(plugin, max));
    std::string why = root.empty() ? "neither TG_CACHE_DIR, XDG_CACHE_HOME nor HOME is set" : r->use_shared(root);
    if (!why.empty()) {
      r->use_private();
      if (!root.empty())
        std::fprintf(stderr, "tg %s: not using the kernel cache %s: %s; compiling into %s, removed at exit\n", plugin.c_str(),
                     root.c_str(), why.c_str(), r->usable() ? r->dir_.c_str() : "nothing (no private directory either)");
    }
    return r;
  }
  ~CacheRoot() {
    if (!shared_ && !dir_.empty() && owner_ == getpid()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      cache_detail::forget_private_dir(dir_);
    }
  }
  CacheRoot(const CacheRoot&) = delete;
  CacheRoot& operator=(const CacheRoot&) = delete;

  // Whether there is a folder at all (false only when neither the cache nor a private
  // directory could be made; why_not() says why).
  bool usable() const { return !folder_.empty(); }
  const std::string& why_not() const { return why_not_; }
  // The trusted directory: the user's cache root, or the private one.
  const std::string& dir() const { return dir_; }
  bool shared() const { return shared_; }
  uint64_t max_bytes() const { return max_bytes_; }
  const std::string& plugin() const { return plugin_; }

  // The plugin's own folder in dir(), <dir>/<plugin>, checked as the root is.
  const std::string& folder() const { return folder_; }
  // A keyed digest of `parts`: without the key nobody computes it.
  Digest mac(std::initializer_list<std::pair<const void*, size_t>> parts) const {
    HmacSha256 h(key_.data(), key_.size());
    for (const auto& [p, n] : parts) h.update(p, n);
    return h.finish();
  }

  // Cache file names: 32 hex digits, a dot, a lower-case extension. Only such files (and the
  // names older tg versions used) are ever evicted, so a cache root pointed at a directory of
  // other files loses none of them.
  static bool is_cache_file_name(const std::string& f, bool in_root) {
    auto hex = [&](size_t from, size_t n) {
      if (f.size() < from + n) return false;
      for (size_t i = from; i < from + n; ++i)
        if (!((f[i] >= '0' && f[i] <= '9') || (f[i] >= 'a' && f[i] <= 'f'))) return false;
      return true;
    };
    auto ext = [&](size_t at) {
      if (f.size() < at + 2 || f.size() > at + 6 || f[at] != '.') return false;
      for (size_t i = at + 1; i < f.size(); ++i)
        if (f[i] < 'a' || f[i] > 'z') return false;
      return true;
    };
    if (in_root) return f.rfind("onednn-", 0) == 0 && hex(7, 16) && f.size() == 26 && f.substr(23) == ".so";  // before 0.2
    return (hex(0, 32) && ext(32)) || (hex(0, 16) && (f == f.substr(0, 16) + ".bin" || f == f.substr(0, 16) + ".co"));
  }

  // A temporary a crashed process left in a plugin folder: a store's "<name>.tmp.<pid>.<salt>",
  // or the onednn plugin's "build.<pid>.*" and "load.<pid>.*", untouched for an hour.
  static bool is_stale_temporary(const std::string& f, std::filesystem::file_time_type written) {
    const size_t tmp = f.find(".tmp.");
    const bool temporary = (tmp != std::string::npos && is_cache_file_name(f.substr(0, tmp), false)) ||
                           f.rfind("build.", 0) == 0 || f.rfind("load.", 0) == 0;
    return temporary && written < std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  }

  // Called after a file of `added` bytes is stored: keeps the cache at most max_bytes(). Only the
  // first call and calls that would pass the cap scan the folders (other processes' stores are
  // seen at the next scan), so a process storing thousands of kernels does not stat the cache
  // thousands of times.
  void stored(uint64_t added) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (scanned_ && known_bytes_ + added <= max_bytes_) {
      known_bytes_ += added;
      return;
    }
    known_bytes_ = evict();
    scanned_ = true;
  }

  // Removes the least recently modified cache files (in every plugin's folder) until they total
  // at most max_bytes(); returns what is left. Best effort: files that vanish or resist are skipped.
  uint64_t evict() const {
    namespace fs = std::filesystem;
    if (!usable()) return 0;
    struct Entry {
      fs::file_time_type time;
      uint64_t size;
      fs::path path;
    };
    std::vector<Entry> files;
    uint64_t total = 0;
    std::error_code ec;
    auto collect = [&](const fs::path& dir, bool in_root) {
      std::error_code e;
      for (fs::directory_iterator it(dir, e), end; !e && it != end; it.increment(e)) {
        std::error_code fe;
        if (!it->is_regular_file(fe) || it->is_symlink(fe)) continue;
        const std::string name = it->path().filename().string();
        if (!in_root && is_stale_temporary(name, it->last_write_time(fe))) {
          fs::remove(it->path(), fe);
          continue;
        }
        if (!is_cache_file_name(name, in_root)) continue;
        const uint64_t size = it->file_size(fe);
        if (fe) continue;
        const auto time = it->last_write_time(fe);
        if (fe) continue;
        files.push_back({time, size, it->path()});
        total += size;
      }
    };
    collect(dir_, true);
    for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code de;
      if (it->is_directory(de) && !it->is_symlink(de)) collect(it->path(), false);
    }
    if (total <= max_bytes_) return total;
    std::sort(files.begin(), files.end(), [](const Entry& a, const Entry& b) { return a.time < b.time; });
    for (const Entry& f : files) {
      if (total <= max_bytes_) break;
      std::error_code re;
      if (fs::remove(f.path, re)) total -= f.size;
    }
    return total;
  }

 private:
  CacheRoot(std::string plugin, uint64_t max_bytes) : plugin_(std::move(plugin)), max_bytes_(max_bytes) {}

  // "" when root is fit to use (then dir_ and key_ are set), else why not.
  std::string use_shared(const std::string& root) {
    if (std::string why = cache_detail::trusted_dir(root); !why.empty()) return why;
    if (std::string why = cache_detail::load_or_create_key(root, &key_); !why.empty()) return why;
    const std::string folder = root + "/" + plugin_;
    if (std::string why = cache_detail::trusted_dir(folder); !why.empty()) return folder + ": " + why;
    dir_ = root;
    folder_ = folder;
    shared_ = true;
    return "";
  }
  void use_private() {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/tg-" + plugin_ + "-XXXXXX";
    key_.assign(32, 0);
    if (!cache_detail::random_bytes(key_.data(), key_.size()) || !mkdtemp(tmpl.data())) {
      why_not_ = "no private directory for compiled kernels (" + tmpl + "): " + std::strerror(errno);
      return;
    }
    dir_ = tmpl;
    shared_ = false;
    cache_detail::remember_private_dir(dir_);
    folder_ = dir_ + "/" + plugin_;
    if (mkdir(folder_.c_str(), 0700) != 0) {
      why_not_ = "cannot create " + folder_ + ": " + std::strerror(errno);
      folder_.clear();
    }
  }

  std::string plugin_;
  uint64_t max_bytes_;
  std::string dir_, folder_, why_not_;
  bool shared_ = false;
  std::vector<unsigned char> key_;
  pid_t owner_ = getpid();  // the process that may remove the private directory
  mutable std::mutex mutex_;  // for what stored() knows
  mutable bool scanned_ = false;
  mutable uint64_t known_bytes_ = 0;
};

}  // namespace tg::sdk
