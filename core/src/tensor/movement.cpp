// Movement ops (views), joining and indexing, and matmul.
#include <algorithm>
#include <numeric>

#include "runtime/runtime.hpp"
#include "tensor/autocast.hpp"
#include "tensor/matmul_rows.hpp"
#include "tensor/ops.hpp"

namespace tg {
namespace {

using detail::Dims;
using detail::node_of;
using detail::Ranges;
using detail::shape_str;

int64_t dim_of(const Tensor& t, int64_t axis, const char* what) {
  return detail::norm_axis(axis, t.ndim(), t.shape().dims(), what);
}

// dim_of for ops that need a real dim to work along (slice, cat, split...): a 0-d tensor has
// none (PyTorch refuses these too).
int64_t real_dim_of(const Tensor& t, int64_t axis, const char* what) {
  if (t.ndim() == 0)
    throw Error(std::string(what) + ": a 0-dim tensor has no dim to work along; reshape it to (1,) first");
  return dim_of(t, axis, what);
}

}  // namespace

Tensor Tensor::reshape(Shape shape) const {
  const auto& n = node_of(*this);
  Dims out = shape.dims();
  detail::check_shape_size(out.data(), out.size());  // (then `known` below cannot overflow)
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); i++) {
    if (out[i] == -1) {
      if (infer >= 0)
        throw Error("reshape: shape " + shape.to_string() + " has more than one -1; at most one dim can be inferred");
      infer = static_cast<int64_t>(i);
    } else if (out[i] < 0) {
      throw Error("reshape: shape " + shape.to_string() + " has a negative dim " + std::to_string(out[i]));
    } else {
      known *= out[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || n->numel() % known != 0)
      throw Error("reshape: cannot reshape " + shape_str(n->shape) + " (" + std::to_string(n->numel()) +
                  " elements) to " + shape.to_string() + ": the -1 cannot be inferred");
    out[static_cast<size_t>(infer)] = n->numel() / known;
  }
  int64_t total = std::accumulate(out.begin(), out.end(), int64_t{1}, std::multiplies<>());
  if (total != n->numel())
    throw Error("reshape: cannot reshape " + shape_str(n->shape) + " (" + std::to_string(n->numel()) + " elements) to " +
                shape_str(out) + " (" + std::to_string(total) + " elements)");
  return detail::make_result(detail::reshape(n, out));
}

Tensor Tensor::permute(std::vector<int64_t> order) const {
  const auto& n = node_of(*this);
  if (order.size() != n->shape.size())
    throw Error("permute: order has " + std::to_string(order.size()) + " entries but the tensor has " +
                std::to_string(n->shape.size()) + " dims (shape " + shape_str(n->shape) + ")");
  std::vector<bool> seen(order.size(), false);
  for (auto& o : order) {
    o = dim_of(*this, o, "permute");
    if (seen[static_cast<size_t>(o)]) throw Error("permute: dim " + std::to_string(o) + " appears twice in the order");
    seen[static_cast<size_t>(o)] = true;
  }
  return detail::make_result(detail::permute(n, order));
}

Tensor Tensor::transpose(int64_t a, int64_t b) const {
  std::vector<int64_t> order(static_cast<size_t>(ndim()));
  std::iota(order.begin(), order.end(), 0);
  const int64_t da = dim_of(*this, a, "transpose"), db = dim_of(*this, b, "transpose");
  if (ndim() == 0) return *this;
  std::swap(order[static_cast<size_t>(da)], order[static_cast<size_t>(db)]);
  return permute(order);
}

Tensor Tensor::T() const {
  if (ndim() != 2) throw Error("T(): needs a 2-D tensor, this one has shape " + shape().to_string() + " (use permute)");
  return transpose(0, 1);
}

Tensor Tensor::flatten(int64_t start, int64_t end) const {
  if (ndim() == 0) return reshape({1});
  int64_t s = dim_of(*this, start, "flatten"), e = dim_of(*this, end, "flatten");
  if (s > e) throw Error("flatten: start dim " + std::to_string(start) + " comes after end dim " + std::to_string(end));
  Dims in = shape().dims(), out(in.begin(), in.begin() + s);
  out.push_back(std::accumulate(in.begin() + s, in.begin() + e + 1, int64_t{1}, std::multiplies<>()));
  out.insert(out.end(), in.begin() + e + 1, in.end());
  return reshape(Shape(out));
}

Tensor Tensor::unflatten(int64_t dim, Shape sizes) const {
  int64_t d = real_dim_of(*this, dim, "unflatten");
  Dims in = shape().dims(), out(in.begin(), in.begin() + d);
  out.insert(out.end(), sizes.begin(), sizes.end());
  out.insert(out.end(), in.begin() + d + 1, in.end());
  return reshape(Shape(out));
}

Tensor Tensor::squeeze(std::optional<int64_t> dim) const {
  Dims in = shape().dims(), out;
  if (!dim) {
    for (int64_t s : in)
      if (s != 1) out.push_back(s);
    return reshape(Shape(out));
  }
  int64_t d = dim_of(*this, *dim, "squeeze");  // a 0-d tensor takes dim 0 or -1
  if (ndim() == 0) return *this;
  if (in[static_cast<size_t>(d)] != 1) return *this;  // as torch: only size-1 dims go
  in.erase(in.begin() + d);
  return reshape(Shape(in));
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  Dims in = shape().dims();
  int64_t n = static_cast<int64_t>(in.size()) + 1;
  if (dim < -n || dim >= n)
    throw Error("unsqueeze: dim " + std::to_string(dim) + " is out of range for a result of " + std::to_string(n) +
                " dims; use a dim in [" + std::to_string(-n) + ", " + std::to_string(n - 1) + "]");
  if (dim < 0) dim += n;
  in.insert(in.begin() + dim, 1);
  return reshape(Shape(in));
}

Tensor Tensor::expand(Shape shape) const {
  const auto& n = node_of(*this);
  if (shape.size() < n->shape.size())
    throw Error("expand: the target " + shape.to_string() + " has fewer dims than the tensor " + shape_str(n->shape));
  Dims target = shape.dims();
  size_t lead = target.size() - n->shape.size();
  for (size_t i = 0; i < target.size(); i++) {
    if (target[i] != -1) continue;
    if (i < lead) throw Error("expand: -1 is not allowed for a new leading dim (target " + shape.to_string() + ")");
    target[i] = n->shape[i - lead];
  }
  for (size_t i = lead; i < target.size(); i++)
    if (n->shape[i - lead] != target[i] && n->shape[i - lead] != 1)
      throw Error("expand: cannot expand shape " + shape_str(n->shape) + " to " + shape.to_string() + ": dim " +
                  std::to_string(i) + " is " + std::to_string(n->shape[i - lead]) + ", not 1 or " +
                  std::to_string(target[i]));
  return detail::make_result(detail::broadcast_to(n, target, "expand"));
}

Tensor Tensor::pad(std::vector<std::pair<int64_t, int64_t>> padding, Scalar value) const {
  const auto& n = node_of(*this);
  if (padding.size() != n->shape.size())
    throw Error("pad: " + std::to_string(padding.size()) + " (before, after) pairs given for a tensor of " +
                std::to_string(n->shape.size()) + " dims (shape " + shape_str(n->shape) + "); give one pair per dim");
  for (auto& [b, a] : padding)
    if (b < 0 || a < 0) return pad(std::move(padding), "constant", value);  // negative pads cut (pad_modes.cpp)
  for (size_t d = 0; d < padding.size(); d++)
    detail::checked_add(detail::checked_add(n->shape[d], padding[d].first, "pad"), padding[d].second, "pad");
  Tensor padded = detail::make_result(detail::pad(n, padding));
  if (value.value == 0) return padded;
  // Where the padding is: a padded all-true mask says which elements are real.
  detail::NodePtr real = detail::pad(detail::const_like(n, 1, DType::bool_), padding);
  return tg::where(Tensor(real), padded, value);
}

Tensor Tensor::shrink(std::vector<std::pair<int64_t, int64_t>> ranges) const {
  const auto& n = node_of(*this);
  if (ranges.size() != n->shape.size())
    throw Error("shrink: " + std::to_string(ranges.size()) + " ranges given for a tensor of " +
                std::to_string(n->shape.size()) + " dims (shape " + shape_str(n->shape) + ")");
  for (size_t d = 0; d < ranges.size(); d++)
    if (ranges[d].first < 0 || ranges[d].first > ranges[d].second || ranges[d].second > n->shape[d])
      throw Error("shrink: range [" + std::to_string(ranges[d].first) + ", " + std::to_string(ranges[d].second) +
                  ") of dim " + std::to_string(d) + " is not inside [0, " + std::to_string(n->shape[d]) + "]");
  return detail::make_result(detail::shrink(n, ranges));
}

Tensor Tensor::flip(Axes axes) const {
  const auto& n = node_of(*this);
  Dims flags(n->shape.size(), 0);
  for (int64_t a : detail::norm_axes(axes, n->shape, "flip")) flags[static_cast<size_t>(a)] = 1;
  return detail::make_result(detail::flip(n, flags));
}

// Each dim of size b repeated r times is (1, b) expanded to (r, b), merged to r * b. Only dims
// with r > 1 and b > 1 need that extra dim (a size-1 dim is expanded in place), and they are
// done a few at a time so no view has more dims than a kernel can take (TG_KIR_MAX_DIMS); where
// not even one extra dim fits, that dim is repeated by concatenation.
Tensor Tensor::repeat(std::vector<int64_t> repeats) const {
  constexpr size_t kMaxDims = 8;  // TG_KIR_MAX_DIMS
  if (repeats.size() < static_cast<size_t>(ndim()))
    throw Error("repeat: " + std::to_string(repeats.size()) + " repeats for a tensor of " + std::to_string(ndim()) +
                " dims; give at least one per dim");
  Dims base(repeats.size() - static_cast<size_t>(ndim()), 1);
  for (int64_t s : shape()) base.push_back(s);
  for (int64_t r : repeats)
    if (r < 0) throw Error("repeat: repeats must be >= 0, got " + std::to_string(r));
  for (size_t i = 0; i < base.size(); i++) detail::checked_mul(repeats[i], base[i], "repeat");  // each result dim
  Dims expanded = base;
  std::vector<size_t> split;  // dims that need (1, b) -> (r, b)
  for (size_t i = 0; i < base.size(); i++) {
    if (base[i] == 1) expanded[i] = repeats[i];
    else if (repeats[i] != 1) split.push_back(i);
  }
  Tensor x = reshape(Shape(base)).expand(Shape(expanded));
  Dims cur = expanded;
  for (size_t next = 0; next < split.size();) {
    const size_t room = kMaxDims > cur.size() ? kMaxDims - cur.size() : 0;
    if (room == 0) {
      const size_t d = split[next++];
      x = repeats[d] == 0 ? x.slice(static_cast<int64_t>(d), 0, 0)
                          : tg::cat(std::vector<Tensor>(static_cast<size_t>(repeats[d]), x), static_cast<int64_t>(d));
      cur[d] *= repeats[d];
      continue;
    }
    const size_t end = std::min(split.size(), next + room);
    Dims inter, wide;
    for (size_t i = 0, k = next; i < cur.size(); i++) {
      if (k < end && split[k] == i) {
        inter.insert(inter.end(), {1, cur[i]});
        wide.insert(wide.end(), {repeats[i], cur[i]});
        cur[i] *= repeats[i];
        k++;
      } else {
        inter.push_back(cur[i]);
        wide.push_back(cur[i]);
      }
    }
    x = x.reshape(Shape(inter)).expand(Shape(wide)).reshape(Shape(cur));
    next = end;
  }
  return x;
}

Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  int64_t d = real_dim_of(*this, dim, "slice");
  if (step <= 0) throw Error("slice: step must be positive, got " + std::to_string(step) + " (use flip to reverse)");
  int64_t n = shape()[static_cast<size_t>(d)];
  auto clampi = [n](int64_t i) { return std::min(std::max(i < 0 ? i + n : i, int64_t{0}), n); };
  start = clampi(start);
  end = std::max(clampi(end), start);
  int64_t count = (end - start + step - 1) / step;
  std::vector<std::pair<int64_t, int64_t>> r;
  for (int64_t s : shape()) r.push_back({0, s});
  if (step == 1 || count == 0) {
    r[static_cast<size_t>(d)] = {start, start + count * step};
    return shrink(r);
  }
  // Take count*step elements (padding past the end if needed), view them as (count, step)
  // and keep column 0.
  int64_t stop = start + count * step;
  r[static_cast<size_t>(d)] = {start, std::min(stop, n)};
  Tensor x = shrink(r);
  if (stop > n) {
    std::vector<std::pair<int64_t, int64_t>> p(static_cast<size_t>(ndim()), {0, 0});
    p[static_cast<size_t>(d)] = {0, stop - n};
    x = x.pad(p);
  }
  Dims s = x.shape().dims();
  s[static_cast<size_t>(d)] = count;
  s.insert(s.begin() + d + 1, step);
  x = x.reshape(Shape(s));
  std::vector<std::pair<int64_t, int64_t>> keep;
  for (int64_t v : s) keep.push_back({0, v});
  keep[static_cast<size_t>(d) + 1] = {0, 1};
  return x.shrink(keep).squeeze(d + 1);
}

Tensor Tensor::operator[](int64_t index) const {
  if (ndim() == 0) throw Error("operator[]: cannot index a 0-dim tensor");
  int64_t n = shape()[0];
  if (index < -n || index >= n)
    throw Error("operator[]: index " + std::to_string(index) + " is out of range for dim 0 of size " + std::to_string(n));
  if (index < 0) index += n;
  return slice(0, index, index + 1).squeeze(0);
}

std::vector<Tensor> Tensor::split(std::vector<int64_t> sizes, int64_t dim) const {
  int64_t d = real_dim_of(*this, dim, "split");
  int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  if (total != shape()[static_cast<size_t>(d)])
    throw Error("split: sizes add up to " + std::to_string(total) + " but dim " + std::to_string(d) + " has size " +
                std::to_string(shape()[static_cast<size_t>(d)]));
  std::vector<Tensor> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(slice(d, at, at + s));
    at += s;
  }
  return out;
}

std::vector<Tensor> Tensor::split(int64_t size, int64_t dim) const {
  if (size <= 0) throw Error("split: size must be positive, got " + std::to_string(size));
  int64_t n = shape()[static_cast<size_t>(real_dim_of(*this, dim, "split"))];
  std::vector<int64_t> sizes;
  for (int64_t at = 0; at < n; at += size) sizes.push_back(std::min(size, n - at));
  return split(sizes, dim);
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const {
  if (chunks <= 0) throw Error("chunk: chunks must be positive, got " + std::to_string(chunks));
  int64_t n = shape()[static_cast<size_t>(real_dim_of(*this, dim, "chunk"))];
  return split(std::max<int64_t>(1, (n + chunks - 1) / chunks), dim);
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw Error("cat: needs at least one tensor");
  const Tensor& first = tensors[0];
  for (size_t i = 0; i < tensors.size(); i++)
    if (tensors[i].ndim() == 0)
      throw Error("cat: the tensor at position " + std::to_string(i) +
                  " is 0-dim and cannot be concatenated; stack() them, or unsqueeze(0) each first");
  int64_t d = dim_of(first, dim, "cat");
  DType dt = first.dtype();
  int64_t total = 0;
  for (const Tensor& t : tensors) {
    if (t.ndim() != first.ndim())
      throw Error("cat: all tensors need the same number of dims: " + first.shape().to_string() + " vs " +
                  t.shape().to_string());
    for (int64_t i = 0; i < t.ndim(); i++)
      if (i != d && t.shape()[static_cast<size_t>(i)] != first.shape()[static_cast<size_t>(i)])
        throw Error("cat: shapes " + first.shape().to_string() + " and " + t.shape().to_string() +
                    " differ in dim " + std::to_string(i) + " (only dim " + std::to_string(d) + " may differ)");
    total = detail::checked_add(total, t.shape()[static_cast<size_t>(d)], "cat");
    dt = promote_types(dt, t.dtype());
  }
  if (tensors.size() == 1) return first;
  // Each piece padded into its place, then summed: one fused kernel.
  Tensor out;
  int64_t at = 0;
  for (const Tensor& t : tensors) {
    std::vector<std::pair<int64_t, int64_t>> p(static_cast<size_t>(t.ndim()), {0, 0});
    int64_t n = t.shape()[static_cast<size_t>(d)];
    p[static_cast<size_t>(d)] = {at, total - at - n};
    Tensor piece = t.cast(dt).pad(p);
    out = out.defined() ? (dt == DType::bool_ ? out.logical_or(piece) : out + piece) : piece;
    at += n;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw Error("stack: needs at least one tensor");
  for (const Tensor& t : tensors)
    if (t.shape() != tensors[0].shape())
      throw Error("stack: all tensors need the same shape: " + tensors[0].shape().to_string() + " vs " +
                  t.shape().to_string());
  int64_t n = tensors[0].ndim() + 1;
  if (dim < -n || dim >= n) throw Error("stack: dim " + std::to_string(dim) + " is out of range for " + std::to_string(n) + " dims");
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(dim));
  return cat(parts, dim);
}

Tensor Tensor::one_hot(int64_t num_classes) const {
  if (is_float(dtype())) throw Error("one_hot: needs an integer tensor, got " + std::string(dtype_name(dtype())));
  if (num_classes <= 0) throw Error("one_hot: num_classes must be positive, got " + std::to_string(num_classes));
  Tensor ar = Tensor::arange(static_cast<double>(num_classes), TensorOptions{std::nullopt, device(), false});
  return tg::where(unsqueeze(-1) == ar, 1, 0).cast(DType::int32);
}

namespace {

// x @ w (+ bias) with a weight without batch dims (or only size-1 ones) shared by every row of a
// batched x: one GEMM of all rows, (rows, K) x (K, N), instead of one per batch entry, where x's
// leading dims fold without a copy; nullopt otherwise (the batched form takes any strides). A
// bias of at most 1 dim is added before the rows unfold, so it stays the GEMM's epilogue.
// Shapes that do not fit get nullopt too (matmul then says what is wrong).
std::optional<Tensor> matmul_all_rows(const Tensor& x, const Tensor& w, const std::optional<Tensor>& bias) {
  const int64_t n1 = x.ndim(), n2 = w.ndim();
  if (n1 <= 2 || n2 == 0 || (bias && bias->ndim() > 1)) return std::nullopt;
  Dims as = x.shape().dims(), bs = w.shape().dims();
  const int64_t wm = std::min<int64_t>(n2, 2), k = as.back();
  if (bs[static_cast<size_t>(n2 - wm)] != k) return std::nullopt;
  if (!std::all_of(bs.begin(), bs.end() - wm, [](int64_t d) { return d == 1; })) return std::nullopt;
  int64_t rows = 1;
  for (int64_t i = 0; i + 1 < n1; i++) rows *= as[static_cast<size_t>(i)];
  if (rows == 0 || !detail::reshapes_freely(node_of(x), Dims{rows, k})) return std::nullopt;
  Tensor w2 = n2 >= 2 ? w.reshape({k, bs.back()}) : w;
  Dims out(as.begin(), as.end() - 1);  // x's batch dims and M, then w's N (if w is a matrix)
  if (n2 >= 2) out.push_back(bs.back());
  while (static_cast<int64_t>(out.size()) < n2 - (n2 >= 2 ? 0 : 1)) out.insert(out.begin(), 1);  // w's 1s
  Tensor y = x.reshape({rows, k}).matmul(w2);
  if (bias) {
    Tensor with_bias = y + *bias;
    if (with_bias.shape() != y.shape()) return std::nullopt;  // a bias that widens the result: the plain path
    y = with_bias;
  }
  return y.reshape(Shape(out));
}

}  // namespace

// Under autocast on a device whose fast paths are float32 (TG_FAST_MATMUL with TG_FAST_CONV,
// which the ABI defines for float32 convolutions: the onednn CPU device; on this AVX2 CPU its
// generic bfloat16 products took 5-8x the GEMM's time): the half operands are widened for the
// float32 GEMM, which multiplies them exactly and accumulates in float32, as half-precision
// hardware and PyTorch do, and the result is rounded to half once. A GPU keeps its half path.
static bool widened_half_matmul(const Tensor& x) {
  const uint64_t fast = detail::node_of(x)->device->caps().fast_paths;
  return (fast & TG_FAST_MATMUL) && (fast & TG_FAST_CONV);
}

Tensor Tensor::matmul(const Tensor& w) const {
  if (auto dt = detail::autocast_for(*this, w)) {
    Tensor a = detail::autocast_to(*this, *dt), b = detail::autocast_to(w, *dt);
    if (widened_half_matmul(a)) {
      detail::AutocastOff keep_float32;
      return a.cast(DType::float32).matmul(b.cast(DType::float32)).cast(*dt);
    }
    return a.matmul(b);
  }
  int64_t n1 = ndim(), n2 = w.ndim();
  if (n1 == 0 || n2 == 0)
    throw Error("matmul: both operands need at least 1 dim, got shapes " + shape().to_string() + " and " +
                w.shape().to_string());
  int64_t k = shape().back(), kw = w.shape()[static_cast<size_t>(n2 - std::min<int64_t>(n2, 2))];
  if (k != kw)
    throw Error("matmul: shapes " + shape().to_string() + " and " + w.shape().to_string() + " do not fit: " +
                std::to_string(k) + " (last dim of the first) != " + std::to_string(kw) +
                (n2 >= 2 ? " (second-to-last dim of the second)" : " (the second's only dim)"));
  if (std::optional<Tensor> y = matmul_all_rows(*this, w, std::nullopt)) return *y;
  Dims as = shape().dims(), bs = w.shape().dims();
  int64_t ones = std::min<int64_t>({n1 - 1, n2 - 1, 1});
  Dims xs(as.begin(), as.end() - 1), ws(bs.begin(), bs.end() - std::min<int64_t>(n2, 2));
  xs.insert(xs.end(), static_cast<size_t>(ones), 1);
  xs.push_back(k);
  ws.insert(ws.end(), static_cast<size_t>(ones), 1);
  ws.insert(ws.end(), bs.end() - std::min<int64_t>(n2, 2), bs.end());
  Tensor x = reshape(Shape(xs));
  Tensor wt = w.reshape(Shape(ws)).transpose(-1, -std::min<int64_t>(n2, 2));
  return (x * wt).sum(-1);
}

Tensor matmul(const Tensor& a, const Tensor& b) { return a.matmul(b); }

Tensor Tensor::linear(const Tensor& weight, const std::optional<Tensor>& bias) const {
  if (auto dt = detail::autocast_for(*this, weight, bias)) {
    Tensor x = detail::autocast_to(*this, *dt), w = detail::autocast_to(weight, *dt);
    std::optional<Tensor> b = detail::autocast_to(bias, *dt);
    if (widened_half_matmul(x)) {
      detail::AutocastOff keep_float32;
      std::optional<Tensor> wide_bias;
      if (b) wide_bias = b->cast(DType::float32);
      return x.cast(DType::float32).linear(w.cast(DType::float32), wide_bias).cast(*dt);
    }
    return x.linear(w, b);
  }
  if (std::optional<Tensor> y = matmul_all_rows(*this, weight, bias)) return *y;
  Tensor y = matmul(weight);
  return bias ? y + *bias : y;
}

}  // namespace tg

namespace tg {

std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing) {
  if (indexing != "ij" && indexing != "xy")
    throw Error("meshgrid: indexing is \"" + indexing + "\"; use \"ij\" (matrix) or \"xy\" (Cartesian)");
  if (tensors.empty()) throw Error("meshgrid: needs at least one tensor");
  Dims out;
  for (size_t i = 0; i < tensors.size(); i++) {
    if (tensors[i].ndim() > 1)
      throw Error("meshgrid: tensor " + std::to_string(i) + " has shape " + tensors[i].shape().to_string() +
                  "; each must be 0-D or 1-D");
    out.push_back(tensors[i].numel());
  }
  // "xy" swaps the roles of the first two: tensor 0 runs along dim 1, tensor 1 along dim 0.
  bool xy = indexing == "xy" && tensors.size() >= 2;
  if (xy) std::swap(out[0], out[1]);
  std::vector<Tensor> grids;
  for (size_t i = 0; i < tensors.size(); i++) {
    size_t along = xy && i < 2 ? 1 - i : i;
    Dims s(tensors.size(), 1);
    s[along] = -1;
    grids.push_back(tensors[i].reshape(Shape(s)).expand(Shape(out)));
  }
  return grids;
}

}  // namespace tg
