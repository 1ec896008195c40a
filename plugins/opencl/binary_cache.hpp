#pragma once
// Compiled program binaries on disk, so a second process compiles nothing.
//
// Where: $TG_CACHE_DIR/opencl/, else ~/.cache/tg/opencl/. One file per key, named by the key's
// hex. The key hashes everything a binary depends on: the device, its driver and platform
// versions, the build options and the kernel source (the caller builds it with key_of).
// A file is: magic "TGCLBIN1", the key, the payload's size and FNV-1a hash, the payload. A file
// that does not match in every field is reported as corrupt (the caller rebuilds and stores
// again); stores write a temporary file and rename it, so readers never see half a file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tg::opencl {

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull);

class BinaryCache {
 public:
  // dir: the cache root ("" disables the cache; why_disabled then says why).
  BinaryCache(std::string dir, std::string why_disabled);
  // TG_CACHE_DIR, else $HOME/.cache/tg, else disabled.
  static BinaryCache from_environment();

  bool enabled() const { return !dir_.empty(); }
  const std::string& why_disabled() const { return why_disabled_; }
  std::string path_of(uint64_t key) const;

  // The payload stored under key; nullopt if there is none. A file that exists but is
  // damaged sets *corrupt to the reason (and returns nullopt).
  std::optional<std::vector<unsigned char>> load(uint64_t key, std::string* corrupt) const;
  // Stores a payload; returns "" or the reason it could not (the cache is an optimization:
  // the caller logs and goes on).
  std::string store(uint64_t key, const std::vector<unsigned char>& payload) const;

 private:
  std::string dir_;  // .../opencl
  std::string why_disabled_;
};

}  // namespace tg::opencl
