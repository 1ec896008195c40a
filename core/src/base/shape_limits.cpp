// The element-count limit of shapes (tg/shape.hpp): its error and checked arithmetic.
#include <string>

#include "tg/error.hpp"
#include "tg/shape.hpp"

namespace tg::detail {

void throw_shape_too_large(const int64_t* dims, size_t n) {
  std::string s = "(";
  bool has_zero = false;
  for (size_t i = 0; i < n; i++) {
    s += (i ? ", " : "") + std::to_string(dims[i]);
    has_zero |= dims[i] == 0;
  }
  if (n == 1) s += ",";
  s += ")";
  if (has_zero)
    throw Error("shape " + s + " has more than 2^62 elements in its nonzero dims; a tensor can have at most 2^62 " +
                "elements, and its strides are computed from those dims");
  throw Error("shape " + s + " has more than 2^62 elements; a tensor can have at most 2^62 (4.6e18)");
}

int64_t checked_mul(int64_t a, int64_t b, const char* what) {
  int64_t p;
  if (__builtin_mul_overflow(a, b, &p) || p > kMaxElements)
    throw Error(std::string(what) + ": " + std::to_string(a) + " * " + std::to_string(b) +
                " is more than 2^62 elements; a tensor can have at most 2^62 (4.6e18)");
  return p;
}

int64_t checked_add(int64_t a, int64_t b, const char* what) {
  int64_t p;
  if (__builtin_add_overflow(a, b, &p) || p > kMaxElements)
    throw Error(std::string(what) + ": " + std::to_string(a) + " + " + std::to_string(b) +
                " is more than 2^62; a dim can be at most 2^62 (4.6e18)");
  return p;
}

}  // namespace tg::detail
