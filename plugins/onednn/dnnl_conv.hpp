#pragma once
// One oneDNN convolution primitive for one matched program (conv_match.hpp): a forward
// convolution, a weight gradient or an input gradient, run on the launch's buffers.
//
// Layouts (measured here, plugins/onednn/README.md): with plain NCHW tensors oneDNN runs its
// im2col + GEMM convolution; its direct AVX2 kernels want channels in blocks of 8 (nChw8c) and
// are ~1.3-1.7x faster when both channel counts fill a block, even with the reorders in and
// out, so those convolutions use them ("blocked"). oneDNN's fast implementations take dense
// layouts only; an operand in another layout (a flipped or permuted view, rows left out) goes
// through a dense copy.
#include <vector>

#include "contraction.hpp"
#include "conv_match.hpp"

namespace tg::onednn {

class DnnlConv : public Primitive {
 public:
  // Throws tg::sdk::Failure(TG_ERR_UNSUPPORTED) when oneDNN has no implementation for it, or only
  // its reference one (a generic kernel is faster).
  DnnlConv(dnnl::engine& engine, const ConvMatch& match);
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) override;
  uint64_t scratch_bytes() const override { return scratch_bytes_; }
  // Whether both channel counts fill an 8-wide block, so that oneDNN's direct kernels run it on
  // channel-blocked layouts (else its im2col + GEMM runs, on NCHW).
  static bool blocked(const ConvMatch& m);

  // One tensor of the primitive: its 4 dims in the order oneDNN wants and its strides in the
  // program's memory (`user`), the dense copy it goes through when oneDNN cannot read that
  // layout, and the primitive's own layout with the reorder to or from it when that differs.
  struct Operand {
    int arg = 0;  // DNNL_ARG_*
    bool input = true;
    int64_t dims[4] = {}, strides[4] = {};
    bool copy = false;
    std::vector<float> dense;
    dnnl::memory user, inner;
    dnnl::reorder reorder;
    bool reordered = false;
    uint64_t scratch_offset = 0;  // of `inner`
  };

 private:
  bool build(dnnl::engine& engine, bool all_dense, bool blocked);
  ConvMatch m_;
  Operand win_, ker_, out_op_;
  dnnl::primitive prim_;
  int64_t win_offset_ = 0;  // element 0 of the window's tensor (after the rows it is padded by in place)
  dnnl::memory::dims pad_l_, pad_r_;  // the padding the primitive adds before and after H, W
  int64_t ker_offset_ = 0;  // element 0 of the kernel as oneDNN reads it (an input gradient's is flipped back)
  uint64_t scratch_bytes_ = 0;
};

}  // namespace tg::onednn
