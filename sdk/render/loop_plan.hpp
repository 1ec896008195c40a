#pragma once
// The loop nest a tg.kir program runs as, before any code is written: dims of size 1 dropped,
// adjacent dims that every view walks as one merged (so `x*2+1` on a contiguous (64,512,512)
// tensor is one loop of 16M elements, and sum(-1) of (4096,4096) is one row loop and one reduce
// loop). Used by the CPU loop strategy (cpu_loops.cpp); pure data, no strings.
#include <cstdint>
#include <vector>

#include "tg/kir.hpp"

namespace tg::render::detail {

// A linear mask (tg_kir_linear_mask) over the plan dims: begin <= sum_d coeffs[d] * i_d < end.
struct PlanLinear {
  std::vector<int64_t> coeffs;  // per plan dim
  int64_t begin = 0, end = 0;
};

struct PlanView {
  int64_t offset = 0;
  std::vector<PlanLinear> linear;
  std::vector<int64_t> strides;  // per plan dim
  std::vector<int64_t> begin, end;  // valid range per plan dim (begin 0, end size: no mask there)
  bool masked = false;           // some dim has a real mask
  bool never_valid = false;      // a dropped size-1 dim's mask excludes index 0: always 0
};

struct LoopPlan {
  std::vector<int64_t> size;     // per plan dim, outermost first
  std::vector<bool> reduced;     // per plan dim
  std::vector<PlanView> views;   // per program view, over the plan dims
  int64_t out_numel = 1;
  int64_t red_numel = 1;
};

// Builds the plan of a checked program (info from tg::sdk::check_program).
LoopPlan plan_loops(const tg_kir_program& p, const tg::sdk::ProgramInfo& info);

}  // namespace tg::render::detail
