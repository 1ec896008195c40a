#pragma once
// tg's own kernel for a convolution-form program (conv_match.hpp) whose outputs are a few taps,
// each a long reduction: the weight gradient of a convolution with few input channels, such as
// the first layer of an image CNN (1 or 3 channels). oneDNN runs those as im2col + GEMM at 15-25
// GFLOP/s (its direct kernels want channels in blocks of 8, dnnl_conv.hpp); this one is C
// compiled at run time for the exact shape (jit_compiler.hpp):
//
//   per task (b, o, a block of tap rows, a slice of C):
//     for c, r:  for t in vectors of 8:  acc[p][q] += ker[o, c, r, t..] * win[b, c, p, q, r, t..]
//
// The 8-wide accumulators of the block's taps stay in registers; both operands are read along t
// (contiguous in both). Slices of C are summed afterwards in a fixed order, so a result never
// depends on the thread count's timing.
#include <string>

#include "contraction.hpp"
#include "conv_match.hpp"
#include "jit_compiler.hpp"

namespace tg::onednn {

class DirectConv : public Primitive {
 public:
  // Whether this kernel takes the match; if not, *why_not says why.
  static bool fits(const ConvMatch& m, std::string* why_not);
  // Compiles the kernel (or loads it from the disk cache). Throws tg::sdk::Failure
  // (TG_ERR_UNSUPPORTED) when the compiler fails.
  DirectConv(const ConvMatch& match, JitCompiler& jit, int threads);
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) override;

  // The C source for the match (exposed for tests and TG_PLUGIN_OPTIONS_ONEDNN=dump=1).
  static std::string render(const ConvMatch& m, int threads);

 private:
  ConvMatch m_;
  KernelFn fn_ = nullptr;
};

}  // namespace tg::onednn
