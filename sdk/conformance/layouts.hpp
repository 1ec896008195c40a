#pragma once
// The view classes the op cases run every op and dtype through: how the operands are read and
// the result written over an iteration space.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "case.hpp"
#include "program.hpp"
#include "runner.hpp"

namespace tg::conformance {

struct Access {
  std::vector<int64_t> strides;
  int64_t offset = 0;
  int64_t numel = 0;
};

struct Layout {
  const char* name;
  Level level;
  std::vector<int64_t> shape;
  Access operands[3];  // operand k of an op (the same for each op)
  Access output;
  bool padded = false;  // operands are a masked LOAD plus a masked CONST (see layouts.cpp)
};

// contiguous, broadcast, transposed, strided, flipped, padded, size0, size1, scalar, large.
const std::vector<Layout>& layouts();

// Builds `out = op(operands...)` (or CAST, when op is TG_KIR_CAST: to `result`) on a layout,
// with random inputs from `domains` (one per operand). Fills `inputs` (one per param).
Program elementwise_program(const std::string& name, uint32_t op, const std::vector<uint32_t>& operand_dtypes,
                            uint32_t result, const std::vector<Domain>& domains, const Layout& layout,
                            std::mt19937_64& rng, std::vector<std::vector<std::byte>>& inputs);

}  // namespace tg::conformance
