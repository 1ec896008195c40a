// libtorch's indexing: x.index({...}) and x.index_put_({...}, value).
//
// Ints, slices, None and Ellipsis are a view of x (slice, flip, squeeze, unsqueeze: no copy).
// Int tensors (advanced indexing) then pick positions of that view: their values are read on the
// host (to check their range and build one linear position per result element), and the pick is a
// gather of those positions on a device that takes one (TG_KIR_INDEXED), else a masked sum. index_put_ runs the same steps backwards: the value is scattered into
// the view's layout, then padded out to x's shape along with a mask of the written elements.
#include <algorithm>
#include <numeric>
#include <sstream>

#include "tensor/gather.hpp"
#include "tensor/ops.hpp"

namespace tg {
namespace {

using detail::Dims;
using indexing::TensorIndex;
using Kind = TensorIndex::Kind;

std::string render(const std::vector<TensorIndex>& indices) {
  std::ostringstream os;
  os << "{";
  for (size_t i = 0; i < indices.size(); i++) {
    const TensorIndex& t = indices[i];
    if (i) os << ", ";
    switch (t.kind()) {
      case Kind::None: os << "None"; break;
      case Kind::Ellipsis: os << "Ellipsis"; break;
      case Kind::Integer: os << t.integer(); break;
      case Kind::Slice: {
        auto part = [&](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("None"); };
        os << "Slice(" << part(t.slice().start) << ", " << part(t.slice().stop) << ", " << part(t.slice().step) << ")";
        break;
      }
      case Kind::Tensor:
        os << "Tensor(" << t.tensor().shape().to_string() << ", " << dtype_name(t.tensor().dtype()) << ")";
        break;
    }
  }
  os << "}";
  return os.str();
}

// What one index does to one dim of x: keep it whole, take one position (dropping the dim), take
// a progression start, start + step, ... (count of them), or leave it to an index tensor.
struct DimStep {
  enum class What { Int, Range, Tensor } what;
  int64_t start = 0, step = 1, count = 0;
  Tensor tensor;
};

// The parsed index: per dim of x what happens, and where the None dims go in the view.
struct Plan {
  std::vector<DimStep> dims;    // one per dim of x
  std::vector<bool> view_none;  // per dim of the basic view: true for a None dim
  std::vector<int64_t> view_dim;  // per dim of the basic view: its dim of x (-1 for None)
};

Plan parse(const Tensor& x, const std::vector<TensorIndex>& indices, const char* what) {
  const Dims shape = x.shape().dims();
  const int64_t nd = static_cast<int64_t>(shape.size());
  int64_t consumers = 0, ellipses = 0;
  for (const TensorIndex& t : indices) {
    if (t.kind() == Kind::Ellipsis) ellipses++;
    else if (t.kind() != Kind::None) consumers++;
  }
  if (ellipses > 1)
    throw Error(std::string(what) + ": index " + render(indices) + " has " + std::to_string(ellipses) +
                " Ellipsis; at most one is allowed");
  if (consumers > nd)
    throw Error(std::string(what) + ": too many indices: " + render(indices) + " indexes " + std::to_string(consumers) +
                " dims, but the tensor has shape " + x.shape().to_string() + " (" + std::to_string(nd) + " dims)");
  Plan p;
  int64_t d = 0;
  auto whole = [&] {
    DimStep s{DimStep::What::Range, 0, 1, shape[static_cast<size_t>(d)], Tensor()};
    p.dims.push_back(s);
    p.view_none.push_back(false);
    p.view_dim.push_back(d);
    d++;
  };
  for (const TensorIndex& t : indices) {
    switch (t.kind()) {
      case Kind::None:
        p.view_none.push_back(true);
        p.view_dim.push_back(-1);
        break;
      case Kind::Ellipsis:
        for (int64_t k = 0; k < nd - consumers; k++) whole();
        break;
      case Kind::Integer: {
        int64_t n = shape[static_cast<size_t>(d)], i = t.integer();
        if (i < -n || i >= n)
          throw Error(std::string(what) + ": index " + std::to_string(i) + " (in " + render(indices) +
                      ") is out of range for dim " + std::to_string(d) + " of size " + std::to_string(n) +
                      " (shape " + x.shape().to_string() + "); use an index in [" + std::to_string(-n) + ", " +
                      std::to_string(n - 1) + "]");
        p.dims.push_back(DimStep{DimStep::What::Int, i < 0 ? i + n : i, 1, 1, Tensor()});
        d++;
        break;
      }
      case Kind::Slice: {
        const indexing::Slice& s = t.slice();
        int64_t n = shape[static_cast<size_t>(d)], step = s.step.value_or(1);
        if (step == 0)
          throw Error(std::string(what) + ": slice step cannot be zero (in " + render(indices) + ")");
        // Python's slice.indices(n).
        int64_t lower = step > 0 ? 0 : -1, upper = step > 0 ? n : n - 1;
        auto bound = [&](const std::optional<int64_t>& v, int64_t dflt) {
          if (!v) return dflt;
          return *v < 0 ? std::max(*v + n, lower) : std::min(*v, upper);
        };
        int64_t start = bound(s.start, step > 0 ? lower : upper), stop = bound(s.stop, step > 0 ? upper : lower);
        int64_t count = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                                 : (start > stop ? (start - stop - step - 1) / -step : 0);
        p.dims.push_back(DimStep{DimStep::What::Range, count ? start : 0, step, count, Tensor()});
        p.view_none.push_back(false);
        p.view_dim.push_back(d);
        d++;
        break;
      }
      case Kind::Tensor: {
        const Tensor& idx = t.tensor();
        if (!idx.defined()) throw Error(std::string(what) + ": an index tensor is empty (undefined) in " + render(indices));
        if (idx.dtype() == DType::bool_)
          throw Error(std::string(what) + ": a bool tensor index (in " + render(indices) +
                      ") selects a data-dependent number of elements, which tg's static shapes cannot hold; use "
                      "x.masked_fill(mask, value) or tg::where(mask, x, y) instead");
        if (is_float(idx.dtype()))
          throw Error(std::string(what) + ": index tensors must be integer tensors, got " + dtype_name(idx.dtype()) +
                      " (in " + render(indices) + "); cast it with .cast(tg::DType::int32)");
        p.dims.push_back(DimStep{DimStep::What::Tensor, 0, 1, shape[static_cast<size_t>(d)], idx});
        p.view_none.push_back(false);
        p.view_dim.push_back(d);
        d++;
        break;
      }
    }
  }
  while (d < nd) whole();
  return p;
}

// Takes start, start + step, ... (count of them) along dim of v.
Tensor take_range(const Tensor& v, int64_t dim, int64_t start, int64_t step, int64_t count) {
  if (count == 0) return v.slice(dim, 0, 0);
  if (step > 0) return v.slice(dim, start, start + (count - 1) * step + 1, step);
  int64_t last = start + (count - 1) * step;
  return v.slice(dim, last, start + 1, -step).flip(dim);
}

// The basic view: ints, slices and None applied; tensor-indexed dims kept whole.
Tensor basic_view(const Tensor& x, const Plan& p) {
  Tensor v = x;
  int64_t at = 0;  // the current dim of v
  size_t vi = 0;   // the next dim of the view
  for (size_t d = 0; d < p.dims.size(); d++) {
    while (vi < p.view_none.size() && p.view_none[vi]) {  // None dims before this dim of x
      v = v.unsqueeze(at++);
      vi++;
    }
    const DimStep& s = p.dims[d];
    if (s.what == DimStep::What::Int) {
      v = v.slice(at, s.start, s.start + 1).squeeze(at);
      continue;
    }
    if (s.what == DimStep::What::Range) v = take_range(v, at, s.start, s.step, s.count);
    at++;
    vi++;
  }
  while (vi < p.view_none.size()) {  // trailing None dims
    v = v.unsqueeze(at++);
    vi++;
  }
  return v;
}

// The advanced part: the dims of the view that index tensors select, their broadcast shape, and
// for every element of that shape the linear position over those dims (read on the host).
struct Advanced {
  Dims view_dims;       // positions in the basic view, ascending
  Dims shape;           // the index tensors broadcast together
  bool adjacent = true; // the indexed dims are next to each other (result dims go there)
  int64_t positions = 1;  // product of the indexed dims' sizes
  std::vector<int64_t> linear;  // one per element of shape
};

std::optional<Advanced> advanced_of(const Tensor& v, const Plan& p, const std::vector<TensorIndex>& indices,
                                    const char* what) {
  Advanced a;
  std::vector<Tensor> idx;
  size_t vi = 0;
  for (size_t d = 0; d < p.dims.size(); d++) {
    if (p.dims[d].what == DimStep::What::Int) continue;
    while (p.view_none[vi]) vi++;
    if (p.dims[d].what == DimStep::What::Tensor) {
      a.view_dims.push_back(static_cast<int64_t>(vi));
      idx.push_back(p.dims[d].tensor);
    }
    vi++;
  }
  if (idx.empty()) return std::nullopt;
  for (size_t k = 1; k < a.view_dims.size(); k++) a.adjacent = a.adjacent && a.view_dims[k] == a.view_dims[k - 1] + 1;
  // Broadcast the index tensors' shapes (numpy rules).
  size_t rank = 0;
  for (const Tensor& t : idx) rank = std::max(rank, static_cast<size_t>(t.ndim()));
  a.shape.assign(rank, 1);
  for (const Tensor& t : idx) {
    Dims s = t.shape().dims();
    for (size_t i = 0; i < s.size(); i++) {
      int64_t& o = a.shape[rank - s.size() + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o != 1) {
        std::string shapes;
        for (const Tensor& u : idx) shapes += (shapes.empty() ? "" : ", ") + u.shape().to_string();
        throw Error(std::string(what) + ": the index tensors' shapes " + shapes + " (in " + render(indices) +
                    ") cannot be broadcast together");
      }
      o = s[i];
    }
  }
  const Dims vs = v.shape().dims();
  for (int64_t d : a.view_dims) a.positions *= vs[static_cast<size_t>(d)];
  int64_t total = std::accumulate(a.shape.begin(), a.shape.end(), int64_t{1}, std::multiplies<>());
  a.linear.assign(static_cast<size_t>(total), 0);
  int64_t stride = 1;
  for (size_t k = idx.size(); k-- > 0;) {
    const int64_t n = vs[static_cast<size_t>(a.view_dims[k])];
    std::vector<int64_t> vals = idx[k].to_vector<int64_t>();
    Dims s = idx[k].shape().dims();
    // The element of idx[k] each broadcast element reads: strides of idx[k] padded to rank, 0 where broadcast.
    Dims st(rank, 0);
    int64_t acc = 1;
    for (size_t i = s.size(); i-- > 0;) {
      st[rank - s.size() + i] = s[i] == 1 ? 0 : acc;
      acc *= s[i];
    }
    for (int64_t e = 0; e < total; e++) {
      int64_t rem = e, src = 0;
      for (size_t i = rank; i-- > 0;) {
        src += (rem % a.shape[i]) * st[i];
        rem /= a.shape[i];
      }
      int64_t val = vals[static_cast<size_t>(src)];
      if (val < -n || val >= n)
        throw Error(std::string(what) + ": index " + std::to_string(val) + " (element " + std::to_string(src) +
                    " of the index tensor of shape " + idx[k].shape().to_string() + " in " + render(indices) +
                    ") is out of range for a dim of size " + std::to_string(n) + " (tensor shape " +
                    "after basic indexing " + v.shape().to_string() + ")");
      a.linear[static_cast<size_t>(e)] += (val < 0 ? val + n : val) * stride;
    }
    stride *= n;
  }
  return a;
}

// v with the advanced dims first, flattened into one, and the other dims flattened into a second:
// (P, R), so the masked sums below have at most 3 dims however many v has (the core computes up to
// 8). `order` is the permutation used, `rest` the other dims' sizes.
Tensor advanced_first(const Tensor& v, const Advanced& a, std::vector<int64_t>& order, Dims& rest) {
  order.assign(a.view_dims.begin(), a.view_dims.end());
  rest.clear();
  for (int64_t d = 0; d < v.ndim(); d++)
    if (std::find(a.view_dims.begin(), a.view_dims.end(), d) == a.view_dims.end()) {
      order.push_back(d);
      rest.push_back(v.shape()[static_cast<size_t>(d)]);
    }
  int64_t r = std::accumulate(rest.begin(), rest.end(), int64_t{1}, std::multiplies<>());
  return v.permute(order).reshape({a.positions, r});
}

// (NB, P): true where the linear position of broadcast element b (of NB, the index shape
// flattened) is p.
Tensor hits(const Tensor& v, const Advanced& a) {
  TensorOptions o{DType::int32, v.device(), false};
  std::vector<int32_t> lin(a.linear.begin(), a.linear.end());
  Tensor linear(lin, Shape({static_cast<int64_t>(lin.size()), 1}), o);
  return linear == Tensor::arange(static_cast<double>(a.positions), o).reshape({1, a.positions});
}

// Linear positions as an index tensor on v's device: int32 where they fit, else int64.
Tensor positions(const Tensor& v, const std::vector<int64_t>& linear) {
  const bool narrow = std::all_of(linear.begin(), linear.end(), [](int64_t p) { return p <= INT32_MAX; });
  const Shape s({static_cast<int64_t>(linear.size())});
  if (!narrow) return Tensor(linear, s, TensorOptions{DType::int64, v.device(), false});
  std::vector<int32_t> lin(linear.begin(), linear.end());
  return Tensor(lin, s, TensorOptions{DType::int32, v.device(), false});
}

// The placement rule: the broadcast dims go where the first indexed dim was when the indexed dims
// are adjacent, else first. The result is laid out (pre..., B..., post...) with pre the `before`
// leading dims of rest (none when the broadcast dims go first).
int64_t dims_before(const Advanced& a) { return a.adjacent ? a.view_dims[0] : 0; }

// picked (NB, R) to the result's shape. The swap of pre and B happens on 3 dims (pre, NB, post
// each flattened), so results of more dims than the core computes still come out as a view.
Tensor to_result(const Tensor& picked, const Advanced& a, const Dims& rest) {
  const int64_t before = dims_before(a), nb = picked.shape()[0];
  const int64_t pre = std::accumulate(rest.begin(), rest.begin() + before, int64_t{1}, std::multiplies<>());
  const int64_t post = picked.shape()[1] / std::max<int64_t>(pre, 1);
  Dims out(rest.begin(), rest.begin() + before);
  out.insert(out.end(), a.shape.begin(), a.shape.end());
  out.insert(out.end(), rest.begin() + before, rest.end());
  // contiguous(): the result is then a reshape of a buffer, which any number of dims can view;
  // a permuted view reshaped to more than 8 dims would need a kernel of that many.
  Tensor t = before ? picked.reshape({nb, pre, post}).permute({1, 0, 2}).contiguous() : picked;
  // The same for a gather's (NB, R) result when the shape has more dims than a kernel takes: the
  // gather is not fused into its consumers then, but the result is a view of its buffer.
  constexpr size_t kMaxDims = 8;  // TG_KIR_MAX_DIMS
  if (!before && out.size() > kMaxDims) t = t.contiguous();
  return t.reshape(Shape(out));
}

// The inverse: a value of the result's shape to (NB, 1, R).
Tensor from_result(const Tensor& val, const Advanced& a, const Dims& rest) {
  const int64_t before = dims_before(a), nb = static_cast<int64_t>(a.linear.size());
  const int64_t pre = std::accumulate(rest.begin(), rest.begin() + before, int64_t{1}, std::multiplies<>());
  const int64_t r = std::accumulate(rest.begin(), rest.end(), int64_t{1}, std::multiplies<>());
  if (!before) return val.reshape({nb, 1, r});
  return val.reshape({pre, nb, r / std::max<int64_t>(pre, 1)}).permute({1, 0, 2}).reshape({nb, 1, r});
}

Tensor zero_like(const Tensor& t) { return Tensor(detail::const_like(detail::node_of(t), 0, t.dtype())); }

}  // namespace

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const {
  Plan p = parse(*this, indices, "index");
  Tensor v = basic_view(*this, p);
  std::optional<Advanced> a = advanced_of(v, p, indices, "index");
  if (!a) return v;
  std::vector<int64_t> order;
  Dims rest;
  Tensor flat = advanced_first(v, *a, order, rest);  // (P, R)
  if (detail::indexed_on(flat)) return to_result(detail::take_rows(flat, positions(v, a->linear)), *a, rest);
  Tensor hit = hits(v, *a).unsqueeze(-1);            // (NB, P, 1)
  Tensor src = flat.unsqueeze(0);                    // (1, P, R)
  Tensor picked = tg::where(hit, src, zero_like(src)).sum(1).cast(dtype());  // (NB, R)
  return to_result(picked, *a, rest);
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, Scalar value) {
  const auto& n = detail::node_of(*this);
  return index_put_(indices, Tensor(detail::const_node(value.value, n->dtype, n->device)));
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  Plan p = parse(*this, indices, "index_put_");
  Tensor v = basic_view(*this, p);
  std::optional<Advanced> a = advanced_of(v, p, indices, "index_put_");
  Shape result_shape = index(indices).shape();
  Tensor val = value.cast(dtype());
  {
    bool fits = val.ndim() <= static_cast<int64_t>(result_shape.size());
    for (int64_t i = 1; fits && i <= val.ndim(); i++) {
      int64_t have = val.shape()[static_cast<size_t>(val.ndim() - i)];
      fits = have == 1 || have == result_shape[result_shape.size() - static_cast<size_t>(i)];
    }
    if (!fits)
      throw Error("index_put_: the value's shape " + value.shape().to_string() + " does not broadcast to the shape " +
                  result_shape.to_string() + " that " + render(indices) + " selects of a tensor of shape " +
                  shape().to_string());
  }
  val = val.expand(result_shape);
  // The new contents of the basic view.
  Tensor nv = val;
  if (a) {
    std::vector<int64_t> order;
    Dims rest;
    Tensor flat = advanced_first(v, *a, order, rest);  // (P, R)
    int64_t nb = static_cast<int64_t>(a->linear.size());
    Tensor vb = from_result(val, *a, rest);  // (NB, 1, R)
    // Of repeated positions, the last one's value is written: keep[b] is false for earlier ones.
    std::vector<bool> keep(a->linear.size(), true);
    {
      std::vector<bool> seen(static_cast<size_t>(a->positions), false);
      for (size_t e = a->linear.size(); e-- > 0;) {
        size_t at = static_cast<size_t>(a->linear[e]);
        keep[e] = !seen[at];
        seen[at] = true;
      }
    }
    Tensor merged;
    if (detail::indexed_on(flat)) {
      // A scatter-add of the kept values (an earlier repeat's position is -1: it adds nothing)
      // into zeros, and the positions written, known here, pick it over the old contents.
      const int64_t r = flat.shape()[1];
      std::vector<int64_t> kept(a->linear.size());
      std::vector<bool> written(static_cast<size_t>(a->positions), false);
      for (size_t e = 0; e < kept.size(); e++) {
        kept[e] = keep[e] ? a->linear[e] : -1;
        written[static_cast<size_t>(a->linear[e])] = true;
      }
      Tensor rows = positions(v, kept).reshape({nb, 1}).expand({nb, r});
      Tensor scattered = detail::scatter_add_along(zero_like(flat), rows, vb.reshape({nb, r}), 0);  // (P, R)
      merged = tg::where(Tensor(written, Shape({a->positions, 1}), TensorOptions{DType::bool_, device(), false}),
                         scattered, flat);
    } else {
      Tensor hit = hits(v, *a).logical_and(Tensor(keep, Shape({nb, 1}), TensorOptions{DType::bool_, device(), false}));
      Tensor h = hit.unsqueeze(-1);                                                // (NB, P, 1)
      Tensor scattered = tg::where(h, vb, zero_like(vb)).sum(0).cast(dtype());    // (P, R)
      Tensor written = hit.any(0).unsqueeze(-1);                                   // (P, 1)
      merged = tg::where(written, scattered, flat);                                // (P, R)
    }
    // Back to the view's layout: unflatten the indexed dims, undo the permutation.
    Dims pv;
    for (int64_t d : order) pv.push_back(v.shape()[static_cast<size_t>(d)]);
    Tensor unflat = merged.reshape(Shape(pv));
    std::vector<int64_t> inv(order.size());
    for (size_t i = 0; i < order.size(); i++) inv[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
    nv = unflat.permute(inv);
  }
  // Drop the None dims and put back the int-indexed dims as size 1: the layout of x's dims.
  Dims xs = shape().dims(), laid;
  for (const DimStep& s : p.dims) laid.push_back(s.what == DimStep::What::Range ? s.count : (s.what == DimStep::What::Int ? 1 : -2));
  for (size_t d = 0; d < p.dims.size(); d++)
    if (p.dims[d].what == DimStep::What::Tensor) laid[d] = xs[d];
  nv = nv.reshape(Shape(laid));
  // Pad each dim out to x's size, the value at start, start + step, ...; a mask says where.
  Tensor mask = Tensor(detail::const_like(detail::node_of(nv), 1, DType::bool_));
  for (size_t d = 0; d < p.dims.size(); d++) {
    const DimStep& s = p.dims[d];
    if (s.what == DimStep::What::Tensor) continue;
    int64_t dim = static_cast<int64_t>(d), n = xs[d], start = s.start, step = s.step, count = s.count;
    if (s.what == DimStep::What::Range && count == 0) return *this;  // nothing is selected
    if (step < 0) {  // the same positions walked forwards
      nv = nv.flip(dim);
      mask = mask.flip(dim);
      start += (count - 1) * step;
      step = -step;
    }
    auto spread = [&](Tensor t) {
      if (step > 1) {  // each value followed by step - 1 gaps
        std::vector<std::pair<int64_t, int64_t>> gap(static_cast<size_t>(t.ndim() + 1), {0, 0});
        gap[d + 1] = {0, step - 1};
        t = t.unsqueeze(dim + 1).pad(gap).flatten(dim, dim + 1).slice(dim, 0, (count - 1) * step + 1);
      }
      std::vector<std::pair<int64_t, int64_t>> pads(static_cast<size_t>(t.ndim()), {0, 0});
      pads[d] = {start, n - start - ((count - 1) * step + 1)};
      return t.pad(pads);
    };
    nv = spread(nv);
    mask = spread(mask);
  }
  return assign(tg::where(mask, nv, *this));
}

}  // namespace tg
