// tg/disk_cache.hpp -- compiled kernel binaries on disk, so a second process compiles nothing.
// Header-only (C++17), part of the SDK; the OpenCL and HIP plugins keep their binaries with it.
//
//   tg::sdk::DiskCache cache = tg::sdk::DiskCache::from_environment("opencl", "TGCLBIN1", ".bin");
//   const uint64_t key = tg::sdk::fnv1a(key_text.data(), key_text.size());
//   std::string corrupt;
//   if (auto binary = cache.load(key, &corrupt)) { ... }            // else compile, then
//   if (std::string why = cache.store(key, binary); !why.empty()) { ...log why, go on... }
//
// Where: $TG_CACHE_DIR/<subfolder>/, else ~/.cache/tg/<subfolder>/, else disabled (why_disabled
// says why). One file per key, named by the key's hex and the plugin's extension. The key hashes
// everything a binary depends on: the device, its driver and runtime versions, the build options
// and the kernel source (the caller builds the key text and hashes it with fnv1a).
// A file is: the 8-byte magic, the key, the payload's size and FNV-1a hash (each 8 bytes, host
// byte order), the payload. The magic names the plugin's format and its version: change it when
// the payload changes meaning, and old files read as corrupt. A file that does not match in every
// field is reported as corrupt (the caller rebuilds and stores again); stores write a temporary
// file and rename it, so readers never see half a file.
#pragma once

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
  // subfolder: the plugin's folder under the root ("opencl"); magic: exactly 8 bytes
  // ("TGCLBIN1"); extension: the files' extension, with its dot (".bin").
  // root: the cache root ("" disables the cache; why_disabled then says why).
  DiskCache(const std::string& subfolder, std::string magic, std::string extension, const std::string& root,
            std::string why_disabled)
      : magic_(std::move(magic)),
        extension_(std::move(extension)),
        what_("tg " + subfolder + " cache file"),
        dir_(root.empty() ? "" : (std::filesystem::path(root) / subfolder).string()),
        why_disabled_(std::move(why_disabled)) {
    if (magic_.size() != kMagicSize)
      throw std::invalid_argument("tg::sdk::DiskCache: the magic must be 8 bytes, not " + std::to_string(magic_.size()));
  }

  // TG_CACHE_DIR, else $HOME/.cache/tg, else disabled.
  static DiskCache from_environment(const std::string& subfolder, std::string magic, std::string extension) {
    std::string root, why;
    if (const char* d = std::getenv("TG_CACHE_DIR"); d && *d) {
      root = d;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
      root = (std::filesystem::path(home) / ".cache" / "tg").string();
    } else {
      why = "neither TG_CACHE_DIR nor HOME is set";
    }
    return DiskCache(subfolder, std::move(magic), std::move(extension), root, std::move(why));
  }

  bool enabled() const { return !dir_.empty(); }
  const std::string& why_disabled() const { return why_disabled_; }
  std::string path_of(uint64_t key) const {
    char name[32];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(key));
    return (std::filesystem::path(dir_) / (name + extension_)).string();
  }

  // The payload stored under key; nullopt if there is none. A file that exists but is
  // damaged sets *corrupt to the reason (and returns nullopt).
  std::optional<std::vector<unsigned char>> load(uint64_t key, std::string* corrupt) const {
    if (!enabled()) return std::nullopt;
    std::ifstream in(path_of(key), std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<unsigned char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto bad = [&](const std::string& why) -> std::optional<std::vector<unsigned char>> {
      if (corrupt) *corrupt = why;
      return std::nullopt;
    };
    if (file.size() < kHeader || std::memcmp(file.data(), magic_.data(), kMagicSize) != 0) return bad("not a " + what_);
    uint64_t stored_key, size, hash;
    std::memcpy(&stored_key, file.data() + kMagicSize, 8);
    std::memcpy(&size, file.data() + kMagicSize + 8, 8);
    std::memcpy(&hash, file.data() + kMagicSize + 16, 8);
    if (stored_key != key) return bad("it belongs to another key");
    if (size != file.size() - kHeader) return bad("its size does not match its header (truncated?)");
    if (fnv1a(file.data() + kHeader, size) != hash) return bad("its checksum does not match");
    return std::vector<unsigned char>(file.begin() + kHeader, file.end());
  }

  // Stores a payload; returns "" or the reason it could not (the cache is an optimization:
  // the caller logs and goes on).
  std::string store(uint64_t key, const std::vector<unsigned char>& payload) const {
    namespace fs = std::filesystem;
    if (!enabled()) return why_disabled_;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return "cannot create " + dir_ + ": " + ec.message();
    const std::string path = path_of(key);
    const std::string tmp = path + ".tmp." + std::to_string(getpid());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return "cannot write " + tmp + ": " + std::strerror(errno);
      const uint64_t size = payload.size(), hash = fnv1a(payload.data(), payload.size());
      out.write(magic_.data(), kMagicSize);
      out.write(reinterpret_cast<const char*>(&key), 8);
      out.write(reinterpret_cast<const char*>(&size), 8);
      out.write(reinterpret_cast<const char*>(&hash), 8);
      out.write(reinterpret_cast<const char*>(payload.data()), static_cast<std::streamsize>(payload.size()));
      if (!out.flush()) {
        fs::remove(tmp, ec);
        return "cannot write " + tmp + ": " + std::strerror(errno);
      }
    }
    fs::rename(tmp, path, ec);
    if (ec) {
      const std::string why = "cannot rename " + tmp + " to " + path + ": " + ec.message();
      fs::remove(tmp, ec);
      return why;
    }
    return "";
  }

 private:
  static constexpr size_t kMagicSize = 8;
  static constexpr size_t kHeader = kMagicSize + 3 * 8;  // magic, key, size, hash

  std::string magic_;
  std::string extension_;
  std::string what_;  // "tg <subfolder> cache file", for the corrupt reason
  std::string dir_;   // <root>/<subfolder>
  std::string why_disabled_;
};

}  // namespace tg::sdk
