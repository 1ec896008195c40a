#pragma once
// How the reference interpreter holds values of every dtype, and moves them to and from memory.
//
// A node's values for a chunk of lanes are a Column. Two representations cover the ten dtypes:
//   - bool and integers: uint64_t in canonical form: the value truncated to its width, then
//     sign-extended (signed types) or zero-extended (uint8, bool is 0 or 1). Reading the bits as
//     int64_t gives the value, for every integer dtype tg.kir has (there is no uint64).
//     Arithmetic runs on uint64_t (wraparound, no signed overflow) and is canonicalized after.
//   - floats: double holding a value exactly representable in the dtype (float16, bfloat16 and
//     float32 values are all exact doubles). Ops compute in float for float16/bfloat16/float32
//     and in double for float64, and round to the dtype after every op.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "tg/half.h"
#include "tg/kir.hpp"

namespace tg::ref {

struct Column {
  std::vector<uint64_t> u;  // bool and integer dtypes
  std::vector<double> f;    // float dtypes
};

inline bool is_float(uint32_t dtype) { return tg::sdk::is_float_dtype(dtype); }

inline int64_t as_signed(uint64_t bits) {
  int64_t v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}
inline uint64_t as_bits(int64_t v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

// Bits of an integer dtype (8 for bool: it is stored in a byte).
inline unsigned int_bits(uint32_t dtype) { return static_cast<unsigned>(tg::sdk::dtype_size(dtype) * 8); }

// Truncates x to the dtype's width and extends it back: the canonical form.
inline uint64_t wrap(uint32_t dtype, uint64_t x) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return x != 0;
    case TG_DTYPE_UINT8: return x & 0xffu;
    case TG_DTYPE_INT8: return as_bits(static_cast<int8_t>(static_cast<uint8_t>(x & 0xffu)));
    case TG_DTYPE_INT16: return as_bits(static_cast<int16_t>(static_cast<uint16_t>(x & 0xffffu)));
    case TG_DTYPE_INT32: return as_bits(static_cast<int32_t>(static_cast<uint32_t>(x & 0xffffffffu)));
    default: return x;  // int64
  }
}

// Rounds a double to the nearest value of a float dtype (ties to even).
inline double round_to(uint32_t dtype, double x) {
  switch (dtype) {
    case TG_DTYPE_FLOAT16: return tg_half_to_float(tg_double_to_half(x));
    case TG_DTYPE_BFLOAT16: return tg_bfloat16_to_float(tg_double_to_bfloat16(x));
    case TG_DTYPE_FLOAT32: return static_cast<float>(x);
    default: return x;  // float64
  }
}

// The smallest and largest value of an integer or bool dtype.
inline int64_t int_min(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_BOOL: case TG_DTYPE_UINT8: return 0;
    case TG_DTYPE_INT8: return std::numeric_limits<int8_t>::min();
    case TG_DTYPE_INT16: return std::numeric_limits<int16_t>::min();
    case TG_DTYPE_INT32: return std::numeric_limits<int32_t>::min();
    default: return std::numeric_limits<int64_t>::min();
  }
}
inline int64_t int_max(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return 1;
    case TG_DTYPE_UINT8: return 255;
    case TG_DTYPE_INT8: return std::numeric_limits<int8_t>::max();
    case TG_DTYPE_INT16: return std::numeric_limits<int16_t>::max();
    case TG_DTYPE_INT32: return std::numeric_limits<int32_t>::max();
    default: return std::numeric_limits<int64_t>::max();
  }
}

// float -> integer: truncation toward zero; NaN gives 0; values outside the dtype's range
// saturate to its smallest or largest value (as the core's host conversions do). -> bool: != 0.
inline uint64_t float_to_int(uint32_t dtype, double x) {
  if (dtype == TG_DTYPE_BOOL) return x != 0.0;
  if (std::isnan(x)) return 0;
  const double lo = static_cast<double>(int_min(dtype)), hi = static_cast<double>(int_max(dtype));
  if (x <= lo) return as_bits(int_min(dtype));
  if (x >= hi) return as_bits(int_max(dtype));  // (double)INT64_MAX is 2^63: handled here
  return wrap(dtype, as_bits(static_cast<int64_t>(std::trunc(x))));
}

// integer (canonical) -> float dtype: one rounding from the exact integer (plugin.h's
// cast-to-float rule; through float, int64 2^60 + 2^52 + 1 would round twice to bfloat16 2^60).
inline double int_to_float(uint32_t dtype, uint64_t bits) {
  const int64_t v = as_signed(bits);
  switch (dtype) {
    case TG_DTYPE_FLOAT16: return tg_half_to_float(tg_int64_to_half(v));
    case TG_DTYPE_BFLOAT16: return tg_bfloat16_to_float(tg_int64_to_bfloat16(v));
    case TG_DTYPE_FLOAT32: return static_cast<float>(v);
    default: return static_cast<double>(v);
  }
}

// One element of memory -> canonical value. bool bytes other than 0 read as true.
inline uint64_t read_int(uint32_t dtype, const std::byte* p) {
  switch (dtype) {
    case TG_DTYPE_BOOL: return std::to_integer<uint8_t>(*p) != 0;
    case TG_DTYPE_UINT8: return std::to_integer<uint8_t>(*p);
    case TG_DTYPE_INT8: { int8_t v; std::memcpy(&v, p, 1); return as_bits(v); }
    case TG_DTYPE_INT16: { int16_t v; std::memcpy(&v, p, 2); return as_bits(v); }
    case TG_DTYPE_INT32: { int32_t v; std::memcpy(&v, p, 4); return as_bits(v); }
    default: { int64_t v; std::memcpy(&v, p, 8); return as_bits(v); }
  }
}
inline double read_float(uint32_t dtype, const std::byte* p) {
  switch (dtype) {
    case TG_DTYPE_FLOAT16: { uint16_t v; std::memcpy(&v, p, 2); return tg_half_to_float(v); }
    case TG_DTYPE_BFLOAT16: { uint16_t v; std::memcpy(&v, p, 2); return tg_bfloat16_to_float(v); }
    case TG_DTYPE_FLOAT32: { float v; std::memcpy(&v, p, 4); return v; }
    default: { double v; std::memcpy(&v, p, 8); return v; }
  }
}

// Canonical value -> one element of memory (its low bytes, in the host's byte order).
inline void write_int(uint32_t dtype, std::byte* p, uint64_t v) {
  switch (tg::sdk::dtype_size(dtype)) {
    case 1: { uint8_t b = static_cast<uint8_t>(v); std::memcpy(p, &b, 1); return; }
    case 2: { uint16_t b = static_cast<uint16_t>(v); std::memcpy(p, &b, 2); return; }
    case 4: { uint32_t b = static_cast<uint32_t>(v); std::memcpy(p, &b, 4); return; }
    default: std::memcpy(p, &v, 8); return;
  }
}
inline void write_float(uint32_t dtype, std::byte* p, double v) {
  switch (dtype) {
    case TG_DTYPE_FLOAT16: { uint16_t b = tg_double_to_half(v); std::memcpy(p, &b, 2); return; }
    case TG_DTYPE_BFLOAT16: { uint16_t b = tg_double_to_bfloat16(v); std::memcpy(p, &b, 2); return; }
    case TG_DTYPE_FLOAT32: { float b = static_cast<float>(v); std::memcpy(p, &b, 4); return; }
    default: std::memcpy(p, &v, 8); return;
  }
}

}  // namespace tg::ref
