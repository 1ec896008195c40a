// pad's modes beyond the constant: reflect, replicate and circular (PyTorch's semantics), built
// from slices, flips and cat, so gradients flow through the views.
#include "tensor/ops.hpp"

namespace tg {

Tensor Tensor::pad(std::vector<std::pair<int64_t, int64_t>> padding, const std::string& mode, Scalar value) const {
  if (mode == "constant") return pad(std::move(padding), value);
  if (mode != "reflect" && mode != "replicate" && mode != "circular")
    throw Error("pad: mode \"" + mode + "\" is not known; use \"constant\", \"reflect\", \"replicate\" or \"circular\"");
  if (value.value != 0)
    throw Error("pad: a padding value is only used by mode \"constant\", not \"" + mode + "\" (as PyTorch)");
  const Shape s = shape();
  if (padding.size() != s.size())
    throw Error("pad: " + std::to_string(padding.size()) + " (before, after) pairs given for a tensor of " +
                std::to_string(s.size()) + " dims (shape " + s.to_string() + "); give one pair per dim");
  Tensor x = *this;
  for (size_t d = 0; d < padding.size(); d++) {
    auto [b, a] = padding[d];
    if (b < 0 || a < 0)
      throw Error("pad: padding must be >= 0 (use shrink to cut), got (" + std::to_string(b) + ", " +
                  std::to_string(a) + ") for dim " + std::to_string(d));
    if (b == 0 && a == 0) continue;
    const int64_t n = s[d], dim = static_cast<int64_t>(d);
    const std::string where_ = "padding (" + std::to_string(b) + ", " + std::to_string(a) + ") of dim " +
                               std::to_string(d) + " (size " + std::to_string(n) + ")";
    Tensor before, after;
    if (mode == "reflect") {
      if (b >= n || a >= n) throw Error("pad: mode \"reflect\" needs each pad < the dim's size; got " + where_);
      if (b) before = x.slice(dim, 1, b + 1).flip(dim);
      if (a) after = x.slice(dim, n - 1 - a, n - 1).flip(dim);
    } else if (mode == "replicate") {
      if (n == 0) throw Error("pad: mode \"replicate\" needs a non-empty dim; got " + where_);
      auto edge = [&](int64_t at, int64_t count) {
        detail::Dims want = x.shape().dims();
        want[d] = count;
        return x.slice(dim, at, at + 1).expand(Shape(want));
      };
      if (b) before = edge(0, b);
      if (a) after = edge(n - 1, a);
    } else {
      if (b > n || a > n)
        throw Error("pad: mode \"circular\" wraps around at most once: each pad must be <= the dim's size; got " + where_);
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

}  // namespace tg
