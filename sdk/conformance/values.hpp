#pragma once
// Element values of the ten tg.kir dtypes as the conformance suite holds them on the host:
// integers and bool as int64_t, floats as long double (exact for every dtype). Encoding to and
// decoding from the bytes a device holds, and the facts about each dtype that error bounds need.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tg/kir.hpp"

namespace tg::conformance {

// Every dtype of tg.kir 1.0, in enum order.
inline constexpr uint32_t kAllDtypes[] = {TG_DTYPE_BOOL,    TG_DTYPE_INT8,     TG_DTYPE_UINT8,  TG_DTYPE_INT16,
                                          TG_DTYPE_INT32,   TG_DTYPE_INT64,    TG_DTYPE_FLOAT16,
                                          TG_DTYPE_BFLOAT16, TG_DTYPE_FLOAT32, TG_DTYPE_FLOAT64};

// The SDK's dtype facts (tg/kir.hpp, tg/plugin.hpp) under this suite's short names.
inline constexpr auto& is_float = tg::sdk::is_float_dtype;
inline constexpr auto& is_int = tg::sdk::is_int_dtype;  // signed or unsigned integer, not bool
inline constexpr auto& dtype_bytes = tg::sdk::dtype_size;
const char* dtype_str(uint32_t dtype);  // tg::sdk::dtype_name; "dtype?" for an unknown value

int64_t int_min(uint32_t dtype);  // bool: 0
int64_t int_max(uint32_t dtype);  // bool: 1
// Truncates to the dtype's width and extends back (two's complement); bool is != 0.
int64_t wrap_int(uint32_t dtype, int64_t v);

// Float dtypes: the unit roundoff (half an ulp at 1), the smallest normal and the largest finite.
long double unit_roundoff(uint32_t dtype);
long double smallest_normal(uint32_t dtype);
long double largest_finite(uint32_t dtype);
// The nearest value of a float dtype (ties to even; out of range gives infinity), rounded once
// from v.
long double round_to(uint32_t dtype, long double v);
// v as a double rounded to odd (exact, or the neighbour with an odd last bit): rounding it again
// to a format of at most 51 bits is one correct rounding of v.
double to_double_odd(long double v);

// One element in memory <-> its value.
void encode_int(uint32_t dtype, int64_t v, std::byte* p);
void encode_float(uint32_t dtype, long double v, std::byte* p);
int64_t decode_int(uint32_t dtype, const std::byte* p);  // bool: any non-zero byte is 1
long double decode_float(uint32_t dtype, const std::byte* p);

}  // namespace tg::conformance
