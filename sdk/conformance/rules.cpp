#include "rules.hpp"

#include "conformance.hpp"

#include <stdexcept>

namespace tg::conformance {

const std::vector<Rule>& rules() {
  static const std::vector<Rule> all = {
      {"cast-float-to-int",
       "CAST float -> integer truncates toward zero and saturates: below the dtype's range gives "
       "its minimum, above gives its maximum, NaN gives 0 (300.0 -> int8 127, -1.0 -> uint8 0, "
       "+inf -> INT_MAX, -inf -> INT_MIN)."},
      {"cast-int-to-int",
       "CAST integer -> integer wraps: the value's two's complement bits cut to the new width "
       "(int32 300 -> int8 44, int8 -1 -> uint8 255, uint8 255 -> int8 -1); bool -> integer is 0 "
       "or 1."},
      {"cast-to-bool",
       "CAST to bool is x != 0: NaN -> 1, -0.0 -> 0, int16 256 -> 1."},
      {"cast-to-float",
       "CAST to a float dtype rounds once, to nearest (ties to even), from the exact source value "
       "-- never through a narrower or an intermediate type that rounds first (int64 2^60+2^52+1 "
       "-> bfloat16 0x5d81, not 0x5d80; float64 -> float16/bfloat16 directly). Too large gives "
       "+-inf; NaN stays NaN; the sign of zero is kept."},
      {"int-wraps",
       "ADD, MUL and NEG on integers wrap at the dtype's width (two's complement): int8 127 + 1 = "
       "-128, uint8 NEG(1) = 255, NEG(INT_MIN) = INT_MIN; REDUCE SUM and PROD of integers wrap "
       "the same way."},
      {"idiv-mod",
       "IDIV truncates toward zero and MOD takes the sign of a; b == 0 gives 0 for both; "
       "IDIV(INT_MIN, -1) = INT_MIN (it wraps, never traps) and MOD(INT_MIN, -1) = 0."},
      {"bool-arith",
       "On bool: ADD is OR, MUL is AND, MAX is OR, NEG is the identity; REDUCE SUM and MAX are "
       "\"any\", PROD is \"all\". Results are 0 or 1."},
      {"max-nan-ties",
       "MAX on floats: a NaN operand gives NaN; of two operands that compare equal the first wins "
       "(MAX(-0.0, +0.0) = -0.0, MAX(+0.0, -0.0) = +0.0). REDUCE MAX: NaN if any value is NaN; "
       "otherwise the largest value (of zeros of both signs, either)."},
      {"signed-zero",
       "Float results carry IEEE 754's sign of zero: NEG(+0) = -0, MUL(-1, 0) = -0, ADD(-0, -0) = "
       "-0, ADD(-0, +0) = +0, TRUNC(-0.5) = -0."},
      {"narrow-per-op",
       "float16/bfloat16 nodes compute in float32 (or wider) and round to the node's dtype after "
       "every node, not once at the end: in float16, ADD(ADD(2048, 1), 1) = 2048 (2050 would be "
       "float32 carried across nodes)."},
      {"reduce-accumulator",
       "REDUCE SUM and PROD of float16/bfloat16/float32 accumulate in float32 or wider (float64 "
       "in float64) and round to the node's dtype once at the end (float16 PROD of 256, 256, "
       "2^-8, 2^-8 is 1, not inf); MAX is exact."},
      {"store-duplicates",
       "an element that several stored values hit holds one of them, whole (STORE, above)."},
      {"sort-order",
       "sort_rows (since 1.5) orders a row's keys by value, ascending (or, with "
       "TG_SORT_DESCENDING, descending); NaN is larger than every number (last ascending, first "
       "descending) and all NaNs are equal; -0.0 equals +0.0; equal keys keep their order in the "
       "row (stable, in both directions); bool keys: false < true. Exact: one right answer per row."},
      {"launch-offsets",
       "tg_launch_args.offsets[k] is a multiple of param k's element size and nothing more "
       "(buffers start 64-byte aligned, so elements are naturally aligned); a device handles "
       "every such offset."},
  };
  return all;
}

const Rule& rule(const std::string& id) {
  for (const Rule& r : rules())
    if (id == r.id) return r;
  throw std::logic_error("conformance bug: no rule named " + id);
}

std::string rules_text() {
  std::string out;
  for (const Rule& r : rules()) out += std::string(r.id) + ": " + r.text + "\n";
  return out;
}

}  // namespace tg::conformance
