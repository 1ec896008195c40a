#pragma once
// One oneDNN matmul primitive for one matched program (matmul_match.hpp), run with strided
// memory descriptors straight on the launch's buffers: no copies, no transposes.
#include "contraction.hpp"
#include "matmul_match.hpp"

namespace tg::onednn {

class DnnlMatmul : public Primitive {
 public:
  // Throws tg::sdk::Failure(TG_ERR_UNSUPPORTED) when oneDNN has no implementation for it.
  DnnlMatmul(dnnl::engine& engine, const MatmulMatch& match);
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) override;

 private:
  MatmulOperand a_op_, b_op_;
  dnnl::matmul prim_;
  dnnl::memory a_, b_, c_;
};

}  // namespace tg::onednn
