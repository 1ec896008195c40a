#pragma once
// KirProgram: a tg.kir program owned by the core (the SDK's OwnedProgram: the ABI struct points
// into it), with what a launch of it binds.
#include <string>
#include <vector>

#include "schedule/launch_values.hpp"
#include "tg/owned_program.hpp"

namespace tg::detail {

// name is readable: "r_sum_16_8" style.
struct KirProgram : tg::sdk::OwnedProgram {
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
  std::string dump() const;  // one line per node, for TG_DEBUG=2

 private:
  mutable std::string key_;
};

}  // namespace tg::detail
