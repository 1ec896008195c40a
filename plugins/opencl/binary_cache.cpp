#include "binary_cache.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace tg::opencl {

namespace fs = std::filesystem;

namespace {
constexpr char kMagic[8] = {'T', 'G', 'C', 'L', 'B', 'I', 'N', '1'};
constexpr size_t kHeader = 8 + 3 * 8;
}  // namespace

uint64_t fnv1a(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

BinaryCache::BinaryCache(std::string dir, std::string why_disabled)
    : dir_(dir.empty() ? "" : (fs::path(dir) / "opencl").string()), why_disabled_(std::move(why_disabled)) {}

BinaryCache BinaryCache::from_environment() {
  if (const char* d = std::getenv("TG_CACHE_DIR"); d && *d) return BinaryCache(d, "");
  if (const char* home = std::getenv("HOME"); home && *home) return BinaryCache((fs::path(home) / ".cache" / "tg").string(), "");
  return BinaryCache("", "neither TG_CACHE_DIR nor HOME is set");
}

std::string BinaryCache::path_of(uint64_t key) const {
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.bin", static_cast<unsigned long long>(key));
  return (fs::path(dir_) / name).string();
}

std::optional<std::vector<unsigned char>> BinaryCache::load(uint64_t key, std::string* corrupt) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(path_of(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::vector<unsigned char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const char* why) -> std::optional<std::vector<unsigned char>> {
    if (corrupt) *corrupt = why;
    return std::nullopt;
  };
  if (file.size() < kHeader || std::memcmp(file.data(), kMagic, 8) != 0) return bad("not a tg binary cache file");
  uint64_t stored_key, size, hash;
  std::memcpy(&stored_key, file.data() + 8, 8);
  std::memcpy(&size, file.data() + 16, 8);
  std::memcpy(&hash, file.data() + 24, 8);
  if (stored_key != key) return bad("it belongs to another key");
  if (size != file.size() - kHeader) return bad("its size does not match its header (truncated?)");
  if (fnv1a(file.data() + kHeader, size) != hash) return bad("its checksum does not match");
  return std::vector<unsigned char>(file.begin() + kHeader, file.end());
}

std::string BinaryCache::store(uint64_t key, const std::vector<unsigned char>& payload) const {
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
    out.write(kMagic, 8);
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

}  // namespace tg::opencl
