#pragma once
// Recognizes a strided batched matmul in a tg.kir program: REDUCE(SUM) over one axis K of
// MUL(LOAD a, LOAD b), both float32, unmasked, where every other axis is walked by a only (M),
// by b only (N), or by both or one as a batch axis. This is exactly what the core emits for
// a.matmul(b): reshape/permute/expand views of the operands over a (..., M, N, K) space.
//
// A REDUCE over two axes is one too: a weight's gradient sums over the batch and the sequence.
// Where both operands walk the pair as one run (the outer stride is the inner's times its size)
// they are one K; else (a Linear on a permuted view, as attention's output projection) the
// outer one is a K split: C = sum over s of A_s * B_s, the products added into C one by one.
//
// What follows the REDUCE becomes the epilogue (contraction.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contraction.hpp"
#include "tg/kir.hpp"

namespace tg::onednn {

struct MatmulOperand {
  uint32_t param = 0;
  int64_t offset = 0;                  // in elements
  std::vector<int64_t> dims, strides;  // oneDNN order: batch..., rows, cols
};

struct MatmulMatch {
  MatmulOperand a, b, c;  // c: the result's layout (its param and offset are in `out`)
  ReduceOutput out;       // where the result goes, and the epilogue
  // The K split: C = sum over s < k_split of the product with a and b moved by s * their stride.
  int64_t k_split = 1, a_split_stride = 0, b_split_stride = 0;
  std::string summary;    // "batch 1, 512x512x512, epilogue" for TG_PLUGIN_DEBUG

  // The product's sizes: batch entries (the result's batch dims multiplied), and each entry's
  // M x N result over K.
  struct Sizes {
    int64_t batch, m, n, k;
    double flop() const { return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k); }
  };
  Sizes sizes() const {
    Sizes s{1, c.dims[c.dims.size() - 2], c.dims.back(), a.dims.back()};
    for (size_t d = 0; d + 2 < c.dims.size(); ++d) s.batch *= c.dims[d];
    return s;
  }
};

// The match, or nullopt with the reason in *why_not.
std::optional<MatmulMatch> match_matmul(const tg_kir_program& p, const tg::sdk::ProgramInfo& info,
                                        std::string* why_not);

}  // namespace tg::onednn
