#pragma once
// The host's evaluation of a tg.kir program, written from tg/plugin.h's text and nothing of any
// plugin: every node is a function of the full index, a REDUCE folds over the reduced axes, a
// STORE writes at the output indices (reduced coordinates 0).
//
// Integers and bool are computed exactly (wrapping to their width). Floats are computed in long
// double together with a bound on how far a correct device may be from that value: each op adds
// what tg.kir allows it (ADD/MUL/CAST/constants: one rounding of the dtype; SQRT/RECIP: 3 ulp;
// EXP2/LOG2/SIN: 4 ulp, SIN also 4 ulp of 1), propagated through later ops by interval rules,
// and flushing a subnormal result to zero is allowed. A SUM over exact values that fit the
// accumulator's precision in any order is exact; otherwise it allows (n-1) roundings of the
// accumulator (float32 at least) over the sum of magnitudes. A value that a correct device may
// compute either way (a compare of two floats closer than their bounds, a float to int cast at an
// integer boundary, a result near the dtype's overflow) is marked unsure and not compared.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "program.hpp"

namespace tg::conformance {

struct Value {
  int64_t i = 0;        // bool and integer dtypes
  long double f = 0;    // float dtypes
  long double err = 0;  // floats: |device - f| a correct device stays within
  bool unsure = false;  // any result is acceptable (see above)
};

// What the program leaves in one written param: per element, whether a STORE wrote it and
// the value expected there.
struct ParamResult {
  std::vector<char> written;
  std::vector<Value> values;
};

// Evaluates `program` over `inputs` (bytes of each param; written params may be empty).
// Returns one ParamResult per param (empty for read params). Throws std::runtime_error if the
// program reaches outside a param (a bug in the case that built it).
std::vector<ParamResult> evaluate(const Program& program, const std::vector<std::vector<std::byte>>& inputs);

// Compares a device's bytes for written param `q` with the evaluation. `before` is what the
// buffer held before the launch: elements no STORE wrote must still hold it, bit for bit.
// Returns "" on a match, else a description of the first few mismatches.
std::string compare_param(const Program& program, size_t q, const ParamResult& want,
                          const std::vector<std::byte>& got, const std::vector<std::byte>& before);

// "1.5", "-3", "unsure" ... for messages.
std::string describe(uint32_t dtype, const Value& v);

}  // namespace tg::conformance
