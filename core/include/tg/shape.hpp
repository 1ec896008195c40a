#pragma once
// tg::Shape: a small vector of int64 dims, built from {2, 3} or a std::vector<int64_t>.
// A shape has at most kMaxElements elements (checked where a shape is made).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tg {

// The most elements a tensor can have: 2^62. Element counts, strides and offsets then never come
// near int64_t's limit. A shape with a 0 dim is held to it too (its other dims multiplied),
// because its strides are still computed from them.
inline constexpr int64_t kMaxElements = int64_t{1} << 62;

namespace detail {
[[noreturn]] void throw_shape_too_large(const int64_t* dims, size_t n);
// Throws tg::Error "shape (...) has more than 2^62 elements" when the dims' product (of the
// positive ones: callers check for negative dims with their own messages) exceeds kMaxElements.
// Every shape tg builds passes here: one multiply per dim, no overflow.
inline void check_shape_size(const int64_t* dims, size_t n) {
  uint64_t p = 1;
  for (size_t i = 0; i < n; i++)
    if (dims[i] > 0 && (__builtin_mul_overflow(p, static_cast<uint64_t>(dims[i]), &p) ||
                        p > static_cast<uint64_t>(kMaxElements)))
      throw_shape_too_large(dims, n);
}
// a * b for element counts, or the same tg::Error when it exceeds kMaxElements (a, b >= 0).
int64_t checked_mul(int64_t a, int64_t b, const char* what);
int64_t checked_add(int64_t a, int64_t b, const char* what);
}  // namespace detail

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) { detail::check_shape_size(dims_.data(), dims_.size()); }
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {
    detail::check_shape_size(dims_.data(), dims_.size());
  }

  size_t size() const { return dims_.size(); }
  bool empty() const { return dims_.empty(); }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  int64_t at(size_t i) const { return dims_.at(i); }
  auto begin() const { return dims_.begin(); }
  auto end() const { return dims_.end(); }
  auto begin() { return dims_.begin(); }
  auto end() { return dims_.end(); }
  int64_t back() const { return dims_.back(); }
  void push_back(int64_t d) { dims_.push_back(d); }
  const std::vector<int64_t>& dims() const { return dims_; }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : dims_) n *= d;
    return n;
  }
  std::string to_string() const;  // "(2, 3)"
  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

 private:
  std::vector<int64_t> dims_;
};

}  // namespace tg
