// Sorting: sort, argsort, topk and multinomial. One graph op orders: ARGSORT (node.hpp), the
// first k positions of each last-dim row in sort-order, run by the device's sort_rows (ABI 1.5;
// on the host for a plugin without it). Values are the tensor gathered at those positions, so
// their gradient is the gather's (a scatter-add back to where each value came from).
#include <string>

#include "graph/build.hpp"
#include "tensor/gather.hpp"
#include "tensor/impl.hpp"
#include "tensor/ops.hpp"
#include "tg/tensor.hpp"

namespace tg {
namespace {

using detail::Dims;

// The positions (int32) of the first k of x's values along dim d (normalized) in sort-order.
Tensor first_positions(const Tensor& x, int64_t d, int64_t k, bool descending) {
  Tensor rows = x.transpose(d, -1);  // the sorted dim last: sort_rows orders contiguous rows
  if (k == 0 || rows.numel() == 0) {
    Dims shape = rows.shape().dims();
    shape.back() = k;
    return Tensor::zeros(Shape(shape), TensorOptions{DType::int32, x.device(), false}).transpose(d, -1);
  }
  if (rows.shape().dims().back() > INT32_MAX)
    throw Error("sort: " + std::to_string(rows.shape().dims().back()) +
                " values along one dim; int32 positions reach 2^31 - 1");
  return detail::make_result(detail::argsort_rows(detail::node_of(rows), k, descending)).transpose(d, -1);
}

// x as at least 1-D (a 0-d tensor sorts as one value), and dim normalized against that.
int64_t sort_dim(const Tensor& x, int64_t dim, const char* what) {
  const int64_t nd = std::max<int64_t>(x.ndim(), 1);
  if (x.ndim() == 0 && (dim == 0 || dim == -1)) return 0;
  return detail::norm_axis(dim, nd, x.shape().dims(), what);
}

Tensor at_least_1d(const Tensor& x) { return x.ndim() == 0 ? x.reshape({1}) : x; }

std::pair<Tensor, Tensor> values_and_positions(const Tensor& x, int64_t dim, int64_t k, bool descending) {
  Tensor v = at_least_1d(x);
  Tensor idx = first_positions(v, dim, k, descending);
  Tensor values = v.gather(dim, idx);
  if (x.ndim() == 0) return {values.reshape({}), idx.reshape({})};
  return {values, idx};
}

}  // namespace

std::pair<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const {
  const int64_t d = sort_dim(*this, dim, "sort");
  const int64_t n = ndim() == 0 ? 1 : shape()[static_cast<size_t>(d)];
  return values_and_positions(*this, d, n, descending);
}

Tensor Tensor::argsort(int64_t dim, bool descending) const {
  const int64_t d = sort_dim(*this, dim, "argsort");
  Tensor v = at_least_1d(*this);
  Tensor idx = first_positions(v, d, v.shape()[static_cast<size_t>(d)], descending);
  return ndim() == 0 ? idx.reshape({}) : idx;
}

std::pair<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  (void)sorted;  // always in order: a heap's k best come out sorted at no extra cost
  const int64_t d = sort_dim(*this, dim, "topk");
  const int64_t n = ndim() == 0 ? 1 : shape()[static_cast<size_t>(d)];
  if (k < 0 || k > n)
    throw Error("topk: k is " + std::to_string(k) + " but dim " + std::to_string(d) + " of " + shape().to_string() +
                " has " + std::to_string(n) + " values; k must be in [0, " + std::to_string(n) + "]");
  return values_and_positions(*this, d, k, largest);
}

Tensor Tensor::multinomial(int64_t num_samples, bool replacement) const {
  if (ndim() != 1 && ndim() != 2)
    throw Error("multinomial: needs weights of shape (n) or (rows, n), got " + shape().to_string());
  if (!is_float(dtype()))
    throw Error(std::string("multinomial: needs float weights, got ") + dtype_name(dtype()) + "; cast them first");
  const int64_t n = shape().dims().back();
  if (n == 0) throw Error("multinomial: the weights have no categories (shape " + shape().to_string() + ")");
  if (num_samples < 1) throw Error("multinomial: num_samples must be >= 1, got " + std::to_string(num_samples));
  if (!replacement && num_samples > n)
    throw Error("multinomial: cannot draw " + std::to_string(num_samples) + " samples without replacement from " +
                std::to_string(n) + " categories; pass replacement=true or fewer samples");
  Tensor w = (ndim() == 1 ? reshape({1, n}) : *this).detach().cast(DType::float32);
  w.realize();  // once: the checks and the draws below both read it
  const int64_t rows = w.shape()[0];
  // PyTorch's checks, on the values, in one readback: bit 0 a bad weight, bit 1 an empty row.
  Tensor total = w.sum(1);
  const int32_t bad = (((w < 0) | w.isnan() | w.isinf()).any().cast(DType::int32) +
                       (total <= 0).any().cast(DType::int32) * 2)
                          .item<int32_t>();
  if (bad & 1) throw Error("multinomial: the weights must be finite and non-negative");
  if (bad & 2) throw Error("multinomial: every row of weights must have a positive sum");
  const TensorOptions f32{DType::float32, device(), false};
  Tensor out;
  if (replacement) {
    // Each draw u in [0, total) picks the first category whose running sum passes u.
    Tensor cdf = w.cumsum(1);                                                   // (rows, n)
    Tensor u = Tensor::rand({rows, num_samples}, f32) * total.reshape({rows, 1});  // (rows, s)
    Tensor passed = (cdf.reshape({rows, 1, n}) <= u.reshape({rows, num_samples, 1})).cast(DType::int32).sum(2);
    out = passed.minimum(n - 1).cast(DType::int32);  // (rounding at the top edge stays in range)
  } else {
    // Exponential races: E_i / w_i with E_i ~ Exp(1); the smallest num_samples win, in the
    // order of a draw without replacement proportional to w (a zero weight never wins).
    Tensor e = -(1.0f - Tensor::rand({rows, n}, f32)).log();
    out = first_positions(e / w, 1, num_samples, false);
  }
  return ndim() == 1 ? out.reshape({num_samples}) : out;
}

}  // namespace tg
