#pragma once
// One oneDNN matmul primitive for one matched program (matmul_match.hpp), run with strided
// memory descriptors straight on the launch's buffers: no copies, no transposes.
//
// A large unbatched matmul runs as one single-threaded primitive per thread, each on its own
// band of rows, instead of one primitive on every thread: oneDNN 2.6's SGEMM splits its
// threads' work less well than that (1024^3 on 2 threads 5% faster, 2048^3 2%; 512^3 3% slower,
// so smaller ones keep oneDNN's own threading).
#include <memory>

#include "contraction.hpp"
#include "matmul_match.hpp"

namespace tg::onednn {

class DnnlMatmul : public Primitive {
 public:
  // Throws tg::sdk::Failure(TG_ERR_UNSUPPORTED) when oneDNN has no implementation for it.
  DnnlMatmul(dnnl::engine& engine, const MatmulMatch& match, int threads);
  void run(dnnl::stream& stream, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) override;
  uint64_t scratch_bytes() const override { return scratch_bytes_; }

 private:
  // The rows [row0, row0 + rows) of the result, or all of it.
  struct Band {
    int64_t row0 = 0;
    dnnl::matmul prim;
    dnnl::memory a, b, c, scratch;  // scratch: the band's part of the device's scratch
    uint64_t scratch_offset = 0;
    std::unique_ptr<dnnl::stream> stream;  // a band's own, when bands run side by side
  };
  MatmulOperand a_op_, b_op_;
  int64_t a_row_stride_ = 0, c_row_stride_ = 0;
  std::vector<Band> bands_;
  uint64_t scratch_bytes_ = 0;
};

}  // namespace tg::onednn
