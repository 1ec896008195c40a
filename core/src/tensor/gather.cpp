// Gathers and scatters along one dim: x.gather, x.scatter, x.scatter_add, x.scatter_reduce, and
// the helpers int-tensor indexing and Embedding use (gather.hpp).
#include "tensor/gather.hpp"

#include "graph/build.hpp"
#include "runtime/runtime.hpp"
#include "tensor/ops.hpp"

namespace tg {
namespace detail {

bool indexed_on(const Tensor& t) { return (node_of(t)->device->caps().kir_features & TG_KIR_INDEXED) != 0; }

namespace {

// An index in a dtype a node takes: narrow and bool indices become int32 (so -1 stays -1).
Tensor wide_index(const Tensor& idx) {
  const DType d = idx.dtype();
  return d == DType::int32 || d == DType::int64 ? idx : idx.cast(DType::int32);
}

// (..., m, n): true where idx (moved to the last dim, m) equals position p of n.
Tensor one_hot_hits(const Tensor& idx, int64_t axis, int64_t n) {
  Tensor ar = Tensor::arange(static_cast<double>(n), TensorOptions{DType::int32, idx.device(), false});
  return idx.transpose(axis, -1).unsqueeze(-1) == ar;
}

}  // namespace

Tensor gather_along(const Tensor& table, const Tensor& idx, int64_t axis) {
  Tensor i = wide_index(idx);
  if (indexed_on(table)) return make_result(gather(node_of(table), node_of(i), axis));
  const int64_t n = table.shape()[static_cast<size_t>(axis)];
  Tensor hit = one_hot_hits(i, axis, n);         // (..., m, n)
  Tensor x = table.transpose(axis, -1);          // (..., n)
  return tg::where(hit, x.unsqueeze(-2), 0).sum(-1).cast(table.dtype()).transpose(axis, -1);
}

Tensor scatter_add_along(const Tensor& base, const Tensor& idx, const Tensor& src, int64_t axis) {
  Tensor i = wide_index(idx);
  if (indexed_on(base)) return make_result(scatter_add(node_of(base), node_of(i), node_of(src.cast(base.dtype())), axis));
  const int64_t n = base.shape()[static_cast<size_t>(axis)];
  Tensor hit = one_hot_hits(i, axis, n);                    // (..., m, n)
  Tensor v = src.cast(base.dtype()).transpose(axis, -1);    // (..., m)
  Tensor added = tg::where(hit, v.unsqueeze(-1), 0).sum(-2).cast(base.dtype());  // (..., n)
  return base + added.transpose(axis, -1);
}

Tensor take_rows(const Tensor& table, const Tensor& rows) {
  const int64_t nb = rows.numel(), r = table.shape()[1];
  return gather_along(table, rows.reshape({nb, 1}).expand({nb, r}), 0);
}

}  // namespace detail

namespace {

using detail::Dims;

// The checks and shapes PyTorch's scatter family shares: index has x's and src's rank, fits in
// src everywhere and in x outside dim. Returns dim normalized; idx and val become x's shape but
// along dim (the index's size there): val is src cut to the index's shape, and where the index
// is smaller than x outside dim both are padded, the index with -1 (outside: writes nothing).
int64_t prepare_scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const char* what,
                        Tensor* idx, Tensor* val) {
  const int64_t d = detail::norm_axis(dim, x.ndim(), x.shape().dims(), what);
  if (is_float(index.dtype()) || index.dtype() == DType::bool_)
    throw Error(std::string(what) + ": index must be an integer tensor, got " + dtype_name(index.dtype()));
  if (index.ndim() != x.ndim() || src.ndim() != x.ndim())
    throw Error(std::string(what) + ": the tensor " + x.shape().to_string() + ", index " + index.shape().to_string() +
                " and src " + src.shape().to_string() + " must have the same number of dims");
  // As PyTorch and tinygrad: a src of another dtype is refused, not cast (which could round it).
  if (src.dtype() != x.dtype())
    throw Error(std::string(what) + ": src is " + dtype_name(src.dtype()) + " but the tensor is " +
                dtype_name(x.dtype()) + "; cast src to the tensor's dtype first");
  std::vector<std::pair<int64_t, int64_t>> cut, pads;
  for (int64_t k = 0; k < x.ndim(); k++) {
    const auto u = static_cast<size_t>(k);
    const int64_t want = index.shape()[u];
    if (want > src.shape()[u] || (k != d && want > x.shape()[u]))
      throw Error(std::string(what) + ": index shape " + index.shape().to_string() + " exceeds src " +
                  src.shape().to_string() + " or the tensor " + x.shape().to_string() + " in dim " + std::to_string(k) +
                  " (it may exceed the tensor only in dim " + std::to_string(d) + ")");
    cut.push_back({0, want});
    pads.push_back({0, k == d ? 0 : x.shape()[u] - want});
  }
  Tensor i = index.dtype() == DType::int64 ? index : index.cast(DType::int32);
  *val = src.shrink(cut);
  *idx = i;
  bool padded = false;
  for (auto& p : pads) padded |= p.second != 0;
  if (padded) {
    *idx = (i + 1).pad(pads) - 1;
    *val = val->pad(pads);
  }
  return d;
}

Tensor zeros_as(const Tensor& t, DType dt) { return Tensor(detail::const_like(detail::node_of(t), 0, dt)); }
Tensor ones_as(const Tensor& t, DType dt) { return Tensor(detail::const_like(detail::node_of(t), 1, dt)); }

// sum / count (count > 0), in x's dtype: integers divide with floor, as PyTorch's "mean".
Tensor divide_in(const Tensor& sum, const Tensor& count, DType dt) {
  if (is_float(dt)) return sum / count.cast(dt);
  return (sum.cast(DType::float64) / count.cast(DType::float64)).floor().cast(dt);
}

}  // namespace

Tensor Tensor::gather(int64_t dim, const Tensor& index) const {
  const int64_t d = detail::norm_axis(dim, ndim(), shape().dims(), "gather");
  if (index.ndim() != ndim())
    throw Error("gather: index has " + std::to_string(index.ndim()) + " dims but the tensor has " +
                std::to_string(ndim()) + "; they must match");
  if (is_float(index.dtype())) throw Error("gather: index must be an integer tensor, got " + std::string(dtype_name(index.dtype())));
  if (ndim() == 0) return reshape({1}).gather(0, index.reshape({1})).reshape({});  // as PyTorch: x[index]
  std::vector<std::pair<int64_t, int64_t>> r;
  for (int64_t i = 0; i < ndim(); i++) {
    int64_t want = index.shape()[static_cast<size_t>(i)], have = shape()[static_cast<size_t>(i)];
    if (i != d && want > have)
      throw Error("gather: index shape " + index.shape().to_string() + " exceeds the tensor's " + shape().to_string() +
                  " in dim " + std::to_string(i));
    r.push_back({0, i == d ? have : want});
  }
  return detail::gather_along(shrink(r), index, d);
}

Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  Tensor idx, val;
  const int64_t d = prepare_scatter(*this, dim, index, src, "scatter_add", &idx, &val);
  return detail::scatter_add_along(*this, idx, val, d);
}

Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  Tensor idx, val;
  const int64_t d = prepare_scatter(*this, dim, index, src, "scatter", &idx, &val);
  const int64_t m = idx.shape()[static_cast<size_t>(d)];
  if (m == 0) return *this;
  // Where an index repeats, the last write along dim wins, as in PyTorch (on the CPU), tinygrad
  // and index_put_: the highest position along dim that writes each element (-1: none does),
  // then src read at that position.
  Shape along(std::vector<int64_t>(static_cast<size_t>(ndim()), 1));
  along[static_cast<size_t>(d)] = m;
  Tensor pos = Tensor::arange(static_cast<double>(m), TensorOptions{DType::int32, device(), false})
                   .reshape(along)
                   .expand(idx.shape());
  Tensor last = (zeros_as(*this, DType::int32) - 1).scatter_reduce(d, idx, pos, "amax");
  return tg::where(last >= 0, val.gather(d, last.maximum(0)), *this);
}

Tensor Tensor::scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                              bool include_self) const {
  if (reduce != "sum" && reduce != "mean" && reduce != "prod" && reduce != "amax" && reduce != "amin")
    throw Error("scatter_reduce: reduce is \"" + reduce + "\"; use \"sum\", \"mean\", \"prod\", \"amax\" or \"amin\"");
  Tensor idx, val;
  const int64_t d = prepare_scatter(*this, dim, index, src, "scatter_reduce", &idx, &val);
  Tensor count = detail::scatter_add_along(zeros_as(*this, DType::int32), idx, ones_as(idx, DType::int32), d);
  Tensor touched = count > 0;
  if (reduce == "sum" || reduce == "mean") {
    Tensor base = include_self ? *this : tg::where(touched, zeros_as(*this, dtype()), *this);
    Tensor sum = detail::scatter_add_along(base, idx, val, d);
    if (reduce == "sum") return sum;
    Tensor n = include_self ? count + 1 : count.maximum(1);
    return tg::where(touched, divide_in(sum, n, dtype()), *this);
  }
  // prod, amax, amin: one-hot masked reductions over the index's dim (..., m, n). Masked-out
  // entries are the reduction's neutral value: 1, or for amax (amin) the smallest (largest)
  // value of src in that row, which no written value is below (above).
  const int64_t n = shape()[static_cast<size_t>(d)];
  Tensor ar = Tensor::arange(static_cast<double>(n), TensorOptions{DType::int32, device(), false});
  Tensor hit = idx.transpose(d, -1).unsqueeze(-1) == ar;  // (..., m, n)
  Tensor v = val.transpose(d, -1);                        // (..., m)
  Tensor x = transpose(d, -1);                            // (..., n)
  Tensor red;
  if (reduce == "prod") {
    red = tg::where(hit, v.unsqueeze(-1), ones_as(v, dtype()).unsqueeze(-1)).prod(-2).cast(dtype());
    if (include_self) red = red * x;
  } else {
    const bool max = reduce == "amax";
    Tensor fill = (max ? v.min(-1, true) : v.max(-1, true)).unsqueeze(-1);  // (..., 1, 1)
    Tensor masked = tg::where(hit, v.unsqueeze(-1), fill);                  // (..., m, n)
    red = max ? masked.max(-2) : masked.min(-2);
    if (include_self) red = max ? red.maximum(x) : red.minimum(x);
  }
  return tg::where(touched, red.transpose(d, -1), *this);
}

}  // namespace tg
