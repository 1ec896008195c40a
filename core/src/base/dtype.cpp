// DType facts, tinygrad's promotion lattice, and host-side element conversion.
#include "tg/dtype.hpp"

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "base/internal_check.hpp"
#include "tg/error.hpp"
#include "tg/half.h"
#include "tg/kir.hpp"  // tg::sdk::dtype_name: the one table of dtype names
#include "tg/tensor.hpp"

namespace tg {

namespace {
std::atomic<DType> g_default_float{DType::float32};
}  // namespace

DType get_default_float() { return g_default_float.load(std::memory_order_relaxed); }

void set_default_float(DType dtype) {
  if (!is_float(dtype))
    throw Error(std::string("set_default_float: needs a float dtype (float16, bfloat16, float32 or float64), got ") +
                dtype_name(dtype));
  g_default_float.store(dtype, std::memory_order_relaxed);
}

int64_t dtype_size(DType d) {
  switch (d) {
    case DType::bool_: case DType::int8: case DType::uint8: return 1;
    case DType::int16: case DType::float16: case DType::bfloat16: return 2;
    case DType::int32: case DType::float32: return 4;
    case DType::int64: case DType::float64: return 8;
  }
  TG_INTERNAL_ERROR("unknown dtype " + std::to_string(static_cast<int>(d)));
}

// (A DType is its TG_DTYPE_* value: the core hands dtypes to plugins as they are.)
static_assert(static_cast<uint32_t>(DType::bool_) == TG_DTYPE_BOOL && static_cast<uint32_t>(DType::uint8) == TG_DTYPE_UINT8 &&
              static_cast<uint32_t>(DType::bfloat16) == TG_DTYPE_BFLOAT16 && static_cast<uint32_t>(DType::float64) == TG_DTYPE_FLOAT64);
const char* dtype_name(DType d) {
  const char* name = tg::sdk::dtype_name(static_cast<uint32_t>(d));
  return name ? name : "?";
}

bool is_float(DType d) {
  return d == DType::float16 || d == DType::bfloat16 || d == DType::float32 || d == DType::float64;
}
bool is_int(DType d) { return !is_float(d) && d != DType::bool_; }
bool is_unsigned(DType d) { return d == DType::bool_ || d == DType::uint8; }

// tinygrad's lattice: bool < int8 < int16 < int32 < int64 < float16/bfloat16 < float32 < float64,
// uint8 < int16. float16 and bfloat16 meet at float32, int8 and uint8 at int16.
DType promote_types(DType a, DType b) {
  if (a == b) return a;
  auto rank = [](DType d) {
    switch (d) {
      case DType::bool_: return 0;
      case DType::int8: case DType::uint8: return 1;
      case DType::int16: return 2;
      case DType::int32: return 3;
      case DType::int64: return 4;
      case DType::float16: case DType::bfloat16: return 5;
      case DType::float32: return 6;
      case DType::float64: return 7;
    }
    return 0;
  };
  int ra = rank(a), rb = rank(b);
  if (ra == rb) return ra == 1 ? DType::int16 : DType::float32;  // int8/uint8, float16/bfloat16
  return ra > rb ? a : b;
}

std::string Shape::to_string() const {
  std::string s = "(";
  for (size_t i = 0; i < dims_.size(); i++) s += (i ? ", " : "") + std::to_string(dims_[i]);
  if (dims_.size() == 1) s += ",";
  return s + ")";
}

namespace detail {

// float -> T without undefined behaviour: NaN gives 0 and out-of-range values saturate.
template <typename T>
static T from_floating(double v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return 0;
    if (v <= static_cast<double>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  }
  return static_cast<T>(v);
}

template <typename T>
void convert_to(const void* src, DType from, int64_t n, T* dst) {
  auto p = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; i++) {
    const uint8_t* e = p + i * dtype_size(from);
    switch (from) {
      case DType::bool_: dst[i] = static_cast<T>(*e != 0); break;
      case DType::int8: { int8_t v; std::memcpy(&v, e, 1); dst[i] = static_cast<T>(v); break; }
      case DType::uint8: dst[i] = static_cast<T>(*e); break;
      case DType::int16: { int16_t v; std::memcpy(&v, e, 2); dst[i] = static_cast<T>(v); break; }
      case DType::int32: { int32_t v; std::memcpy(&v, e, 4); dst[i] = static_cast<T>(v); break; }
      case DType::int64: { int64_t v; std::memcpy(&v, e, 8); dst[i] = static_cast<T>(v); break; }
      case DType::float16: { uint16_t v; std::memcpy(&v, e, 2); dst[i] = from_floating<T>(tg_half_to_float(v)); break; }
      case DType::bfloat16: { uint16_t v; std::memcpy(&v, e, 2); dst[i] = from_floating<T>(tg_bfloat16_to_float(v)); break; }
      case DType::float32: { float v; std::memcpy(&v, e, 4); dst[i] = from_floating<T>(v); break; }
      case DType::float64: { double v; std::memcpy(&v, e, 8); dst[i] = from_floating<T>(v); break; }
    }
  }
}

template void convert_to<float>(const void*, DType, int64_t, float*);
template void convert_to<double>(const void*, DType, int64_t, double*);
template void convert_to<int8_t>(const void*, DType, int64_t, int8_t*);
template void convert_to<uint8_t>(const void*, DType, int64_t, uint8_t*);
template void convert_to<int16_t>(const void*, DType, int64_t, int16_t*);
template void convert_to<uint16_t>(const void*, DType, int64_t, uint16_t*);
template void convert_to<int32_t>(const void*, DType, int64_t, int32_t*);
template void convert_to<uint32_t>(const void*, DType, int64_t, uint32_t*);
template void convert_to<long>(const void*, DType, int64_t, long*);
template void convert_to<long long>(const void*, DType, int64_t, long long*);
template void convert_to<unsigned long>(const void*, DType, int64_t, unsigned long*);
template void convert_to<unsigned long long>(const void*, DType, int64_t, unsigned long long*);

}  // namespace detail
}  // namespace tg
