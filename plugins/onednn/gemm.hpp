#pragma once
// tg's own float32 GEMM for the CPU: C = A * B (or C += A * B) on strided operands, the way
// BLIS builds one -- A and B are packed into cache-sized panels and a register-blocked
// microkernel (AVX-512: 14 x 32, AVX2 + FMA: 6 x 16) does the multiply-adds. The onednn device
// runs its large matmuls on it where AVX2 is the CPU's widest (there it beats oneDNN 2.6's SGEMM
// and OpenBLAS's by a few percent at 1024^3), and every matmul with gemm=avx2|avx512. The
// plugin's README has the measurements.
//
// Any strides, including 0 (a broadcast) and transposed views: packing absorbs them, so the
// caller never copies an operand into a dense layout first.
#include <cstdint>

namespace tg::onednn {

struct GemmOperands {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;  // a[i * a_rs + p * a_cs], i < m, p < k
  int64_t a_rs = 0, a_cs = 0;
  const float* b = nullptr;  // b[p * b_rs + j * b_cs], p < k, j < n
  int64_t b_rs = 0, b_cs = 0;
  float* c = nullptr;  // c[i * c_rs + j * c_cs]
  int64_t c_rs = 0, c_cs = 0;
  bool accumulate = false;  // C += A * B instead of C = A * B
};

// The microkernels. `none`: this CPU has neither AVX-512 nor AVX2 + FMA.
enum class GemmIsa { none, avx2, avx512 };
GemmIsa gemm_best_isa();             // the widest this CPU (and its OS) runs, under ONEDNN_MAX_CPU_ISA
const char* gemm_isa_name(GemmIsa);  // "avx512", "avx2", "none"

// Bytes of scratch an m x n x k sgemm needs with `threads` threads.
uint64_t gemm_scratch_bytes(GemmIsa isa, int64_t m, int64_t n, int64_t k, int threads);

// C = A * B with up to `threads` threads (OpenMP), on `isa` (not `none`, and one the CPU runs).
// `scratch`: gemm_scratch_bytes(isa, g.m, g.n, g.k, threads) bytes, 64-byte aligned. C must not
// overlap A or B.
void sgemm(const GemmOperands& g, GemmIsa isa, int threads, void* scratch);

}  // namespace tg::onednn
