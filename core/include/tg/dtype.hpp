#pragma once
// Element types and tinygrad's type promotion.
#include <cstdint>
#include <string>

namespace tg {

// Values match TG_DTYPE_* in tg/plugin.h.
enum class DType : uint8_t { bool_, int8, uint8, int16, int32, int64, float16, bfloat16, float32, float64 };

// The dtype of float tensors made without one (creators, Tensor(float), an int tensor made
// float, a float scalar on an int tensor, layers' parameters): tinygrad's dtypes.default_float.
// float32 until set_default_float changes it (float16, bfloat16, float32 or float64); one
// setting for the whole process, so set it before building a model.
DType get_default_float();
void set_default_float(DType dtype);
// Reads as the current default float wherever a DType is expected.
struct DefaultFloat {
  operator DType() const { return get_default_float(); }
};
inline constexpr DefaultFloat default_float{};
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
