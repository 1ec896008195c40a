#pragma once
// View: how a tensor's multi-index maps into the flat memory of the value it views.
// element(i) = offset + sum_d i_d * strides[d], valid only where every i_d is inside mask[d]
// (an invalid element reads as 0). Movement ops compose on views without copying; only a
// reshape that no single view can express fails (the scheduler then copies first).
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/small_vector.hpp"

namespace tg::detail {

// A shape, strides or an op's integer arguments: rarely more than six values.
using Dims = SmallVector<int64_t, 6>;
using Ranges = std::vector<std::pair<int64_t, int64_t>>;

// Valid only where begin <= sum_d coeffs[d] * i_d < end: a window over a zero-padded dim,
// whose padded row is position * stride + tap * dilation (tg.kir's tg_kir_linear_mask).
struct LinearMask {
  Dims coeffs;  // one per dim
  int64_t begin = 0, end = 0;
  bool operator==(const LinearMask& o) const { return coeffs == o.coeffs && begin == o.begin && end == o.end; }
};

struct View {
  Dims shape;
  Dims strides;
  int64_t offset = 0;
  Ranges mask;  // empty: every element valid; else one [begin, end) per dim
  std::vector<LinearMask> linear;  // further conditions, all of which must hold

  static View contiguous(const Dims& shape);
  static Dims contiguous_strides(const Dims& shape);
  bool is_contiguous() const;  // the plain row-major layout of `shape` at offset 0, unmasked
  bool all_invalid() const;    // the mask excludes every element
  int64_t numel() const;

  std::optional<View> reshape(const Dims& new_shape) const;  // nullopt: not one view
  View permute(const Dims& order) const;
  View expand(const Dims& new_shape) const;
  View pad(const Ranges& padding) const;
  View shrink(const Ranges& ranges) const;
  View flip(const std::vector<bool>& axes) const;
  // Sliding windows over the last k.size() dims: (..., i...) -> (..., o..., k...) with
  // o = (i - d(k-1) - 1) / s + 1. Where those dims are masked (padded) the mask becomes linear
  // masks on (o, k) if `linear_masks` allows, else nullopt (the padding must be copied first).
  std::optional<View> window(const Dims& k, const Dims& s, const Dims& d, bool linear_masks = false) const;

  bool operator==(const View& o) const {
    return shape == o.shape && strides == o.strides && offset == o.offset && mask == o.mask && linear == o.linear;
  }

 private:
  View canonical() &&;  // size-1 dims get stride 0; a mask covering everything is dropped
  // Each linear mask's bound moved by sum_d coeffs[d] * shift[d] (the old index is the new
  // one plus shift), and coeffs[d] negated where `negate`.
  void move_linear(const Dims& shift, const std::vector<bool>& negate = {});
};

}  // namespace tg::detail
