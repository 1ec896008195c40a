#include "values.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "tg/half.h"

namespace tg::conformance {

const char* dtype_str(uint32_t d) {
  const char* name = tg::sdk::dtype_name(d);
  return name ? name : "dtype?";
}

int64_t int_min(uint32_t d) {
  switch (d) {
    case TG_DTYPE_INT8: return INT8_MIN;
    case TG_DTYPE_INT16: return INT16_MIN;
    case TG_DTYPE_INT32: return INT32_MIN;
    case TG_DTYPE_INT64: return INT64_MIN;
  }
  return 0;  // bool, uint8
}
int64_t int_max(uint32_t d) {
  switch (d) {
    case TG_DTYPE_BOOL: return 1;
    case TG_DTYPE_INT8: return INT8_MAX;
    case TG_DTYPE_UINT8: return UINT8_MAX;
    case TG_DTYPE_INT16: return INT16_MAX;
    case TG_DTYPE_INT32: return INT32_MAX;
  }
  return INT64_MAX;
}

int64_t wrap_int(uint32_t d, int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  switch (d) {
    case TG_DTYPE_BOOL: return v != 0;
    case TG_DTYPE_UINT8: return static_cast<int64_t>(u & 0xffu);
    case TG_DTYPE_INT8: return static_cast<int8_t>(static_cast<uint8_t>(u & 0xffu));
    case TG_DTYPE_INT16: return static_cast<int16_t>(static_cast<uint16_t>(u & 0xffffu));
    case TG_DTYPE_INT32: return static_cast<int32_t>(static_cast<uint32_t>(u & 0xffffffffu));
  }
  return v;
}

long double unit_roundoff(uint32_t d) {
  switch (d) {
    case TG_DTYPE_FLOAT16: return std::ldexp(1.0L, -11);
    case TG_DTYPE_BFLOAT16: return std::ldexp(1.0L, -8);
    case TG_DTYPE_FLOAT32: return std::ldexp(1.0L, -24);
  }
  return std::ldexp(1.0L, -53);
}
long double smallest_normal(uint32_t d) {
  switch (d) {
    case TG_DTYPE_FLOAT16: return std::ldexp(1.0L, -14);
    case TG_DTYPE_BFLOAT16: case TG_DTYPE_FLOAT32: return std::ldexp(1.0L, -126);
  }
  return std::ldexp(1.0L, -1022);
}
long double largest_finite(uint32_t d) {
  switch (d) {
    case TG_DTYPE_FLOAT16: return 65504.0L;
    case TG_DTYPE_BFLOAT16: return static_cast<long double>(tg_bfloat16_to_float(0x7f7f));
    case TG_DTYPE_FLOAT32: return std::numeric_limits<float>::max();
  }
  return std::numeric_limits<double>::max();
}

// v as a double by round-to-odd: v itself when a double holds it, else of the two doubles around
// v the one whose last mantissa bit is 1. Rounding that to float16/bfloat16 (at most 51 bits)
// gives exactly what rounding v would; a plain (double)v would round twice (int64 2^60 + 2^52 +
// 1 to bfloat16: 0x5d80 instead of 0x5d81).
double to_double_odd(long double v) {
  const double d = static_cast<double>(v);
  if (std::isnan(v) || std::isinf(d) || static_cast<long double>(d) == v) return d;
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  if (bits & 1u) return d;
  return static_cast<long double>(d) < v ? std::nextafter(d, HUGE_VAL) : std::nextafter(d, -HUGE_VAL);
}

// One rounding from the exact value (long double holds every input and every int64 exactly).
long double round_to(uint32_t d, long double v) {
  switch (d) {
    case TG_DTYPE_FLOAT16: return tg_half_to_float(tg_double_to_half(to_double_odd(v)));
    case TG_DTYPE_BFLOAT16: return tg_bfloat16_to_float(tg_double_to_bfloat16(to_double_odd(v)));
    case TG_DTYPE_FLOAT32: return static_cast<float>(v);
  }
  return static_cast<double>(v);
}

void encode_int(uint32_t d, int64_t v, std::byte* p) {
  switch (dtype_bytes(d)) {
    case 1: { uint8_t b = static_cast<uint8_t>(v); std::memcpy(p, &b, 1); return; }
    case 2: { uint16_t b = static_cast<uint16_t>(v); std::memcpy(p, &b, 2); return; }
    case 4: { uint32_t b = static_cast<uint32_t>(v); std::memcpy(p, &b, 4); return; }
  }
  std::memcpy(p, &v, 8);
}

void encode_float(uint32_t d, long double v, std::byte* p) {
  switch (d) {
    case TG_DTYPE_FLOAT16: { uint16_t b = tg_double_to_half(to_double_odd(v)); std::memcpy(p, &b, 2); return; }
    case TG_DTYPE_BFLOAT16: { uint16_t b = tg_double_to_bfloat16(to_double_odd(v)); std::memcpy(p, &b, 2); return; }
    case TG_DTYPE_FLOAT32: { float b = static_cast<float>(v); std::memcpy(p, &b, 4); return; }
  }
  double b = static_cast<double>(v);
  std::memcpy(p, &b, 8);
}

int64_t decode_int(uint32_t d, const std::byte* p) {
  switch (d) {
    case TG_DTYPE_BOOL: return std::to_integer<uint8_t>(*p) != 0;
    case TG_DTYPE_UINT8: return std::to_integer<uint8_t>(*p);
    case TG_DTYPE_INT8: { int8_t v; std::memcpy(&v, p, 1); return v; }
    case TG_DTYPE_INT16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case TG_DTYPE_INT32: { int32_t v; std::memcpy(&v, p, 4); return v; }
  }
  int64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

long double decode_float(uint32_t d, const std::byte* p) {
  switch (d) {
    case TG_DTYPE_FLOAT16: { uint16_t v; std::memcpy(&v, p, 2); return tg_half_to_float(v); }
    case TG_DTYPE_BFLOAT16: { uint16_t v; std::memcpy(&v, p, 2); return tg_bfloat16_to_float(v); }
    case TG_DTYPE_FLOAT32: { float v; std::memcpy(&v, p, 4); return v; }
  }
  double v;
  std::memcpy(&v, p, 8);
  return v;
}

}  // namespace tg::conformance
