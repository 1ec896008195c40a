// tg/disk_cache.hpp -- compiled kernel binaries on disk, so a second process compiles nothing.
// Header-only (C++17), part of the SDK; the onednn, OpenCL and HIP plugins keep their kernels with it.
//
//   tg::sdk::DiskCache cache = tg::sdk::DiskCache::from_environment("opencl", "TGCLBIN2", ".bin");
//   std::string corrupt;
//   if (auto binary = cache.load(key_text, &corrupt)) { ... }         // else compile, then
//   if (std::string why = cache.store(key_text, binary); !why.empty()) { ...log why, go on... }
//
// Where, and whom it trusts: tg/cache_root.hpp (the user's own 0700 folder <root>/<plugin>/ and
// a key only the user can read, else a private temporary folder). key_text is everything a binary
// depends on: the device, its driver and runtime versions, the build options and the kernel
// source. A file is named by a keyed digest of key_text, and is: the 8-byte magic, the payload's
// size (8 bytes, host byte order), HMAC-SHA256(key, magic, key_text, payload), the payload. The
// magic names the plugin's format and its version: change it when the payload changes meaning.
// A file that fails any check -- not ours, writable by others, wrong magic, size or digest (a
// tampered file, or a genuine one moved to another name) -- is reported as corrupt and the caller
// rebuilds and stores again; stores write a 0600 temporary file and rename it, so readers never
// see half a file. A hit refreshes the file's mtime, and every store evicts the least recently
// used files beyond the cache's size cap (TG_CACHE_MAX).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tg/cache_root.hpp"

namespace tg::sdk {

// 64-bit FNV-1a of n bytes; pass a previous result as h to hash in pieces.
inline uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

class DiskCache {
 public:
  // root: where and with which key (CacheRoot::from_environment(subfolder)); its folder() holds
  // the files. magic: exactly 8 bytes ("TGCLBIN2"); extension: the files' extension, with its
  // dot (".bin").
  DiskCache(std::shared_ptr<const CacheRoot> root, std::string magic, std::string extension)
      : root_(std::move(root)), magic_(std::move(magic)), extension_(std::move(extension)) {
    if (magic_.size() != kMagicSize)
      throw std::invalid_argument("tg::sdk::DiskCache: the magic must be 8 bytes, not " + std::to_string(magic_.size()));
    if (!root_) throw std::invalid_argument("tg::sdk::DiskCache: no cache root");
  }

  // The cache of plugin `subfolder`, as the environment says (tg/cache_root.hpp).
  static DiskCache from_environment(const std::string& subfolder, std::string magic, std::string extension) {
    return DiskCache(CacheRoot::from_environment(subfolder), std::move(magic), std::move(extension));
  }

  bool enabled() const { return root_->usable(); }
  const std::string& why_disabled() const { return root_->why_not(); }
  const CacheRoot& root() const { return *root_; }
  std::string path_of(const std::string& key_text) const {
    const std::string label = "tg-cache-name";
    const Digest name = root_->mac({{label.data(), label.size() + 1}, {magic_.data(), magic_.size()},
                                    {key_text.data(), key_text.size()}});
    return root_->folder() + "/" + to_hex(name.data(), 16) + extension_;
  }

  // The payload stored under key_text; nullopt if there is none. A file that exists but fails
  // a check sets *corrupt to the reason (and returns nullopt).
  std::optional<std::vector<unsigned char>> load(const std::string& key_text, std::string* corrupt) const {
    if (!enabled()) return std::nullopt;
    auto bad = [&](const std::string& why) -> std::optional<std::vector<unsigned char>> {
      if (corrupt) *corrupt = why;
      return std::nullopt;
    };
    const int fd = open(path_of(key_text).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? std::nullopt : bad(std::string("cannot open it: ") + std::strerror(errno));
    struct stat st;
    std::vector<unsigned char> file;
    std::string why;
    if (fstat(fd, &st) != 0) why = std::strerror(errno);
    else if (!S_ISREG(st.st_mode)) why = "it is not a regular file";
    else why = cache_detail::untrusted(st);
    if (why.empty()) {
      file.resize(static_cast<size_t>(st.st_size));
      size_t got = 0;
      while (got < file.size()) {
        const ssize_t n = pread(fd, file.data() + got, file.size() - got, static_cast<off_t>(got));
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      if (got != file.size()) why = "it could not be read whole";
    }
    if (why.empty() && file.size() >= kHeader && std::memcmp(file.data(), magic_.data(), kMagicSize) == 0) {
      uint64_t size;
      std::memcpy(&size, file.data() + kMagicSize, 8);
      if (size != file.size() - kHeader) why = "its size does not match its header (truncated?)";
      else if (!digests_equal(seal(key_text, file.data() + kHeader, size).data(), file.data() + kMagicSize + 8, 32))
        why = "its keyed digest does not match (changed, or not made for this kernel)";
      else futimens(fd, nullptr);  // a hit: the least recently used go first
    } else if (why.empty()) {
      why = "not a tg " + root_->plugin() + " cache file";
    }
    close(fd);
    if (!why.empty()) return bad(why);
    return std::vector<unsigned char>(file.begin() + kHeader, file.end());
  }

  // Stores a payload (then evicts what exceeds the cap); returns "" or the reason it could not
  // (the cache is an optimization: the caller logs and goes on).
  std::string store(const std::string& key_text, const std::vector<unsigned char>& payload) const {
    if (!enabled()) return why_disabled();
    const std::string path = path_of(key_text);
    unsigned char salt[8] = {};
    cache_detail::random_bytes(salt, sizeof salt);
    const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + to_hex(salt, sizeof salt);
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return "cannot write " + tmp + ": " + std::strerror(errno);
    const uint64_t size = payload.size();
    const Digest digest = seal(key_text, payload.data(), payload.size());
    std::vector<unsigned char> file(kHeader + payload.size());
    std::memcpy(file.data(), magic_.data(), kMagicSize);
    std::memcpy(file.data() + kMagicSize, &size, 8);
    std::memcpy(file.data() + kMagicSize + 8, digest.data(), digest.size());
    if (!payload.empty()) std::memcpy(file.data() + kHeader, payload.data(), payload.size());
    size_t put = 0;
    while (put < file.size()) {
      const ssize_t n = write(fd, file.data() + put, file.size() - put);
      if (n <= 0) break;
      put += static_cast<size_t>(n);
    }
    const int write_errno = errno;
    close(fd);
    if (put != file.size()) {
      unlink(tmp.c_str());
      return "cannot write " + tmp + ": " + std::strerror(write_errno);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
      const std::string why = "cannot rename " + tmp + " to " + path + ": " + std::strerror(errno);
      unlink(tmp.c_str());
      return why;
    }
    root_->stored(file.size());
    return "";
  }

 private:
  static constexpr size_t kMagicSize = 8;
  static constexpr size_t kHeader = kMagicSize + 8 + 32;  // magic, size, keyed digest

  Digest seal(const std::string& key_text, const unsigned char* payload, size_t n) const {
    const uint64_t key_size = key_text.size();
    return root_->mac({{magic_.data(), kMagicSize}, {&key_size, 8}, {key_text.data(), key_text.size()}, {payload, n}});
  }

  std::shared_ptr<const CacheRoot> root_;
  std::string magic_;
  std::string extension_;
};

}  // namespace tg::sdk
