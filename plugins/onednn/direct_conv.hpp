#pragma once
// tg's own kernels for the convolution-form programs (conv_match.hpp) of a convolution with
// few input channels, such as the first layer of an image CNN (1 or 3 channels), which oneDNN
// runs as im2col + GEMM at 15-40 GFLOP/s (its direct kernels want channels in blocks of 8,
// dnnl_conv.hpp). Each is C compiled at run time for the exact shape (jit_compiler.hpp):
//
//   few taps (a weight gradient: each output a long reduction), per task (b, o, a block of tap
//   rows, a slice of C):
//     for c, r:  for t in vectors of 8:  acc[p][q] += ker[o, c, r, t..] * win[b, c, p, q, r, t..]
//   The 8-wide accumulators of the block's taps stay in registers; both operands are read
//   along t. Slices of C are summed afterwards in a fixed order.
//
//   few input channels (a forward pass: each output a short reduction), per task a row (b, p):
//     for q in vectors of 8:  x[c][r][t] = win[b, c, p, q.., r, t] for every tap, then
//                             for o:  out[b, o, p, q..] = sum over taps of ker[o, c, r, t] * x[c][r][t]
//   The window is read once per row and reused by every output channel.
#include <string>

#include "contraction.hpp"
#include "conv_match.hpp"
#include "jit_compiler.hpp"

namespace tg::onednn {

class DirectConv : public Primitive {
 public:
  enum class Form { none, few_taps, few_channels };
  // Which kernel takes the match (its shape decides; which convolutions should use one is the
  // caller's choice); none with the reason in *why_not.
  static Form form(const ConvMatch& m, std::string* why_not);
  static bool fits(const ConvMatch& m, std::string* why_not) { return form(m, why_not) != Form::none; }
  // Compiles the kernel (or loads it from the disk cache). Throws tg::sdk::Failure
  // (TG_ERR_UNSUPPORTED) when the compiler fails.
  DirectConv(const ConvMatch& match, JitCompiler& jit, int threads);
  ~DirectConv() override { jit_.release(so_); }
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) override;

  // The C source for the match (exposed for tests and TG_PLUGIN_OPTIONS_ONEDNN=dump=1).
  static std::string render(const ConvMatch& m, int threads);

 private:
  ConvMatch m_;
  KernelFn fn_ = nullptr;
  JitCompiler& jit_;
  std::string so_;  // the loaded object fn_ is in
};

}  // namespace tg::onednn
