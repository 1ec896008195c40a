#pragma once
// The tg.kir evaluator: a checked, planned copy of one program that runs on host memory.
//
// How it runs (see tg/plugin.h for what a program means). Outputs are taken in blocks of up to
// kLanes. For each block:
//   1. every REDUCE is computed for the block's outputs: the points (output, reduce index) are
//      walked in chunks of kLanes; each chunk evaluates, node by node, the nodes a REDUCE needs
//      (one column of values per node) and folds them into one accumulator per output. A REDUCE
//      whose input holds another REDUCE waits for it: REDUCEs run in phases by nesting depth.
//   2. the nodes the STOREs need are evaluated at the block's outputs (reduced coordinates 0),
//      REDUCE nodes reading their accumulators, and the STOREs write memory.
// Nothing is evaluated per element recursively, and every accumulation runs in index order, so
// results are deterministic.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tg/kir.hpp"

namespace tg::ref {

class Kernel {
 public:
  static constexpr size_t kLanes = 256;

  // Validates the program (tg::sdk::check_program; throws tg::sdk::Failure) and copies it.
  explicit Kernel(const tg_kir_program& program);

  // Runs the program. base[q] is the address of element 0 of param q; the caller guarantees
  // each holds the param's numel elements (the SDK helper checks it at launch).
  // scalars: the values of the program's scalar args (ABI 1.3), or nullptr when it has none.
  void run(const std::vector<std::byte*>& base, const tg_kir_scalar* scalars = nullptr) const;

  const std::vector<tg_kir_param>& params() const { return params_; }

 private:
  struct Phase {
    std::vector<uint32_t> nodes;    // evaluated per chunk, in order
    std::vector<uint32_t> reduces;  // REDUCE nodes folded at the end of each chunk
  };
  struct Scratch;

  Phase plan_phase(const std::vector<uint32_t>& roots, bool roots_are_reduces) const;
  void fill_full_coords(Scratch& s, int64_t block_first_output, int64_t first_point, size_t n) const;
  void fill_output_coords(Scratch& s, int64_t first_output, size_t n) const;
  void eval_nodes(Scratch& s, const std::vector<uint32_t>& nodes, size_t n) const;
  void load(Scratch& s, uint32_t i, size_t n) const;
  void constant(Scratch& s, uint32_t i, size_t n) const;
  void store(Scratch& s, uint32_t i, size_t n) const;
  void gather(Scratch& s, uint32_t i, size_t n) const;       // GATHER (ABI 1.4)
  int64_t indexed_element(const Scratch& s, uint32_t i, int index_src, size_t lane) const;
  void scatter_add(Scratch& s, uint32_t i, size_t n) const;  // SCATTER_ADD: lanes in order, no atomics needed
  bool in_mask(int32_t view, const Scratch& s, size_t lane) const;  // the view's box and linear masks
  int64_t element(const tg_kir_view& v, const Scratch& s, size_t lane) const;

  std::string name_;
  uint32_t ndim_ = 0;
  int64_t shape_[TG_KIR_MAX_DIMS] = {};
  std::vector<tg_kir_node> nodes_;
  std::vector<tg_kir_view> views_;
  std::vector<tg_kir_param> params_;
  tg::sdk::ProgramInfo info_;
  std::vector<uint32_t> out_axes_;  // axes not reduced, outermost first
  std::vector<uint32_t> red_axes_;  // reduced axes, outermost first
  int64_t red_numel_ = 1;           // points of the reduce space per output
  std::vector<Phase> reduce_phases_;
  Phase output_phase_;
};

}  // namespace tg::ref
