#pragma once
// Compiled code objects on disk, so a second process compiles nothing.
//
// Where: $TG_CACHE_DIR/hip/, else ~/.cache/tg/hip/. One file per key, named by the key's hex. The
// key hashes everything a code object depends on: the GPU's gcnArchName, the HIP runtime and
// hiprtc versions, the compile options and the kernel source (the caller builds the key text).
// A file is: magic "TGHIPCO1", the key, the payload's size and FNV-1a hash, the payload. A file
// that does not match in every field is reported as corrupt (the caller compiles and stores
// again); stores write a temporary file and rename it, so readers never see half a file.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tg::hip {

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull);

class CodeCache {
 public:
  // root: the cache root ("" disables the cache; why_disabled then says why).
  CodeCache(const std::string& root, std::string why_disabled);
  // TG_CACHE_DIR, else $HOME/.cache/tg, else disabled.
  static CodeCache from_environment();

  bool enabled() const { return !dir_.empty(); }
  const std::string& why_disabled() const { return why_disabled_; }
  std::string path_of(uint64_t key) const;

  // The payload stored under key; nullopt if there is none. A file that exists but is damaged
  // sets *corrupt to the reason (and returns nullopt).
  std::optional<std::vector<char>> load(uint64_t key, std::string* corrupt) const;
  // Stores a payload; returns "" or the reason it could not (the caller logs it and goes on:
  // the cache only saves time).
  std::string store(uint64_t key, const std::vector<char>& payload) const;

 private:
  std::string dir_;  // <root>/hip
  std::string why_disabled_;
};

}  // namespace tg::hip
