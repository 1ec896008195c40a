// pad's modes beyond the constant: reflect, replicate and circular (PyTorch's semantics), built
// from slices, flips and cat, so gradients flow through the views. Negative pads cut, as in
// PyTorch and tinygrad.
#include <algorithm>
#include <cstdint>

#include "tensor/ops.hpp"

namespace tg {
namespace {

using Pads = std::vector<std::pair<int64_t, int64_t>>;

// Negative pads cut: (-2, 1) drops two elements before (and the 1 is left to the padding).
Tensor cut_negative(const Tensor& x, const Pads& padding) {
  Pads keep;
  bool any = false;
  for (size_t d = 0; d < padding.size(); d++) {
    // -INT64_MIN overflows: such a pad cuts more than any dim has anyway.
    auto cut_of = [](int64_t p) { return p >= 0 ? int64_t{0} : p == INT64_MIN ? INT64_MAX : -p; };
    int64_t n = x.shape()[d], b = cut_of(padding[d].first), a = cut_of(padding[d].second);
    if (b > n || a > n - b)
      throw Error("pad: negative padding (" + std::to_string(padding[d].first) + ", " +
                  std::to_string(padding[d].second) + ") cuts more than the " + std::to_string(n) +
                  " elements of dim " + std::to_string(d));
    any = any || b || a;
    keep.push_back({b, n - a});
  }
  return any ? x.shrink(keep) : x;
}

// reflect, replicate or circular with pads >= 0, one dim after another.
Tensor pad_edges(const Tensor& in, const Pads& padding, const std::string& mode) {
  Tensor x = in;
  for (size_t d = 0; d < padding.size(); d++) {
    auto [b, a] = padding[d];
    if (b == 0 && a == 0) continue;
    const int64_t n = x.shape()[d], dim = static_cast<int64_t>(d);
    const std::string given = "padding (" + std::to_string(b) + ", " + std::to_string(a) + ") of dim " +
                              std::to_string(d) + " (size " + std::to_string(n) + ")";
    Tensor before, after;
    if (mode == "reflect") {
      if (b >= n || a >= n) throw Error("pad: mode \"reflect\" needs each pad < the dim's size; got " + given);
      if (b) before = x.slice(dim, 1, b + 1).flip(dim);
      if (a) after = x.slice(dim, n - 1 - a, n - 1).flip(dim);
    } else if (mode == "replicate") {
      if (n == 0) throw Error("pad: mode \"replicate\" needs a non-empty dim; got " + given);
      auto edge = [&](int64_t at, int64_t count) {
        detail::Dims want = x.shape().dims();
        want[d] = count;
        return x.slice(dim, at, at + 1).expand(Shape(want));
      };
      if (b) before = edge(0, b);
      if (a) after = edge(n - 1, a);
    } else {
      if (b > n || a > n)
        throw Error("pad: mode \"circular\" wraps around at most once: each pad must be <= the dim's size; got " +
                    given);
      if (b) before = x.slice(dim, n - b, n);
      if (a) after = x.slice(dim, 0, a);
    }
    std::vector<Tensor> parts;
    if (before.defined()) parts.push_back(before);
    parts.push_back(x);
    if (after.defined()) parts.push_back(after);
    x = cat(parts, dim);
  }
  return x;
}

}  // namespace

Tensor Tensor::pad(Pads padding, const std::string& mode, Scalar value) const {
  if (mode != "constant" && mode != "reflect" && mode != "replicate" && mode != "circular")
    throw Error("pad: mode \"" + mode + "\" is not known; use \"constant\", \"reflect\", \"replicate\" or \"circular\"");
  if (mode != "constant" && value.value != 0)
    throw Error("pad: a padding value is only used by mode \"constant\", not \"" + mode + "\" (as PyTorch)");
  const Shape s = shape();
  if (padding.size() != s.size())
    throw Error("pad: " + std::to_string(padding.size()) + " (before, after) pairs given for a tensor of " +
                std::to_string(s.size()) + " dims (shape " + s.to_string() + "); give one pair per dim");
  Pads grow, cut;
  for (auto [b, a] : padding) {
    grow.push_back({std::max<int64_t>(b, 0), std::max<int64_t>(a, 0)});
    cut.push_back({std::min<int64_t>(b, 0), std::min<int64_t>(a, 0)});
  }
  if (mode == "constant") return cut_negative(*this, padding).pad(grow, value);
  // circular wraps what is left after the cut; reflect and replicate see the whole tensor first
  // (PyTorch's and tinygrad's order).
  if (mode == "circular") return pad_edges(cut_negative(*this, padding), grow, mode);
  return cut_negative(pad_edges(*this, grow, mode), cut);
}

}  // namespace tg
