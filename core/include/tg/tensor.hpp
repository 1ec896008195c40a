#pragma once
// tg::Tensor: a handle to a lazily computed n-dimensional array.
//
// Copying a Tensor shares the same value (like a Python reference in tinygrad): assign() and
// gradients are seen through every copy. Nothing is computed until realize(), to_vector(),
// item(), printing or backward() needs it.
//
// Threads: different threads may build, realize and train independent graphs at the same time
// (the core's caches, allocators and devices are shared safely). A Tensor and everything built
// from it belong to one thread at a time: hand one to another thread only with the usual
// synchronization (join, a mutex, a future). The exception is a realized tensor that no thread
// changes (no assign(), backward() through it, set_grad or requires_grad_): several threads may
// read it and use it as an input of their own ops at once. Give such a shared input
// requires_grad(false) (data does not need gradients), or each thread's backward() would add
// into its grad. Tensor::training and NoGrad are per thread.
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tg/dtype.hpp"
#include "tg/error.hpp"
#include "tg/shape.hpp"

namespace tg {

namespace detail {
struct Node;
struct TensorImpl;
struct TensorAccess;
}  // namespace detail

// Options every creator takes last: tg::TensorOptions{dtype, device, requires_grad}.
struct TensorOptions {
  std::optional<DType> dtype;
  std::optional<std::string> device;
  std::optional<bool> requires_grad;
};

// A scalar operand: remembers whether it was written as a float, an int or a bool, so that
// int_tensor + 2 stays int and int_tensor + 2.5 becomes float (tinygrad's rule).
struct Scalar {
  double value;
  DType kind;
  Scalar(bool v) : value(v ? 1.0 : 0.0), kind(DType::bool_) {}
  Scalar(int v) : value(v), kind(DType::int32) {}
  Scalar(long v) : value(static_cast<double>(v)), kind(DType::int32) {}
  Scalar(long long v) : value(static_cast<double>(v)), kind(DType::int32) {}
  Scalar(unsigned v) : value(v), kind(DType::int32) {}
  Scalar(float v) : value(v), kind(DType::float32) {}
  Scalar(double v) : value(v), kind(DType::float32) {}
  // A string or pointer is never a number: without these, x.pad(pairs, "reflect") would turn
  // "reflect" into bool true and pad with 1.0. They make such calls fail to compile.
  template <typename T>
  Scalar(T*) = delete;
  Scalar(std::nullptr_t) = delete;
  Scalar(const std::string&) = delete;
  Scalar(std::string_view) = delete;
};

// Axis arguments: an int, a braced list, or nothing (= all axes). Negative axes count from the end.
struct Axes {
  std::optional<std::vector<int64_t>> axes;
  Axes() = default;
  Axes(int axis) : axes(std::vector<int64_t>{axis}) {}
  Axes(int64_t axis) : axes(std::vector<int64_t>{axis}) {}
  Axes(std::initializer_list<int64_t> list) : axes(std::vector<int64_t>(list)) {}
  Axes(std::vector<int64_t> list) : axes(std::move(list)) {}
};

// A 2-D size argument (kernel, stride, padding, dilation): one int for both dims, or {h, w}.
struct IntPair {
  int64_t h, w;
  IntPair(int v) : h(v), w(v) {}
  IntPair(int64_t v) : h(v), w(v) {}
  IntPair(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  IntPair(std::pair<int64_t, int64_t> p) : h(p.first), w(p.second) {}
};

namespace indexing {
class TensorIndex;
}

class Tensor {
 public:
  // ---- creation ----
  Tensor();  // an empty handle; using it as a value throws tg::Error
  explicit Tensor(bool v, TensorOptions opts = {});
  explicit Tensor(int v, TensorOptions opts = {});
  explicit Tensor(int64_t v, TensorOptions opts = {});
  explicit Tensor(float v, TensorOptions opts = {});
  explicit Tensor(double v, TensorOptions opts = {});
  // Nested lists to 4-D: ints give int32, floats and doubles give float32, bools bool.
  // (Templates, so that the nesting depth alone picks the overload: Tensor({{1}, {2}}) is 2-D.)
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Tensor(std::initializer_list<T> d, TensorOptions opts = {}) { from_nested(d, opts); }
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Tensor(std::initializer_list<std::initializer_list<T>> d, TensorOptions opts = {}) { from_nested(d, opts); }
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> d, TensorOptions opts = {}) {
    from_nested(d, opts);
  }
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<std::initializer_list<T>>>> d,
         TensorOptions opts = {}) {
    from_nested(d, opts);
  }
  // Data and shape; the dtype follows T (float->float32, double->float64, int->int32, ...)
  // unless opts.dtype says otherwise.
  Tensor(std::vector<float> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<double> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<int32_t> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<int64_t> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<uint8_t> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<int8_t> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<int16_t> data, Shape shape, TensorOptions opts = {});
  Tensor(std::vector<bool> data, Shape shape, TensorOptions opts = {});
  // Copies numel(shape) elements of dtype from data.
  static Tensor from_blob(const void* data, Shape shape, DType dtype, TensorOptions opts = {});

  static Tensor zeros(Shape shape, TensorOptions opts = {});
  static Tensor ones(Shape shape, TensorOptions opts = {});
  static Tensor full(Shape shape, Scalar value, TensorOptions opts = {});
  static Tensor empty(Shape shape, TensorOptions opts = {});
  static Tensor arange(double stop, TensorOptions opts = {});
  static Tensor arange(double start, double stop, double step = 1, TensorOptions opts = {});
  static Tensor linspace(double start, double stop, int64_t steps, TensorOptions opts = {});
  static Tensor eye(int64_t n, TensorOptions opts = {});
  static Tensor rand(Shape shape, TensorOptions opts = {});   // uniform [0, 1)
  static Tensor randn(Shape shape, TensorOptions opts = {});  // standard normal
  static Tensor randint(int64_t low, int64_t high, Shape shape, TensorOptions opts = {});  // [low, high)
  static Tensor uniform(Shape shape, double low = 0.0, double high = 1.0, TensorOptions opts = {});
  static Tensor normal(Shape shape, double mean = 0.0, double std = 1.0, TensorOptions opts = {});
  // PyTorch's kaiming_uniform_ with leaky_relu gain (a = sqrt(5) is nn.Linear's default).
  static Tensor kaiming_uniform(Shape shape, double a = 2.23606797749979, TensorOptions opts = {});
  static Tensor glorot_uniform(Shape shape, TensorOptions opts = {});
  static Tensor zeros_like(const Tensor& t, TensorOptions opts = {});
  static Tensor ones_like(const Tensor& t, TensorOptions opts = {});
  static Tensor full_like(const Tensor& t, Scalar value, TensorOptions opts = {});
  static Tensor rand_like(const Tensor& t, TensorOptions opts = {});
  // Seeds the random creators (rand, randn, kaiming_uniform, dropout...) of the calling thread:
  // each thread has its own generator.
  static void manual_seed(uint64_t seed);

  // ---- properties ----
  Shape shape() const;
  int64_t ndim() const;
  int64_t numel() const;
  int64_t size(int64_t dim) const;
  DType dtype() const;
  std::string device() const;
  bool requires_grad() const;
  bool is_realized() const;
  bool defined() const { return impl_ != nullptr; }

  // ---- out ----
  // Computes the value now. A result no gradient can flow through (no live leaf tensor that gets
  // gradients is under it) then keeps only its value, so `x = (x * 0.99f).realize()` in a loop
  // holds one x, not every earlier one; a result that needs its graph for backward() keeps it.
  Tensor& realize();
  const Tensor& realize() const;
  template <typename T>
  std::vector<T> to_vector() const;
  template <typename T>
  T item() const;
  std::string to_string() const;
  Tensor to(const std::string& device) const;
  Tensor cast(DType dtype) const;
  Tensor contiguous() const;
  Tensor detach() const;
  Tensor clone() const;
  Tensor& assign(const Tensor& other);

  // ---- elementwise ----
  Tensor operator-() const;
  Tensor& operator+=(const Tensor& o);
  Tensor& operator-=(const Tensor& o);
  Tensor& operator*=(const Tensor& o);
  Tensor& operator/=(const Tensor& o);
  Tensor& operator+=(Scalar o);
  Tensor& operator-=(Scalar o);
  Tensor& operator*=(Scalar o);
  Tensor& operator/=(Scalar o);
  Tensor add(const Tensor& o) const;
  Tensor sub(const Tensor& o) const;
  Tensor mul(const Tensor& o) const;
  Tensor div(const Tensor& o) const;  // true division: ints give float
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor exp() const;
  Tensor exp2() const;
  Tensor log() const;
  Tensor log2() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tan() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor reciprocal() const;
  Tensor square() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor round() const;  // half to even, as torch
  Tensor trunc() const;
  Tensor clip(Scalar lo, Scalar hi) const;
  Tensor clamp(Scalar lo, Scalar hi) const { return clip(lo, hi); }
  Tensor maximum(const Tensor& o) const;
  Tensor minimum(const Tensor& o) const;
  Tensor maximum(Scalar o) const;
  Tensor minimum(Scalar o) const;
  Tensor where(const Tensor& x, const Tensor& y) const;  // this is the condition
  Tensor where(Scalar x, const Tensor& y) const;
  Tensor where(const Tensor& x, Scalar y) const;
  Tensor where(Scalar x, Scalar y) const;
  Tensor eq(const Tensor& o) const;
  Tensor ne(const Tensor& o) const;
  Tensor lt(const Tensor& o) const;
  Tensor le(const Tensor& o) const;
  Tensor gt(const Tensor& o) const;
  Tensor ge(const Tensor& o) const;
  Tensor logical_not() const;
  Tensor logical_and(const Tensor& o) const;
  Tensor logical_or(const Tensor& o) const;

  // ---- activations ----
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor gelu() const;  // tanh approximation, as tinygrad
  Tensor quick_gelu() const;
  Tensor silu() const;
  Tensor swish() const { return silu(); }
  Tensor leaky_relu(float neg_slope = 0.01f) const;
  Tensor elu(float alpha = 1.0f) const;
  Tensor celu(float alpha = 1.0f) const;
  Tensor softplus(float beta = 1.0f) const;
  Tensor mish() const;
  Tensor relu6() const;
  Tensor hardswish() const;
  Tensor hardsigmoid() const;
  Tensor hardtanh(float min_val = -1.0f, float max_val = 1.0f) const;
  Tensor softmax(int64_t axis = -1) const;
  Tensor log_softmax(int64_t axis = -1) const;
  Tensor logsumexp(int64_t axis, bool keepdim = false) const;
  Tensor logsumexp() const;  // over all axes, shape ()
  // "tanh" (the approximation, what gelu() computes, as tinygrad) or "none" (exact, with erf).
  Tensor gelu(const std::string& approximate) const;
  Tensor erf() const;  // Abramowitz-Stegun 7.1.26 as tinygrad: |error| < 1.5e-7
  Tensor isnan() const;     // bool
  Tensor isinf() const;     // bool: +inf or -inf
  Tensor isfinite() const;  // bool: neither nan nor inf
  Tensor lerp(const Tensor& end, const Tensor& weight) const;  // this + (end - this) * weight
  Tensor lerp(const Tensor& end, Scalar weight) const;
  // value where the bool mask (broadcast to this tensor's shape) is true; keeps this dtype.
  Tensor masked_fill(const Tensor& mask, Scalar value) const;
  Tensor masked_fill(const Tensor& mask, const Tensor& value) const;
  // The lower / upper triangle of the last two dims; diagonal k as PyTorch (k > 0 above the main).
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;

  // ---- reductions ----
  Tensor sum(Axes axes = {}, bool keepdim = false) const;
  Tensor mean(Axes axes = {}, bool keepdim = false) const;
  Tensor max(Axes axes = {}, bool keepdim = false) const;
  Tensor min(Axes axes = {}, bool keepdim = false) const;
  Tensor prod(Axes axes = {}, bool keepdim = false) const;
  Tensor var(Axes axes = {}, bool keepdim = false, double correction = 1) const;
  Tensor std(Axes axes = {}, bool keepdim = false, double correction = 1) const;
  Tensor argmax(std::optional<int64_t> axis = std::nullopt, bool keepdim = false) const;  // int32
  Tensor argmin(std::optional<int64_t> axis = std::nullopt, bool keepdim = false) const;
  Tensor any(Axes axes = {}, bool keepdim = false) const;
  Tensor all(Axes axes = {}, bool keepdim = false) const;
  Tensor cumsum(int64_t axis = 0) const;
  Tensor cumprod(int64_t axis = 0) const;
  Tensor cummax(int64_t axis = 0) const;  // the running maximum's values (not its indices)
  // ---- sorting (core/src/tensor/sort.cpp) ----
  // Along dim, by value: NaN is larger than every number, equal values keep their order
  // (stable). Indices are int32 positions along dim; the values are x gathered at them, so
  // gradients flow to the elements they came from. Ordered on the device (ABI 1.5 sort_rows:
  // the CPU devices order the rows on every thread; topk keeps a heap of the k best per row).
  std::pair<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false) const;  // (values, indices)
  Tensor argsort(int64_t dim = -1, bool descending = false) const;
  // The k largest (or smallest) along dim, in order (sorted=false gives them in order too).
  std::pair<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;
  // num_samples int32 category indices per row of non-negative weights (1-D (n) or 2-D (rows, n),
  // normalized or not), drawn from the Tensor::manual_seed stream. With replacement: each draw
  // inverts the weights' running sum; without: the num_samples smallest of E_i / w_i (E_i
  // exponential), which draws without replacement in proportion to the weights.
  Tensor multinomial(int64_t num_samples = 1, bool replacement = false) const;

  // ---- movement (views) ----
  Tensor reshape(Shape shape) const;  // one dim may be -1
  Tensor view(Shape shape) const { return reshape(std::move(shape)); }
  Tensor permute(std::vector<int64_t> order) const;
  Tensor transpose(int64_t a = 1, int64_t b = 0) const;
  Tensor T() const;
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor unflatten(int64_t dim, Shape sizes) const;
  Tensor squeeze(std::optional<int64_t> dim = std::nullopt) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor expand(Shape shape) const;  // -1 keeps a dim
  // One (before, after) pair per dim; a negative pad cuts, as tinygrad and PyTorch.
  Tensor pad(std::vector<std::pair<int64_t, int64_t>> padding, Scalar value = 0.0f) const;
  // PyTorch's modes, one (before, after) pair per dim: "constant" (with value), "reflect" (the
  // edge not repeated; pads < the dim's size), "replicate" (the edge repeated), "circular"
  // (wraps around; pads <= the dim's size). Negative pads cut, as in PyTorch (circular cuts
  // before it wraps, reflect and replicate after).
  Tensor pad(std::vector<std::pair<int64_t, int64_t>> padding, const std::string& mode, Scalar value = 0.0f) const;
  Tensor pad(std::vector<std::pair<int64_t, int64_t>> padding, const char* mode, Scalar value = 0.0f) const {
    return pad(std::move(padding), std::string(mode), value);
  }
  Tensor shrink(std::vector<std::pair<int64_t, int64_t>> ranges) const;
  Tensor flip(Axes axes) const;
  Tensor repeat(std::vector<int64_t> repeats) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor operator[](int64_t index) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;
  std::vector<Tensor> split(int64_t size, int64_t dim = 0) const;
  std::vector<Tensor> split(std::vector<int64_t> sizes, int64_t dim = 0) const;
  // out[i][j] = x[index[i][j]][j] (dim 0; PyTorch's and tinygrad's gather): index has x's rank
  // and at most x's size in the other dims; an index outside [0, size) reads 0 (tinygrad). A
  // gather (cost grows with the output) on devices with TG_KIR_INDEXED, else a one-hot masked sum.
  Tensor gather(int64_t dim, const Tensor& index) const;
  // The reverse (core/src/tensor/gather.cpp): x with src[i][j] put at row index[i][j] (dim 0).
  // src has x's dtype (else tg::Error, as PyTorch).
  // index has src's rank and at most src's size in every dim (and x's outside dim); indices
  // outside [0, size) write nothing. scatter_add adds; scatter replaces (where an index repeats,
  // the last write along dim wins, as PyTorch on the CPU and tinygrad).
  // scatter_reduce: "sum", "mean" (by scatter-adds), "prod", "amax", "amin" (one-hot masked
  // reductions, cost index x size along dim); include_self: x's value takes part where written.
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                        bool include_self = true) const;
  // libtorch's indexing (core/src/tensor/indexing.cpp): x.index({Slice(1, 3), None, Ellipsis, 0, idx}).
  // Ints, slices, None and Ellipsis give a view (movement ops, no copy); int tensors index as
  // PyTorch's advanced indexing (broadcast together; their dims go where the first one was when
  // they are adjacent, else first). The values of index tensors are read to check their range.
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  // x[indices] = value, in place like assign(); value is a scalar or broadcasts to x.index(indices).
  // With repeated positions in index tensors, the last one's value is written.
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, Scalar value);
  Tensor one_hot(int64_t num_classes) const;

  // ---- linear algebra ----
  Tensor matmul(const Tensor& o) const;
  Tensor dot(const Tensor& o) const { return matmul(o); }
  Tensor linear(const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt) const;

  // ---- nn functional (core/src/tensor/conv.cpp, pool.cpp, norm.cpp, loss.cpp) ----
  // x (N, C_in, H, W), weight (C_out, C_in / groups, kH, kW), bias (C_out): PyTorch's conv2d
  // with PyTorch's positional order. Built from pad, window views, mul and sum (tinygrad's way).
  Tensor conv2d(const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt, IntPair stride = 1,
                IntPair padding = 0, IntPair dilation = 1, int64_t groups = 1) const;
  // Sliding windows over the last two dims: (..., H, W) -> (..., oH, oW, kH, kW).
  Tensor pool2d_windows(IntPair kernel, IntPair stride = 1, IntPair dilation = 1) const;
  // Pooling over the last two dims; stride defaults to the kernel. Padding of max_pool2d is
  // -inf (never the max); avg_pool2d counts the zero padding unless count_include_pad is false.
  // ceil_mode (PyTorch's): the output size rounds up, so a last window may start inside the
  // input or its left padding and run past the end; a window that would start in the right
  // padding is dropped. avg_pool2d then divides by the window's cells inside the input and its
  // padding (count_include_pad) or inside the input alone, never by cells past the padding.
  Tensor max_pool2d(IntPair kernel = 2, std::optional<IntPair> stride = std::nullopt, IntPair padding = 0,
                    IntPair dilation = 1, bool ceil_mode = false) const;
  Tensor avg_pool2d(IntPair kernel = 2, std::optional<IntPair> stride = std::nullopt, IntPair padding = 0,
                    bool count_include_pad = true, bool ceil_mode = false) const;
  // (x - mean) * weight * invstd + bias, with the 1-D parameters along `axis` (tinygrad).
  Tensor batchnorm(const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, const Tensor& mean,
                   const Tensor& invstd, Axes axis = 1) const;
  // (x - mean) / sqrt(var + eps) over axis (biased variance).
  Tensor layernorm(Axes axis = -1, float eps = 1e-5f) const;
  // x / sqrt(mean(x^2 over axis) + eps), as tinygrad's and PyTorch's rms_norm (without weight).
  Tensor rms_norm(Axes axis = -1, float eps = 1e-6f) const;
  // Zeroes each element with probability p and scales the rest by 1 / (1 - p), only while
  // Tensor::training is true; otherwise returns the tensor unchanged.
  Tensor dropout(float p = 0.5f) const;
  // Losses. reduction is "mean", "sum" or "none".
  // Logits (..., C) and integer class targets (...); targets equal to ignore_index add nothing
  // and are not counted in the mean.
  Tensor sparse_categorical_crossentropy(const Tensor& targets, int64_t ignore_index = -1,
                                         float label_smoothing = 0.0f, const std::string& reduction = "mean") const;
  // Logits (N, C, ...) and targets: integer classes (N, ...) or probabilities (N, C, ...).
  Tensor cross_entropy(const Tensor& targets, float label_smoothing = 0.0f,
                       const std::string& reduction = "mean") const;
  // this holds probabilities (binary_crossentropy; logs clamped at -100 as PyTorch) or logits.
  Tensor binary_crossentropy(const Tensor& targets, const std::string& reduction = "mean") const;
  Tensor binary_crossentropy_logits(const Tensor& targets, const std::string& reduction = "mean",
                                    const std::optional<Tensor>& pos_weight = std::nullopt) const;
  Tensor logsigmoid() const;

  // ---- attention, einsum, resampling (attention.cpp, einsum.cpp, resample.cpp, conv_transpose.cpp) ----
  // softmax(this @ key^T * scale + mask) @ value over the last two dims: this (..., L, E), key
  // (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading dims broadcast. attn_mask (broadcast
  // to (..., L, S)): bool (true = attend, as PyTorch) or float (added to the scores). is_causal
  // attends to columns <= row (PyTorch's top-left triangle) and excludes attn_mask. dropout_p
  // drops probabilities only while Tensor::training is true (tinygrad). scale defaults to
  // 1 / sqrt(E). enable_gqa: key and value may have fewer heads (dim -3), each shared by
  // heads / kv_heads query heads. The scores are one GEMM, the softmax one pass over them and
  // one more writing the probabilities, which a second GEMM multiplies by value.
  Tensor scaled_dot_product_attention(const Tensor& key, const Tensor& value,
                                      const std::optional<Tensor>& attn_mask = std::nullopt, float dropout_p = 0.0f,
                                      bool is_causal = false, std::optional<float> scale = std::nullopt,
                                      bool enable_gqa = false) const;
  // x (N, C_in, L), weight (C_out, C_in / groups, K): PyTorch's conv1d, as a conv2d of height 1.
  Tensor conv1d(const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt, int64_t stride = 1,
                int64_t padding = 0, int64_t dilation = 1, int64_t groups = 1) const;
  // x (N, C_in, H, W), weight (C_in, C_out / groups, kH, kW), bias (C_out): PyTorch's
  // conv_transpose2d, arguments in its order; the gradient of conv2d with respect to its input.
  Tensor conv_transpose2d(const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt, IntPair stride = 1,
                          IntPair padding = 0, IntPair output_padding = 0, int64_t groups = 1,
                          IntPair dilation = 1) const;
  // Resizes the last size.size() dims (the first two, batch and channels, are kept) to `size`:
  // "nearest" (PyTorch's: source index floor(i * in / out)), "nearest-exact" (floor((i + 0.5) *
  // in / out)), "linear" (any number of dims, as tinygrad), "bilinear" (2 dims), "trilinear" (3).
  // align_corners (linear modes only) maps the corner pixels' centres onto each other. Integer
  // tensors are interpolated in float32 and rounded back.
  Tensor interpolate(std::vector<int64_t> size, const std::string& mode = "linear", bool align_corners = false) const;
  Tensor interpolate(std::vector<int64_t> size, const char* mode, bool align_corners = false) const {
    return interpolate(std::move(size), std::string(mode), align_corners);
  }
  // Averages over the last two dims into an (h, w) grid, PyTorch's windows: output cell i covers
  // input rows floor(i * H / h) to ceil((i + 1) * H / h).
  Tensor adaptive_avg_pool2d(IntPair output_size) const;

  // ---- the long tail of tinygrad's / PyTorch's Tensor API (math_tail.cpp, movement_tail.cpp,
  // creation_tail.cpp): tinygrad's semantics, then PyTorch's; gradients through float results ----
  static Tensor empty_like(const Tensor& t, TensorOptions opts = {});
  static Tensor randn_like(const Tensor& t, TensorOptions opts = {});
  // A random permutation of 0 .. n-1 (int32 unless opts.dtype), from the Tensor::manual_seed stream.
  static Tensor randperm(int64_t n, TensorOptions opts = {});
  // PyTorch's kaiming_normal_ (fan_in, leaky_relu gain): N(0, gain / sqrt(fan_in)).
  static Tensor kaiming_normal(Shape shape, double a = 0.01, TensorOptions opts = {});
  // tinygrad's scaled_uniform: U(-1, 1) * numel^-0.5.
  static Tensor scaled_uniform(Shape shape, TensorOptions opts = {});
  static Tensor eye(int64_t n, int64_t m, TensorOptions opts = {});  // (n, m), ones on the main diagonal
  // One-sided bounds (tinygrad's clip(None, hi) / clip(lo, None)): x.clip(tg::None, 1.0f).
  Tensor clip(std::nullopt_t, Scalar hi) const;
  Tensor clip(Scalar lo, std::nullopt_t) const;
  Tensor clip(std::nullopt_t, std::nullopt_t) const;  // throws: at least one bound is needed
  Tensor clamp(std::nullopt_t lo, Scalar hi) const { return clip(lo, hi); }
  Tensor clamp(Scalar lo, std::nullopt_t hi) const { return clip(lo, hi); }
  Tensor isinf(bool detect_positive, bool detect_negative) const;
  int64_t nbytes() const;  // numel() * dtype_size(dtype())
  // The same bits read as another dtype; a different element size rescales the last dim (as
  // tinygrad). Realizes this tensor (its value is reinterpreted on the host); no gradient.
  Tensor bitcast(DType dtype) const;
  Tensor log10() const;
  Tensor asin() const;
  Tensor acos() const;
  Tensor atan() const;
  Tensor sinh() const;
  Tensor cosh() const;
  Tensor asinh() const;
  Tensor acosh() const;
  Tensor atanh() const;
  Tensor selu() const;
  Tensor softsign() const;  // x / (1 + |x|)
  Tensor softmin(int64_t axis = -1) const;  // softmax(-x)
  // rounding_mode "trunc" (toward zero) or "floor"; ints stay ints (exact), floats stay floats.
  Tensor div(const Tensor& o, const std::string& rounding_mode) const;
  Tensor div(Scalar o, const std::string& rounding_mode) const;
  Tensor floor_divide(const Tensor& o) const;  // div(o, "floor"), Python's //
  Tensor floor_divide(Scalar o) const;
  Tensor mod(const Tensor& o) const;  // Python's % (the sign of the divisor); also operator%
  Tensor mod(Scalar o) const;
  Tensor fmod(const Tensor& o) const;  // C's fmod (the sign of the dividend)
  Tensor fmod(Scalar o) const;
  // Integer and bool tensors only (a float throws); also the operators & | ^ ~ << >>.
  Tensor bitwise_and(const Tensor& o) const;
  Tensor bitwise_or(const Tensor& o) const;
  Tensor bitwise_xor(const Tensor& o) const;
  Tensor bitwise_not() const;
  Tensor lshift(const Tensor& bits) const;  // integers only
  Tensor rshift(const Tensor& bits) const;  // arithmetic for signed types
  Tensor lshift(Scalar bits) const;
  Tensor rshift(Scalar bits) const;
  Tensor copysign(const Tensor& sign) const;  // |this| with the sign of `sign` (-0 counts as negative)
  Tensor copysign(Scalar sign) const;
  Tensor logaddexp(const Tensor& o) const;  // log(exp(this) + exp(o)), stable
  Tensor logaddexp(Scalar o) const;
  // |this - other| <= atol + rtol * |other| (infinities equal to themselves; NaNs when equal_nan).
  Tensor isclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  Tensor isclose(Scalar other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  // Whether every element isclose (realizes; PyTorch's bool result).
  bool allclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08, bool equal_nan = false) const;
  std::pair<Tensor, Tensor> var_mean(Axes axes = {}, bool keepdim = false, double correction = 1) const;
  std::pair<Tensor, Tensor> std_mean(Axes axes = {}, bool keepdim = false, double correction = 1) const;
  Tensor logcumsumexp(int64_t axis = 0) const;
  Tensor cummin(int64_t axis = 0) const;  // the running minimum's values (not its indices), as cummax
  // Each element `repeats` times in a row along dim (no dim: over the flattened tensor).
  Tensor repeat_interleave(int64_t repeats, std::optional<int64_t> dim = std::nullopt) const;
  // Windows of `size` every `step` along dim: dim becomes (size(dim) - size) / step + 1, size is
  // appended last (PyTorch's Tensor.unfold).
  Tensor unfold(int64_t dim, int64_t size, int64_t step) const;
  // 1-D: the square matrix with it on diagonal k; 2-D: its k-th diagonal (PyTorch's diag).
  Tensor diag(int64_t diagonal = 0) const;
  // The diagonal of dims dim1 and dim2, appended as the last dim (offset > 0 above the main).
  Tensor diagonal(int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1) const;
  // Circular shift; no dims: of the flattened tensor, reshaped back.
  Tensor roll(std::vector<int64_t> shifts, Axes dims = {}) const;
  Tensor roll(int64_t shift, std::optional<int64_t> dim = std::nullopt) const;
  // einops' rearrange, as tinygrad's: "b (h w) c -> b c h w" with sizes {{"h", 4}}; "..." and
  // "1" (a new or removed size-1 dim) allowed. A bad formula is a tg::Error naming the problem.
  Tensor rearrange(const std::string& formula, const std::vector<std::pair<std::string, int64_t>>& sizes = {}) const;
  // Pads with value at the end / shrinks from the start to `shape`; -1 keeps a dim.
  Tensor pad_to(std::vector<int64_t> shape, Scalar value = 0.0f) const;
  Tensor shrink_to(std::vector<int64_t> shape) const;
  // Lp normalization over dim: x / max(||x||_p, eps) (PyTorch's F.normalize).
  Tensor normalize(double p = 2.0, int64_t dim = 1, double eps = 1e-12) const;
  // Log-probabilities (N, C, ...) and int class targets (N, ...): PyTorch's nll_loss, with an
  // optional class weight (C) and ignore_index; "mean" divides by the summed weights.
  Tensor nll_loss(const Tensor& targets, const std::optional<Tensor>& weight = std::nullopt,
                  int64_t ignore_index = -100, const std::string& reduction = "mean") const;
  // max_pool2d's values and, for each, the flat position (h * W + w) of its maximum in the input
  // plane, the first in the window when several tie (PyTorch's max_pool2d_with_indices); int32.
  std::pair<Tensor, Tensor> max_pool2d_with_indices(IntPair kernel = 2, std::optional<IntPair> stride = std::nullopt,
                                                    IntPair padding = 0, IntPair dilation = 1) const;
  // PyTorch's max_unpool2d: x (N, C, H, W) and indices (N, C, H, W), flat positions in each
  // output plane (as PyTorch's max_pool2d(return_indices=True) gives them); output (N, C, oH, oW)
  // with oH = (H - 1) * stride - 2 * padding + kernel unless output_size {oH, oW} is given; every
  // other element 0. Positions out of range add nothing. A comparison per (input, output)
  // element pair: sized for pooling feature maps, not for huge planes.
  Tensor max_unpool2d(const Tensor& indices, IntPair kernel = 2, std::optional<IntPair> stride = std::nullopt,
                      IntPair padding = 0, std::optional<IntPair> output_size = std::nullopt) const;
  // Functional gradients (tinygrad's Tensor.gradient): d this / d target for each target (any
  // float tensor in this graph, not only leaves), as new lazy tensors; grad() is not touched.
  // No seed: this must have one element; with one: a gradient of this tensor's shape.
  std::vector<Tensor> gradient(const std::vector<Tensor>& targets, const std::optional<Tensor>& seed = std::nullopt) const;
  // Householder QR of the last two dims (m, n), as tinygrad's: {Q (m, m), R (m, n)}, A = Q R.
  std::pair<Tensor, Tensor> qr() const;
  // One-sided Jacobi SVD of the last two dims (m, n), as tinygrad's: {U, S, Vh} with A = U diag(S) Vh,
  // S descending; U is (m, m) with full_matrices, else (m, min(m, n)). For small matrices: 4 * min(m, n)
  // Jacobi rounds, each a few small matmuls.
  std::tuple<Tensor, Tensor, Tensor> svd(bool full_matrices = true) const;
  // Moves this handle's value to device in place (every copy of the handle sees it).
  Tensor& to_(const std::string& device);
  // This handle takes x's value (its dtype and device too; shapes must match), as tinygrad's
  // replace; like assign(), without the history that produced x.
  Tensor& replace(const Tensor& x);

  // ---- autograd ----
  // Training mode (dropout, BatchNorm's batch statistics). Per thread: each thread starts with
  // false and sets its own, so a thread evaluating a model does not switch another's to eval.
  static thread_local bool training;
  void backward() const;
  void backward(const Tensor& gradient) const;
  std::optional<Tensor> grad() const;
  void set_grad(std::optional<Tensor> g);
  Tensor& requires_grad_(bool requires = true);

  // Internal: the lazy graph node behind this handle.
  std::shared_ptr<detail::Node> node() const;
  explicit Tensor(std::shared_ptr<detail::Node> node);

 private:
  friend struct detail::TensorAccess;
  template <typename L>
  void from_nested(const L& list, const TensorOptions& opts);
  std::vector<uint8_t> bytes() const;  // realized contents, row-major, of dtype()
  std::shared_ptr<detail::TensorImpl> impl_;
};

// ---- free functions ----
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, Scalar b);
Tensor operator!=(const Tensor& a, Scalar b);
Tensor operator<(const Tensor& a, Scalar b);
Tensor operator<=(const Tensor& a, Scalar b);
Tensor operator>(const Tensor& a, Scalar b);
Tensor operator>=(const Tensor& a, Scalar b);
Tensor operator!(const Tensor& a);  // logical_not
// Python's % // & | ^ ~ << >> (Tensor::mod, bitwise_*, lshift, rshift; the long tail block above).
Tensor operator%(const Tensor& a, const Tensor& b);
Tensor operator%(const Tensor& a, Scalar b);
Tensor operator%(Scalar a, const Tensor& b);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator&(const Tensor& a, Scalar b);
Tensor operator&(Scalar a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, Scalar b);
Tensor operator|(Scalar a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, Scalar b);
Tensor operator^(Scalar a, const Tensor& b);
Tensor operator~(const Tensor& a);
Tensor operator<<(const Tensor& a, const Tensor& b);
Tensor operator<<(const Tensor& a, Scalar b);
Tensor operator>>(const Tensor& a, const Tensor& b);
Tensor operator>>(const Tensor& a, Scalar b);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y);
Tensor where(const Tensor& cond, Scalar x, const Tensor& y);
Tensor where(const Tensor& cond, const Tensor& x, Scalar y);
Tensor where(const Tensor& cond, Scalar x, Scalar y);
Tensor matmul(const Tensor& a, const Tensor& b);
// Realizes several tensors in one schedule (tinygrad's Tensor.realize(*lst)): work they share,
// such as the forward pass under several gradients, runs once.
void realize(std::vector<Tensor>& tensors);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Coordinate grids of 1-D tensors: "ij" (matrix indexing: result dims in argument order) or "xy"
// (Cartesian: the first two dims swapped), as torch.meshgrid.
std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing = "ij");
// Einstein summation as torch.einsum and tinygrad's: "bij,bjk->bik", repeated letters in one
// operand take its diagonal ("ii->i"), "..." stands for broadcast leading dims, and without "->"
// the output is the letters used once, sorted (after "..."). Spaces are ignored. Contractions of
// two operands are one matmul (a GEMM where the device has one); more operands contract left to
// right.
Tensor einsum(const std::string& equation, const std::vector<Tensor>& operands);

// ---- indexing: libtorch's forms (tg::indexing, also in namespace tg) ----
namespace indexing {
// None adds a dim of size 1 (and is std::nullopt, so Slice(None, 3) works as in libtorch).
inline constexpr std::nullopt_t None = std::nullopt;
struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};
// start:stop:step, each part optional; negative and out-of-range values as Python's slices (a
// negative step walks backwards, as tinygrad and numpy).
struct Slice {
  std::optional<int64_t> start, stop, step;
  Slice(std::optional<int64_t> start_ = std::nullopt, std::optional<int64_t> stop_ = std::nullopt,
        std::optional<int64_t> step_ = std::nullopt)
      : start(start_), stop(stop_), step(step_) {}
};
class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}
  TensorIndex(int i) : kind_(Kind::Integer), integer_(i) {}
  TensorIndex(long i) : kind_(Kind::Integer), integer_(i) {}
  TensorIndex(long long i) : kind_(Kind::Integer), integer_(i) {}
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}
  TensorIndex(bool) = delete;  // a bool index would silently become 0 or 1
  template <typename T>
  TensorIndex(T*) = delete;    // as would a pointer (a string)
  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  Slice slice_;
  Tensor tensor_;
};
}  // namespace indexing
using indexing::Ellipsis;
using indexing::None;
using indexing::Slice;
using indexing::TensorIndex;

// Disables graph recording for gradients while alive, on this thread only (other threads are
// unaffected).
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};
bool grad_enabled();

// Sets Tensor::training (dropout, BatchNorm's batch statistics, optimizers) for a scope and
// restores the previous value when the scope ends; per thread like the flag itself:
//   { tg::Training guard(true); loss = model(x)...; }   // training mode here only
class Training {
 public:
  explicit Training(bool mode = true) : previous_(Tensor::training) { Tensor::training = mode; }
  ~Training() { Tensor::training = previous_; }
  Training(const Training&) = delete;
  Training& operator=(const Training&) = delete;

 private:
  bool previous_;
};

// ---- template definitions ----
namespace detail {
// Converts n elements of dtype `from` at src into T at dst.
template <typename T>
void convert_to(const void* src, DType from, int64_t n, T* dst);
}  // namespace detail

namespace detail {
[[noreturn]] void throw_ragged(size_t depth, size_t got, int64_t want);

template <typename T, typename Out>
void flatten_nested(const std::initializer_list<T>& l, std::vector<int64_t>& shape, size_t depth, std::vector<Out>& out) {
  if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(l.size()));
  else if (shape[depth] != static_cast<int64_t>(l.size())) throw_ragged(depth, l.size(), shape[depth]);
  for (const auto& x : l) {
    if constexpr (std::is_arithmetic_v<T>) out.push_back(static_cast<Out>(x));
    else flatten_nested(x, shape, depth + 1, out);
  }
}

template <typename L>
struct ListLeaf { using type = L; };
template <typename T>
struct ListLeaf<std::initializer_list<T>> { using type = typename ListLeaf<T>::type; };
}  // namespace detail

template <typename L>
void Tensor::from_nested(const L& list, const TensorOptions& opts) {
  using Leaf = typename detail::ListLeaf<L>::type;
  std::vector<int64_t> shape;
  if constexpr (std::is_same_v<Leaf, bool>) {
    std::vector<bool> data;
    detail::flatten_nested(list, shape, 0, data);
    *this = Tensor(std::move(data), Shape(shape), opts);
  } else if constexpr (std::is_integral_v<Leaf>) {
    std::vector<int32_t> data;
    detail::flatten_nested(list, shape, 0, data);
    *this = Tensor(std::move(data), Shape(shape), opts);
  } else {
    std::vector<float> data;
    detail::flatten_nested(list, shape, 0, data);
    *this = Tensor(std::move(data), Shape(shape), opts);
  }
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>,
                "to_vector<T>: T must be a number type (use uint8_t for bool tensors)");
  std::vector<uint8_t> raw = bytes();
  std::vector<T> out(static_cast<size_t>(numel()));
  detail::convert_to<T>(raw.data(), dtype(), numel(), out.data());
  return out;
}

template <typename T>
T Tensor::item() const {
  if (numel() != 1)
    throw Error("item(): the tensor has " + std::to_string(numel()) + " elements and shape " +
                shape().to_string() + "; item() needs exactly one (use to_vector() or index it first)");
  return to_vector<T>()[0];
}

}  // namespace tg
