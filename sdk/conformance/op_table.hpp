#pragma once
// The elementwise ops of tg.kir 1.0 as data: which operand dtypes the conformance suite runs
// each on, and which inputs it gets. Random inputs stay clear of NaN and of results a correct
// device may round either way; the edges (INT_MIN / -1, saturating casts, NaN, signed zeros)
// are the rules/ section's (cases_rules.cpp).
#include <cstdint>
#include <vector>

#include "runner.hpp"

namespace tg::conformance {

struct OpInfo {
  uint32_t op;  // its name: op_str(op)
  int arity;                                      // 1, 2 or 3 (WHERE)
  bool (*accepts)(uint32_t dtype);                // operand dtype (WHERE: the value dtype)
  Domain (*domain)(uint32_t dtype, int operand);  // inputs for operand k
};

// Every elementwise op (not LOAD/CONST/STORE/REDUCE/CAST), in enum order.
const std::vector<OpInfo>& elementwise_ops();

// The result dtype of `op` on operands of `dtype`.
uint32_t result_dtype(uint32_t op, uint32_t dtype);

// Inputs for CAST from `from` to `to`: -1000..1000 (in the source's range), so casts to narrower
// integers saturate (from floats) or wrap (from integers).
Domain cast_domain(uint32_t from, uint32_t to);

// Inputs for REDUCE op over `count` elements of `dtype`: sums of 32-bit and wider integers
// cannot overflow, products stay near 1.
Domain reduce_domain(int32_t reduce_op, uint32_t dtype, int64_t count);

const char* op_str(uint32_t op);
const char* reduce_str(int32_t reduce_op);

}  // namespace tg::conformance
