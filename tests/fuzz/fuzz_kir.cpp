// libFuzzer target: the tg.kir verifier, tg::sdk::check_program (tg/kir.hpp), which every plugin
// runs on the programs it is handed before it compiles or interprets them.
// The bytes are decoded into a tg_kir_program (the layout is below; make_corpus.py writes valid
// programs in it). check_program must either throw tg::sdk::Failure with INVALID_ARGUMENT or
// UNSUPPORTED and a message, or accept. What it accepts is then held to its promise ("every LOAD
// and STORE touches only elements inside [0, numel) of its param, so an evaluator can index
// memory without further checks"): the reference interpreter (sdk/interpreter), which indexes memory
// unchecked, runs it on buffers of exactly numel elements each under ASan and UBSan; and the
// kernel renderer (tg::render, the GPU plugins' front end) renders it for each dialect.
//
// Layout (little-endian; a read past the end gives 0):
//   u8 flags      bit 0: the plugin reads linear masks; bit 1: name is NULL
//   u8 ndim       (not limited here: more than TG_KIR_MAX_DIMS must be refused)
//   sv shape[min(ndim, 8)]
//   u8 n_params, then per param:  u8 dtype, u8 access, sv numel
//   u8 n_views,  then per view:   sv offset, sv strides[min(ndim, 8)], u8 has_mask,
//                                 and if has_mask: sv mask_begin[..], sv mask_end[..]
//   u8 n_nodes,  then per node:   u8 op, u8 dtype, sv src[3], sv param, sv view, sv reduce_op,
//                                 sv ivalue, f64 fvalue
//   u8 n_linear, then per mask:   sv view, u8 reserved, sv begin, sv end, sv coeffs[min(ndim, 8)]
// sv is a zigzag LEB128 signed integer (0 -> 0, -1 -> 1, 1 -> 2, ...; up to 10 bytes).
// With TG_FUZZ_VERBOSE set it prints why each program is refused (to check a seed by hand:
// TG_FUZZ_VERBOSE=1 fuzz_kir SEED).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "interpreter.hpp"
#include "program.hpp"
#include "tg/kir.hpp"
#include "tg/render.hpp"

namespace {

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  int64_t sv() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  double f64() {
    uint8_t b[8] = {};
    for (uint8_t& x : b) x = u8();
    double d;
    std::memcpy(&d, b, sizeof d);
    return d;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

bool verbose() {
  static const bool on = std::getenv("TG_FUZZ_VERBOSE") != nullptr;
  return on;
}

// Programs the interpreter is run on: small enough that one input takes milliseconds.
constexpr int64_t kMaxRunNumel = 4096;          // points of the iteration space
constexpr int64_t kMaxRunParamBytes = 1 << 20;  // bytes of one param's buffer

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_kir: %s\n", what.c_str());
  std::abort();
}

// The reference interpreter on buffers of exactly each param's numel elements (ASan catches a
// single element past either end). Skipped for programs too large to run in milliseconds.
void run_reference(const tg_kir_program& p, const tg::sdk::ProgramInfo& info) {
  if (info.numel > kMaxRunNumel) return;
  for (uint32_t q = 0; q < p.n_params; ++q)
    if (p.params[q].numel > kMaxRunParamBytes / 8) return;
  const tg::ref::Kernel kernel(p);  // checks again, with linear masks allowed
  std::vector<std::vector<std::byte>> buffers(p.n_params);
  std::vector<std::byte*> base(p.n_params);
  for (uint32_t q = 0; q < p.n_params; ++q) {
    const size_t bytes = static_cast<size_t>(p.params[q].numel) * tg::sdk::dtype_size(p.params[q].dtype);
    buffers[q].resize(bytes);
    for (size_t b = 0; b < bytes; ++b) buffers[q][b] = static_cast<std::byte>(b * 37 + q * 11);
    base[q] = buffers[q].data();
  }
  kernel.run(base);
}

void render_everywhere(const tg_kir_program& p) {
  const tg::render::Dialect* dialects[] = {&tg::render::opencl_dialect(), &tg::render::hip_dialect(),
                                           &tg::render::cuda_dialect()};
  for (const tg::render::Dialect* d : dialects) {
    tg::render::Target target;
    target.dialect = d;
    target.fp64 = true;
    target.two_pass = d != &tg::render::cuda_dialect();
    try {
      const tg::render::Kernel k = tg::render::render(p, target);
      if (k.source.empty() || k.entry.empty()) finding("render returned an empty kernel");
    } catch (const tg::sdk::Failure& f) {
      if (f.code() != TG_ERR_UNSUPPORTED) finding("render refused a program check_program accepts: " + std::string(f.what()));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  const uint8_t flags = in.u8();
  const bool reads_linear = flags & 1;
  tg::conformance::Program prog;
  prog.name = "fuzz";
  const uint32_t ndim = in.u8();
  const uint32_t dims = ndim < TG_KIR_MAX_DIMS ? ndim : TG_KIR_MAX_DIMS;
  prog.shape.resize(ndim);
  for (uint32_t d = 0; d < dims; ++d) prog.shape[d] = in.sv();

  for (uint8_t q = 0, n = in.u8(); q < n; ++q) {
    tg_kir_param param{};
    param.dtype = in.u8();
    param.access = in.u8();
    param.numel = in.sv();
    prog.params.push_back(param);
  }
  for (uint8_t q = 0, n = in.u8(); q < n; ++q) {
    tg_kir_view v;
    std::memset(&v, 0, sizeof v);
    v.offset = in.sv();
    for (uint32_t d = 0; d < dims; ++d) v.strides[d] = in.sv();
    v.has_mask = in.u8();
    if (v.has_mask) {
      for (uint32_t d = 0; d < dims; ++d) v.mask_begin[d] = in.sv();
      for (uint32_t d = 0; d < dims; ++d) v.mask_end[d] = in.sv();
    }
    prog.views.push_back(v);
  }
  for (uint8_t q = 0, n = in.u8(); q < n; ++q) {
    tg_kir_node node;
    std::memset(&node, 0, sizeof node);
    node.op = in.u8();
    node.dtype = in.u8();
    for (int32_t& s : node.src) s = static_cast<int32_t>(in.sv());
    node.param = static_cast<int32_t>(in.sv());
    node.view = static_cast<int32_t>(in.sv());
    node.reduce_op = static_cast<int32_t>(in.sv());
    node.ivalue = in.sv();
    node.fvalue = in.f64();
    prog.nodes.push_back(node);
  }
  for (uint8_t q = 0, n = in.u8(); q < n; ++q) {
    tg_kir_linear_mask m;
    std::memset(&m, 0, sizeof m);
    m.view = static_cast<int32_t>(in.sv());
    m.reserved = in.u8();
    m.begin = in.sv();
    m.end = in.sv();
    for (uint32_t d = 0; d < dims; ++d) m.coeffs[d] = in.sv();
    prog.linear_masks.push_back(m);
  }

  tg_kir_program p = prog.abi();
  p.ndim = ndim;  // get() stops at TG_KIR_MAX_DIMS; the verifier must see the claim
  if (flags & 2) p.name = nullptr;
  tg::sdk::ProgramInfo info;
  try {
    info = tg::sdk::check_program(p, reads_linear);
  } catch (const tg::sdk::Failure& f) {
    if (f.code() != TG_ERR_INVALID_ARGUMENT && f.code() != TG_ERR_UNSUPPORTED)
      finding("check_program failed with code " + std::to_string(f.code()) + ": " + f.what());
    if (std::strlen(f.what()) == 0) finding("check_program failed without a message");
    if (verbose()) std::fprintf(stderr, "refused: %s\n", f.what());
    return 0;
  }
  if (info.space.size() != p.n_nodes) finding("check_program's space has the wrong size");
  try {
    run_reference(p, info);
  } catch (const tg::sdk::Failure& f) {
    finding("the reference interpreter refused a program check_program accepts: " + std::string(f.what()));
  }
  if (p.n_linear_masks == 0) render_everywhere(p);
  if (verbose()) std::fprintf(stderr, "accepted: %u nodes over %lld points\n", p.n_nodes, static_cast<long long>(info.numel));
  return 0;
}
