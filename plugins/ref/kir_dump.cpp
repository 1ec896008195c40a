#include "kir_dump.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tg/disk_cache.hpp"
#include "tg/plugin.hpp"

namespace tg::ref {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '2'};
constexpr char kMagicV1[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '1'};  // before scalar_args

template <class T>
void put(std::string& out, const T* data, size_t n) {
  out.append(reinterpret_cast<const char*>(data), n * sizeof(T));
}

// Reads from a byte string front to back; every read checks that the bytes are there.
class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  template <class T>
  void get(T* data, uint64_t n, const char* what) {
    if (n > (bytes_.size() - at_) / sizeof(T))
      throw std::runtime_error(std::string("truncated tg.kir file: ") + what + " runs past its end");
    if (n == 0) return;  // (data may be an empty vector's NULL, which memcpy may not take)
    std::memcpy(static_cast<void*>(data), bytes_.data() + at_, n * sizeof(T));
    at_ += n * sizeof(T);
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  size_t at_ = 0;
};


}  // namespace

tg_kir_program OwnedProgram::view() const {
  tg_kir_program p;
  std::memset(&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.name = name.c_str();
  p.ndim = ndim;
  std::memcpy(p.shape, shape, sizeof shape);
  p.n_nodes = static_cast<uint32_t>(nodes.size());
  p.nodes = nodes.data();
  p.n_views = static_cast<uint32_t>(views.size());
  p.views = views.data();
  p.n_params = static_cast<uint32_t>(params.size());
  p.params = params.data();
  p.n_scalar_args = static_cast<uint32_t>(scalar_args.size());
  p.scalar_args = scalar_args.empty() ? nullptr : scalar_args.data();
  return p;
}

std::string serialize_program(const tg_kir_program& p) {
  const std::string name = p.name ? p.name : "";
  const uint64_t counts[6] = {p.ndim, p.n_nodes, p.n_views, p.n_params, name.size(), p.n_scalar_args};
  std::string out(kMagic, sizeof kMagic);
  put(out, counts, 6);
  put(out, p.shape, TG_KIR_MAX_DIMS);
  put(out, name.data(), name.size());
  put(out, p.nodes, p.n_nodes);
  put(out, p.views, p.n_views);
  put(out, p.params, p.n_params);
  put(out, p.scalar_args, p.n_scalar_args);
  return out;
}

OwnedProgram parse_program(const std::string& bytes) {
  Reader in(bytes);
  char magic[sizeof kMagic];
  in.get(magic, sizeof magic, "the magic");
  const bool v1 = std::memcmp(magic, kMagicV1, sizeof kMagicV1) == 0;
  if (!v1 && std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw std::runtime_error("not a tg.kir file (bad magic)");
  uint64_t counts[6] = {};
  in.get(counts, v1 ? 5 : 6, "the header");
  if (counts[0] > TG_KIR_MAX_DIMS) throw std::runtime_error("tg.kir file has ndim " + std::to_string(counts[0]));
  for (int i : {1, 2, 3, 5})
    if (counts[i] > UINT32_MAX) throw std::runtime_error("tg.kir file has an array of " + std::to_string(counts[i]));
  OwnedProgram p;
  p.ndim = static_cast<uint32_t>(counts[0]);
  in.get(p.shape, TG_KIR_MAX_DIMS, "the shape");
  if (counts[4] > bytes.size()) throw std::runtime_error("truncated tg.kir file: the name runs past its end");
  p.name.resize(counts[4]);
  in.get(p.name.data(), counts[4], "the name");
  p.nodes.resize(counts[1]);
  in.get(p.nodes.data(), counts[1], "the nodes");
  p.views.resize(counts[2]);
  in.get(p.views.data(), counts[2], "the views");
  p.params.resize(counts[3]);
  in.get(p.params.data(), counts[3], "the params");
  p.scalar_args.resize(counts[5]);
  in.get(p.scalar_args.data(), counts[5], "the scalar args");
  if (!in.done()) throw std::runtime_error("tg.kir file has bytes after its scalar args");
  return p;
}

std::string kir_dump_dir_from_environment() {
  const char* dir = std::getenv("TG_KIR_DUMP");
  return dir ? dir : "";
}

void dump_program(const std::string& dir, const tg_kir_program& program) {
  auto fail = [&](const std::string& why) {
    throw tg::sdk::Failure(TG_ERR_INTERNAL, "ref: TG_KIR_DUMP: " + why);
  };
  const std::string bytes = serialize_program(program);
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
