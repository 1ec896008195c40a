#pragma once
// Recognizes a strided batched matmul in a tg.kir program: REDUCE(SUM) over one axis K of
// MUL(LOAD a, LOAD b), both float32, unmasked, where every other axis is walked by a only (M),
// by b only (N), or by both or one as a batch axis. This is exactly what the core emits for
// a.matmul(b): reshape/permute/expand views of the operands over a (..., M, N, K) space.
//
// What follows the REDUCE (a STORE, or an elementwise epilogue such as + bias, relu) becomes a
// second program, the epilogue: the same nodes over the output space, with the REDUCE replaced
// by a LOAD of the matmul's result (an extra, last param). When the REDUCE goes straight to a
// STORE, oneDNN writes the output param directly and there is no epilogue.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tg/kir.hpp"

namespace tg::onednn {

// A tg.kir program that owns its arrays.
struct OwnedProgram {
  std::string name;
  tg_kir_program program{};  // points into the vectors below
  std::vector<tg_kir_node> nodes;
  std::vector<tg_kir_view> views;
  std::vector<tg_kir_param> params;
  void relink();             // points `program` at the vectors again (after a copy or edit)
};

struct MatmulOperand {
  uint32_t param = 0;
  int64_t offset = 0;                  // in elements
  std::vector<int64_t> dims, strides;  // oneDNN order: batch..., rows, cols
};

struct MatmulMatch {
  MatmulOperand a, b, c;  // c.param is the output param when direct, else unused
  bool direct = false;    // oneDNN writes the program's output param itself
  int64_t c_numel = 0;    // elements of the intermediate result when !direct
  std::optional<OwnedProgram> epilogue;
  std::string summary;    // "batch 1, 512x512x512, epilogue" for TG_PLUGIN_DEBUG
};

// The match, or nullopt with the reason in *why_not.
std::optional<MatmulMatch> match_matmul(const tg_kir_program& p, const tg::sdk::ProgramInfo& info,
                                        std::string* why_not);

}  // namespace tg::onednn
