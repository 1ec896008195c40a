#pragma once
// KirProgram: a tg.kir program owned by the core (the ABI struct points into it).
#include <string>
#include <vector>

#include "graph/view.hpp"
#include "schedule/launch_values.hpp"
#include "tg/plugin.h"

namespace tg::detail {

struct KirProgram {
  std::string name;  // readable: "r_sum_16_8" style
  Dims shape;
  std::vector<tg_kir_node> nodes;
  std::vector<tg_kir_view> views;
  std::vector<tg_kir_param> params;
  std::vector<tg_kir_linear_mask> linear_masks;  // only for devices that declare TG_KIR_LINEAR_MASKS
  std::vector<int32_t> scalar_args;              // only for devices that declare TG_KIR_SCALAR_ARGS

  // What a launch binds besides buffers (not part of the program: they change between launches
  // of the same program). Per param: its start in its buffer, in elements, and that start as a
  // sum of the graph's launch values (replay.hpp) times coefficients. Per scalar arg: its value
  // and the launch value it is.
  std::vector<int64_t> param_offsets;
  std::vector<std::vector<OffsetTerm>> param_terms;
  std::vector<tg_kir_scalar> scalar_values;
  std::vector<uint32_t> scalar_vars;

  // The bytes that identify the program (the compile cache key) and their stable hash.
  const std::string& key() const;
  uint64_t hash() const;
  tg_kir_program abi() const;  // valid while this object lives and is unchanged
  std::string dump() const;    // one line per node, for TG_DEBUG=2

 private:
  mutable std::string key_;
};

}  // namespace tg::detail
