#pragma once
// tg.kir programs as files: the format the ref plugin writes with TG_KIR_DUMP=<dir>
// (plugins/ref/kir_dump.hpp) and the HIP and CUDA compile tests read back, so that every kernel
// a test suite made on `ref` can be rendered and compiled for a GPU without one. Header-only and
// in the SDK because the plugin that writes the files and the tests of the plugins that read them
// must agree on one format, and no plugin links another's objects.
//
// File format (host byte order; the files never leave the machine that wrote them):
//   "TGKIR002", then uint64 fields ndim, n_nodes, n_views, n_params, name length, n_scalar_args,
//   then int64 shape[TG_KIR_MAX_DIMS], the name's bytes, the node, view and param arrays as their
//   FROZEN structs' bytes (tg/plugin.h), and the scalar_args as int32s (ABI 1.3: the CONSTs whose
//   values each launch gives, which GPU plugins turn into kernel arguments). "TGKIR001" files
//   (no n_scalar_args, no scalar_args) are still read. Linear masks are not kept: the ref device
//   does not declare TG_KIR_LINEAR_MASKS, so its programs have none (serialize_program refuses a
//   program with any rather than drop them).
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "tg/kir.hpp"  // linear_mask_count, scalar_arg_count
#include "tg/owned_program.hpp"

namespace tg::sdk {

// A program read from a file, with its own storage.
using LoadedProgram = OwnedProgram;

namespace kir_file_detail {

constexpr char kMagic[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '2'};
constexpr char kMagicV1[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '1'};  // before scalar_args

template <class T>
void put(std::string& out, const T* data, size_t n) {
  if (n) out.append(reinterpret_cast<const char*>(data), n * sizeof(T));
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

}  // namespace kir_file_detail

// Throws std::runtime_error for a program with linear masks, which the format does not keep.
inline std::string serialize_program(const tg_kir_program& p) {
  using kir_file_detail::put;
  const std::string name = p.name ? p.name : "";
  if (const uint32_t n = linear_mask_count(p))
    throw std::runtime_error("tg.kir files do not keep linear masks, and program '" + name + "' has " + std::to_string(n));
  const uint32_t n_scalar_args = scalar_arg_count(p);
  const uint64_t counts[6] = {p.ndim, p.n_nodes, p.n_views, p.n_params, name.size(), n_scalar_args};
  std::string out(kir_file_detail::kMagic, sizeof kir_file_detail::kMagic);
  put(out, counts, 6);
  put(out, p.shape, TG_KIR_MAX_DIMS);
  put(out, name.data(), name.size());
  put(out, p.nodes, p.n_nodes);
  put(out, p.views, p.n_views);
  put(out, p.params, p.n_params);
  put(out, p.scalar_args, n_scalar_args);
  return out;
}

// Throws std::runtime_error naming what is wrong with the bytes.
inline LoadedProgram parse_program(const std::string& bytes) {
  using kir_file_detail::kMagic;
  using kir_file_detail::kMagicV1;
  kir_file_detail::Reader in(bytes);
  char magic[sizeof kMagic];
  in.get(magic, sizeof magic, "the magic");
  const bool v1 = std::memcmp(magic, kMagicV1, sizeof kMagicV1) == 0;
  if (!v1 && std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw std::runtime_error("not a tg.kir file (bad magic)");
  uint64_t counts[6] = {};
  in.get(counts, v1 ? 5 : 6, "the header");
  if (counts[0] > TG_KIR_MAX_DIMS) throw std::runtime_error("tg.kir file has ndim " + std::to_string(counts[0]));
  for (int i : {1, 2, 3, 5})
    if (counts[i] > UINT32_MAX) throw std::runtime_error("tg.kir file has an array of " + std::to_string(counts[i]));
  int64_t shape[TG_KIR_MAX_DIMS];
  in.get(shape, TG_KIR_MAX_DIMS, "the shape");
  LoadedProgram p;
  p.shape.assign(shape, shape + counts[0]);
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

}  // namespace tg::sdk
