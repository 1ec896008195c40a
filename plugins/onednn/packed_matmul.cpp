#include "packed_matmul.hpp"

#include <omp.h>

#include <algorithm>

namespace tg::onednn {

namespace {
// The element offset of batch entry `e` (row-major over c's batch dims) in operand `o`, whose
// batch dims are c's or 1 (broadcast).
int64_t batch_offset(const MatmulOperand& o, const MatmulOperand& c, int64_t e) {
  int64_t off = 0;
  for (size_t d = c.dims.size() - 2; d-- > 0;) {
    const int64_t i = e % c.dims[d];
    e /= c.dims[d];
    if (o.dims[d] != 1) off += i * o.strides[d];
  }
  return off;
}

int64_t rows(const MatmulOperand& o) { return o.dims[o.dims.size() - 2]; }
int64_t cols(const MatmulOperand& o) { return o.dims.back(); }
int64_t row_stride(const MatmulOperand& o) { return o.strides[o.strides.size() - 2]; }
int64_t col_stride(const MatmulOperand& o) { return o.strides.back(); }
}  // namespace

PackedMatmul::PackedMatmul(const MatmulMatch& match, GemmIsa isa, int threads)
    : Primitive(match.out), a_(match.a), b_(match.b), c_(match.c), k_split_(match.k_split),
      a_split_(match.a_split_stride), b_split_(match.b_split_stride), isa_(isa), threads_(std::max(threads, 1)) {
  for (size_t d = 0; d + 2 < c_.dims.size(); ++d) batch_ *= c_.dims[d];
  // One GEMM per thread when the batch has an entry for every thread and each GEMM is too small
  // to split well (under 64 AVX-512 tiles of output, 28672 elements).
  const int64_t m = rows(c_), n = cols(c_);
  if (batch_ >= threads_ && m * n < 64 * 14 * 32) batch_threads_ = threads_;
  impl_ = std::string("tg gemm:") + gemm_isa_name(isa_);
}

uint64_t PackedMatmul::scratch_bytes() const {
  const int64_t m = rows(c_), n = cols(c_), k = cols(a_);
  const uint64_t one = (gemm_scratch_bytes(isa_, m, n, k, batch_threads_ > 1 ? 1 : threads_) + 63) / 64 * 64;
  return one * static_cast<uint64_t>(batch_threads_);
}

void PackedMatmul::run(dnnl::stream&, const std::vector<std::byte*>& base, std::byte* temp, std::byte* scratch) {
  const auto* a = reinterpret_cast<const float*>(base[a_.param]) + a_.offset;
  const auto* b = reinterpret_cast<const float*>(base[b_.param]) + b_.offset;
  auto* c = reinterpret_cast<float*>(output(base, temp));
  const int64_t m = rows(c_), n = cols(c_), k = cols(a_);
  auto gemm = [&](int64_t e, int threads, std::byte* s) {
    GemmOperands g;
    g.m = m, g.n = n, g.k = k;
    g.a = a + batch_offset(a_, c_, e), g.a_rs = row_stride(a_), g.a_cs = col_stride(a_);
    g.b = b + batch_offset(b_, c_, e), g.b_rs = row_stride(b_), g.b_cs = col_stride(b_);
    g.c = c + batch_offset(c_, c_, e), g.c_rs = row_stride(c_), g.c_cs = col_stride(c_);
    for (int64_t part = 0; part < k_split_; ++part) {  // (a K split adds each part's product into C)
      sgemm(g, isa_, threads, s);
      g.a += a_split_, g.b += b_split_, g.accumulate = true;
    }
  };
  if (batch_threads_ == 1) {
    for (int64_t e = 0; e < batch_; ++e) gemm(e, threads_, scratch);
    return;
  }
  const uint64_t one = scratch_bytes() / static_cast<uint64_t>(batch_threads_);
#pragma omp parallel for schedule(static) num_threads(batch_threads_)
  for (int64_t e = 0; e < batch_; ++e) gemm(e, 1, scratch + one * static_cast<uint64_t>(omp_get_thread_num()));
}

}  // namespace tg::onednn
