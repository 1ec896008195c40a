#pragma once
// Element types and tinygrad's type promotion.
#include <cstdint>
#include <string>

namespace tg {

// Values match TG_DTYPE_* in tg/plugin.h.
enum class DType : uint8_t { bool_, int8, uint8, int16, int32, int64, float16, bfloat16, float32, float64 };

constexpr DType default_float = DType::float32;
constexpr DType default_int = DType::int32;

int64_t dtype_size(DType dtype);       // bytes per element
const char* dtype_name(DType dtype);   // "float32", "bool", ...
bool is_float(DType dtype);
bool is_int(DType dtype);              // signed or unsigned integer, not bool
bool is_unsigned(DType dtype);         // bool and uint8
// The dtype of a binary op on a and b (tinygrad: the least upper bound in its lattice, so
// int op float -> float, int32 op int64 -> int64, bool op int8 -> int8).
DType promote_types(DType a, DType b);

}  // namespace tg
