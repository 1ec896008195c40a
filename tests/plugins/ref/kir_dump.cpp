#include "kir_dump.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tg/disk_cache.hpp"
#include "tg/kir_file.hpp"
#include "tg/plugin.hpp"

namespace tg::ref {

namespace fs = std::filesystem;

std::string kir_dump_dir_from_environment() {
  const char* dir = std::getenv("TG_KIR_DUMP");
  return dir ? dir : "";
}

void dump_program(const std::string& dir, const tg_kir_program& program) {
  auto fail = [&](const std::string& why) {
    throw tg::sdk::Failure(TG_ERR_INTERNAL, "ref: TG_KIR_DUMP: " + why);
  };
  const std::string bytes = tg::sdk::serialize_program(program);
  char file[32];
  std::snprintf(file, sizeof file, "%016llx.kir", static_cast<unsigned long long>(tg::sdk::fnv1a(bytes.data(), bytes.size())));
  const fs::path path = fs::path(dir) / file;
  std::error_code ec;
  if (fs::exists(path, ec)) return;
  fs::create_directories(dir, ec);
  if (ec) fail("cannot create " + dir + ": " + ec.message());
  const std::string tmp = path.string() + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) fail("cannot write " + tmp + ": " + std::strerror(errno));
  }
  fs::rename(tmp, path, ec);
  if (ec) fail("cannot rename " + tmp + " to " + path.string() + ": " + ec.message());
}

}  // namespace tg::ref
