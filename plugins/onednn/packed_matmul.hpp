#pragma once
// A matched matmul (matmul_match.hpp) on tg's own GEMM (gemm.hpp) instead of oneDNN's: the same
// strided operands, batch axes looped over (in parallel when there are enough of them), a K split
// (MatmulMatch::k_split) as products added into C one after another. oneDNN's matmul has no K
// split: a split match runs here on the CPU's widest microkernel, or not as a matmul at all.
#include "contraction.hpp"
#include "gemm.hpp"
#include "matmul_match.hpp"

namespace tg::onednn {

class PackedMatmul : public Primitive {
 public:
  PackedMatmul(const MatmulMatch& match, GemmIsa isa, int threads);
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) override;
  uint64_t scratch_bytes() const override;

 private:
  MatmulOperand a_, b_, c_;
  int64_t k_split_, a_split_, b_split_;
  GemmIsa isa_;
  int threads_;
  int64_t batch_ = 1;     // product of the batch dims
  int batch_threads_ = 1; // > 1: batch entries run side by side, one GEMM per thread
};

}  // namespace tg::onednn
