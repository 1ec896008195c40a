// scaled_dot_product_attention from matmul, where and softmax. What makes it fast is how those
// lower: the scores are one GEMM whose epilogue applies the scale and the mask; softmax's max
// and sum of exponentials are one nested reduce over the stored scores, the probabilities one
// elementwise pass that a second GEMM (which realizes its computed operand) multiplies by value.
// The backward pass follows from the same ops: each product a GEMM, the softmax gradient a
// row sum and one elementwise pass.
#include <cmath>
#include <limits>

#include "tensor/ops.hpp"

namespace tg {

using detail::Dims;

namespace {

std::string shapes_of(const Tensor& q, const Tensor& k, const Tensor& v) {
  return "query " + q.shape().to_string() + ", key " + k.shape().to_string() + ", value " + v.shape().to_string();
}

// key or value with each of its kv_heads heads (dim -3) repeated `rep` times in a row, as
// PyTorch's repeat_interleave for grouped-query attention.
Tensor repeat_heads(const Tensor& t, int64_t rep) {
  if (rep == 1) return t;
  Dims s = t.shape().dims();
  const size_t h = s.size() - 3;
  Dims wide = s;
  wide.insert(wide.begin() + static_cast<std::ptrdiff_t>(h) + 1, rep);
  Dims one = s;
  one.insert(one.begin() + static_cast<std::ptrdiff_t>(h) + 1, 1);
  Dims out = s;
  out[h] *= rep;
  return t.reshape(Shape(one)).expand(Shape(wide)).reshape(Shape(out));
}

}  // namespace

Tensor Tensor::scaled_dot_product_attention(const Tensor& key, const Tensor& value,
                                            const std::optional<Tensor>& attn_mask, float dropout_p, bool is_causal,
                                            std::optional<float> scale, bool enable_gqa) const {
  const Tensor& q = *this;
  if (q.ndim() < 2 || key.ndim() < 2 || value.ndim() < 2)
    throw Error("scaled_dot_product_attention: query, key and value need at least 2 dims (..., L, E), (..., S, E), "
                "(..., S, Ev); got " + shapes_of(q, key, value));
  if (!is_float(q.dtype()) || !is_float(key.dtype()) || !is_float(value.dtype()))
    throw Error("scaled_dot_product_attention: query, key and value must be float tensors, got " +
                std::string(dtype_name(q.dtype())) + ", " + dtype_name(key.dtype()) + " and " + dtype_name(value.dtype()));
  const int64_t L = q.size(-2), E = q.size(-1), S = key.size(-2);
  if (key.size(-1) != E || value.size(-2) != S)
    throw Error("scaled_dot_product_attention: shapes do not fit (" + shapes_of(q, key, value) +
                "): need key's last dim == query's last dim, and value's second-to-last dim == key's");
  if (!(dropout_p >= 0.0f && dropout_p <= 1.0f))
    throw Error("scaled_dot_product_attention: dropout_p must be in [0, 1], got " + std::to_string(dropout_p));
  if (is_causal && attn_mask)
    throw Error("scaled_dot_product_attention: give attn_mask or is_causal, not both (fold the causal triangle into "
                "the mask: mask.logical_and(ones.tril()))");
  Tensor k = key, v = value;
  if (enable_gqa) {
    if (q.ndim() < 3 || k.ndim() < 3 || v.ndim() < 3)
      throw Error("scaled_dot_product_attention: enable_gqa needs a heads dim (-3) in query, key and value; got " +
                  shapes_of(q, key, value));
    const int64_t hq = q.size(-3), hk = k.size(-3), hv = v.size(-3);
    if (hk <= 0 || hv <= 0 || hq % hk != 0 || hq % hv != 0)
      throw Error("scaled_dot_product_attention: with enable_gqa the query's heads (" + std::to_string(hq) +
                  ") must be a multiple of key's (" + std::to_string(hk) + ") and value's (" + std::to_string(hv) + ")");
    k = repeat_heads(k, hq / hk);
    v = repeat_heads(v, hq / hv);
  }
  // Leading dims must broadcast; say so with all three shapes rather than matmul's two.
  {
    Dims a = q.shape().dims(), b = k.shape().dims(), c = v.shape().dims();
    for (size_t i = 3; i <= std::max({a.size(), b.size(), c.size()}); i++) {
      auto at = [&](const Dims& d) { return i <= d.size() ? d[d.size() - i] : 1; };
      int64_t want = 1;
      for (int64_t x : {at(a), at(b), at(c)}) {
        if (x != 1 && want != 1 && x != want)
          throw Error("scaled_dot_product_attention: the leading (batch, heads) dims do not broadcast: " +
                      shapes_of(q, key, value) + (enable_gqa ? "" : " (fewer key/value heads need enable_gqa=true)"));
        if (x != 1) want = x;
      }
    }
  }
  const double sc = scale ? static_cast<double>(*scale) : 1.0 / std::sqrt(static_cast<double>(E));
  // The scale after the product, as PyTorch's formula: it joins the GEMM's epilogue, where a
  // scaled query would be a copy of it.
  Tensor s = q.matmul(k.transpose(-2, -1)) * sc;
  const double ninf = -std::numeric_limits<double>::infinity();
  if (is_causal) {
    // Column <= row, compared at the scores' full shape: two index vectors broadcast into the
    // epilogue of the scores' GEMM. (A (L, S) mask computed first and then broadcast would be a
    // kernel and a buffer of its own.)
    TensorOptions o{DType::int32, q.device(), false};
    const Shape full = s.shape();
    Dims rs(static_cast<size_t>(s.ndim()), 1), cs(static_cast<size_t>(s.ndim()), 1);
    rs[rs.size() - 2] = L;
    cs.back() = S;
    Tensor rows = Tensor::arange(0, static_cast<double>(L), 1, o).reshape(Shape(rs)).expand(full);
    Tensor cols = Tensor::arange(0, static_cast<double>(S), 1, o).reshape(Shape(cs)).expand(full);
    s = tg::where(cols <= rows, s, Tensor(detail::const_like(detail::node_of(s), ninf, s.dtype())));
  } else if (attn_mask) {
    const Tensor& m = *attn_mask;
    Dims ms = m.shape().dims(), ss = s.shape().dims();
    bool fits = ms.size() <= ss.size();
    for (size_t i = 0; fits && i < ms.size(); i++) {
      int64_t a = ms[ms.size() - 1 - i], b = ss[ss.size() - 1 - i];
      fits = a == b || a == 1;
    }
    if (!fits)
      throw Error("scaled_dot_product_attention: attn_mask's shape " + m.shape().to_string() +
                  " does not broadcast to the scores' " + s.shape().to_string() + " (..., L, S)");
    if (m.dtype() == DType::bool_) {
      s = tg::where(m, s, Tensor(detail::const_like(detail::node_of(s), ninf, s.dtype())));
    } else if (is_float(m.dtype())) {
      s = s + m;
    } else {
      throw Error("scaled_dot_product_attention: attn_mask must be bool (true = attend) or float (added to the "
                  "scores), got " + std::string(dtype_name(m.dtype())));
    }
  }
  Tensor p = s.softmax(-1);
  if (dropout_p > 0.0f) p = p.dropout(dropout_p);
  return p.matmul(v);
}

}  // namespace tg
