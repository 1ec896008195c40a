#pragma once
// tg.kir programs as files: the format the dumping build of the ref plugin writes with
// TG_KIR_DUMP=<dir> (tests/plugins/ref/kir_dump_plugin.cpp) and the HIP and CUDA compile tests
// read back, so that every kernel a test suite made on `ref` can be rendered and compiled for a
// GPU without one. Header-only and in the SDK because the plugin that writes the files and the
// tests of the plugins that read them must agree on one format, and no plugin links another's
// objects.
//
// File format (host byte order; the files never leave the machine that wrote them):
//   "TGKIR003", then uint64 fields ndim, n_nodes, n_views, n_params, name length, n_scalar_args,
//   n_linear_masks, then int64 shape[TG_KIR_MAX_DIMS], the name's bytes, the node, view and param
//   arrays as their FROZEN structs' bytes (tg/plugin.h), the scalar_args as int32s (ABI 1.3: the
//   CONSTs whose values each launch gives, which GPU plugins turn into kernel arguments), and the
//   linear masks as their FROZEN tg_kir_linear_mask structs' bytes (ABI 1.2: programs given to a
//   device that declares TG_KIR_LINEAR_MASKS, or built by hand, as the ref plugin's own tests do).
//   Older files are still read: "TGKIR002" (no n_linear_masks, no linear masks) and "TGKIR001"
//   (neither n_scalar_args nor n_linear_masks, and neither array).
// The reader trusts no count: each array's bytes must be in the file before it is allocated, so
// a hostile or truncated file gets a std::runtime_error, never an allocation larger than itself.
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

constexpr char kMagic[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '3'};
constexpr char kMagicV2[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '2'};  // before linear masks
constexpr char kMagicV1[8] = {'T', 'G', 'K', 'I', 'R', '0', '0', '1'};  // before scalar args too
constexpr int kCounts = 7;  // ndim, n_nodes, n_views, n_params, name length, n_scalar_args, n_linear_masks

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
    check(n, sizeof(T), what);
    if (n == 0) return;  // (data may be an empty vector's NULL, which memcpy may not take)
    std::memcpy(static_cast<void*>(data), bytes_.data() + at_, n * sizeof(T));
    at_ += n * sizeof(T);
  }
  // n elements into `out`, sized only once the file is known to hold them (a count in the
  // header cannot make the reader allocate more than the file's own size).
  template <class Container>
  void get_all(Container& out, uint64_t n, const char* what) {
    check(n, sizeof(typename Container::value_type), what);
    out.resize(static_cast<size_t>(n));
    get(out.data(), n, what);
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  void check(uint64_t n, size_t size, const char* what) const {
    if (n > (bytes_.size() - at_) / size)
      throw std::runtime_error(std::string("truncated tg.kir file: ") + what + " runs past its end");
  }
  const std::string& bytes_;
  size_t at_ = 0;
};

}  // namespace kir_file_detail

inline std::string serialize_program(const tg_kir_program& p) {
  using kir_file_detail::put;
  const std::string name = p.name ? p.name : "";
  const uint32_t n_scalar_args = scalar_arg_count(p);
  const uint32_t n_linear_masks = linear_mask_count(p);
  const uint64_t counts[kir_file_detail::kCounts] = {p.ndim, p.n_nodes, p.n_views, p.n_params,
                                                     name.size(), n_scalar_args, n_linear_masks};
  std::string out(kir_file_detail::kMagic, sizeof kir_file_detail::kMagic);
  put(out, counts, kir_file_detail::kCounts);
  put(out, p.shape, TG_KIR_MAX_DIMS);
  put(out, name.data(), name.size());
  put(out, p.nodes, p.n_nodes);
  put(out, p.views, p.n_views);
  put(out, p.params, p.n_params);
  put(out, p.scalar_args, n_scalar_args);
  put(out, p.linear_masks, n_linear_masks);
  return out;
}

// Throws std::runtime_error naming what is wrong with the bytes.
inline LoadedProgram parse_program(const std::string& bytes) {
  using namespace kir_file_detail;
  Reader in(bytes);
  char magic[sizeof kMagic];
  in.get(magic, sizeof magic, "the magic");
  int version = 0;
  if (std::memcmp(magic, kMagic, sizeof kMagic) == 0) version = 3;
  else if (std::memcmp(magic, kMagicV2, sizeof kMagicV2) == 0) version = 2;
  else if (std::memcmp(magic, kMagicV1, sizeof kMagicV1) == 0) version = 1;
  else throw std::runtime_error("not a tg.kir file (bad magic)");
  uint64_t counts[kCounts] = {};  // an older file's missing counts stay 0
  in.get(counts, static_cast<uint64_t>(kCounts - 3 + version), "the header");
  if (counts[0] > TG_KIR_MAX_DIMS) throw std::runtime_error("tg.kir file has ndim " + std::to_string(counts[0]));
  for (int i : {1, 2, 3, 5, 6})
    if (counts[i] > UINT32_MAX) throw std::runtime_error("tg.kir file has an array of " + std::to_string(counts[i]));
  int64_t shape[TG_KIR_MAX_DIMS];
  in.get(shape, TG_KIR_MAX_DIMS, "the shape");
  LoadedProgram p;
  p.shape.assign(shape, shape + counts[0]);
  in.get_all(p.name, counts[4], "the name");
  in.get_all(p.nodes, counts[1], "the nodes");
  in.get_all(p.views, counts[2], "the views");
  in.get_all(p.params, counts[3], "the params");
  in.get_all(p.scalar_args, counts[5], "the scalar args");
  in.get_all(p.linear_masks, counts[6], "the linear masks");
  if (!in.done()) throw std::runtime_error("tg.kir file has bytes after its last array");
  return p;
}

}  // namespace tg::sdk
