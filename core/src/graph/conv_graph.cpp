#include "graph/conv_graph.hpp"

#include "graph/build.hpp"

namespace tg::detail {
namespace {

// out[b, o, p, q] = sum over c, r, t of win[b, c, p, q, r, t] * ker[o, c, r, t], computed over
// the space (B, O, P, Q, C, R, T) with the last three dims reduced: the TG_FAST_CONV form.
NodePtr contract(const NodePtr& win, const NodePtr& ker) {
  const Dims& w = win->shape;
  const Dims& k = ker->shape;
  const Dims space{w[0], k[0], w[2], w[3], w[1], w[4], w[5]};
  NodePtr a = expand(reshape(permute(win, {0, 2, 3, 1, 4, 5}), {w[0], 1, w[2], w[3], w[1], w[4], w[5]}), space);
  NodePtr b = expand(reshape(ker, {1, k[0], 1, 1, k[1], k[2], k[3]}), space);
  return reshape(reduce(alu(Op::MUL, win->dtype, {a, b}), ReduceOp::SUM, {4, 5, 6}), {w[0], k[0], w[2], w[3]});
}

}  // namespace

NodePtr conv2d_direct(const NodePtr& x, const NodePtr& w, const Dims& s, const Dims& d) {
  NodePtr value = contract(window(x, {w->shape[2], w->shape[3]}, s, d), w);
  return conv_node(value, x, w, {s[0], s[1], d[0], d[1]});
}

std::vector<NodePtr> conv2d_backward(const Node& conv, const NodePtr& g_in) {
  // Both gradients read g whole, as a LOAD: computed once in its own layout, not once per use
  // (and not in the permuted layout the weight gradient views it in, which would be a copy).
  const NodePtr g = contiguous(g_in);
  const NodePtr& x = conv.src[1];
  const NodePtr& w = conv.src[2];
  const Dims s{conv.dims[0], conv.dims[1]}, d{conv.dims[2], conv.dims[3]};
  const Dims k{w->shape[2], w->shape[3]};
  const int64_t oh = g->shape[2], ow = g->shape[3];
  // dw[o, c, r, t] = sum over n, p, q of x[n, c, p*s + r*d, q*s + t*d] * g[n, o, p, q]: the same
  // contraction with batch and channels swapped, the output positions as the taps (stride and
  // dilation trade places). Rows no window reads are cut off first, so the window count is k.
  const Dims used{(oh - 1) * s[0] + (k[0] - 1) * d[0] + 1, (ow - 1) * s[1] + (k[1] - 1) * d[1] + 1};
  NodePtr xu = shrink(x, {{0, x->shape[0]}, {0, x->shape[1]}, {0, used[0]}, {0, used[1]}});
  NodePtr xt = permute(window(xu, {oh, ow}, d, s), {1, 0, 2, 3, 4, 5});  // (C, N, KH, KW, OH, OW)
  NodePtr dw = permute(contract(xt, permute(g, {1, 0, 2, 3})), {1, 0, 2, 3});
  NodePtr dx;
  if (s[0] == 1 && s[1] == 1) {
    // dx[n, c, h, w] = sum over o, r, t of g[n, o, h - r*d, w - t*d] * w[o, c, r, t]: a stride-1
    // convolution of g, zero-padded by the kernel's extent, with the kernel flipped and its
    // channels swapped. Rows of x no window read get 0. (The scheduler views the padding in
    // place where the device takes linear masks, and copies it first elsewhere.)
    const int64_t ph = (k[0] - 1) * d[0], pw = (k[1] - 1) * d[1];
    NodePtr gp = pad(g, {{0, 0}, {0, 0}, {ph, ph}, {pw, pw}});
    NodePtr wf = permute(flip(w, {0, 0, 1, 1}), {1, 0, 2, 3});  // (C, O, KH, KW)
    dx = contract(window(gp, k, {1, 1}, d), wf);                // (N, C, used h, used w)
  } else {
    // Strided: the product of g and the kernel per window element, scattered back (col2im).
    const Dims space{g->shape[0], w->shape[0], oh, ow, w->shape[1], k[0], k[1]};
    NodePtr a = expand(reshape(g, {g->shape[0], g->shape[1], oh, ow, 1, 1, 1}), space);
    NodePtr b = expand(reshape(w, {1, w->shape[0], 1, 1, w->shape[1], k[0], k[1]}), space);
    NodePtr cols = reshape(reduce(alu(Op::MUL, g->dtype, {a, b}), ReduceOp::SUM, {1}),
                           {g->shape[0], oh, ow, w->shape[1], k[0], k[1]});
    dx = window_backward(permute(cols, {0, 3, 1, 2, 4, 5}), {x->shape[0], x->shape[1], used[0], used[1]}, k, s, d);
  }
  dx = pad(dx, {{0, 0}, {0, 0}, {0, x->shape[2] - used[0]}, {0, x->shape[3] - used[1]}});
  return {nullptr, dx, dw};
}

NodePtr window_backward(const NodePtr& g, const Dims& in_shape, const Dims& k, const Dims& s, const Dims& d) {
  const size_t n = k.size(), lead = in_shape.size() - n;
  Dims o(g->shape.begin() + static_cast<std::ptrdiff_t>(lead), g->shape.begin() + static_cast<std::ptrdiff_t>(lead + n));
  NodePtr sum;
  Dims tap(n, 0);
  for (bool more = true; more;) {
    // g at this tap, (lead..., o...), spread out by the stride and moved to where it was read
    Ranges at;
    for (size_t j = 0; j < lead + n; j++) at.push_back({0, g->shape[j]});
    for (size_t j = 0; j < n; j++) at.push_back({tap[j], tap[j] + 1});
    NodePtr t = reshape(shrink(g, at), Dims(g->shape.begin(), g->shape.begin() + static_cast<std::ptrdiff_t>(lead + n)));
    Dims spread_shape(t->shape.begin(), t->shape.begin() + static_cast<std::ptrdiff_t>(lead)), ones = spread_shape;
    Ranges spread(lead, {0, 0}), place(lead, {0, 0});
    for (size_t j = 0; j < n; j++) {
      ones.insert(ones.end(), {o[j], 1});
      spread.insert(spread.end(), {{0, 0}, {0, s[j] - 1}});
      spread_shape.push_back(o[j] * s[j]);
    }
    t = reshape(pad(reshape(t, ones), spread), spread_shape);  // element p now at p*s
    Ranges keep;
    for (size_t j = 0; j < lead; j++) keep.push_back({0, in_shape[j]});
    for (size_t j = 0; j < n; j++) {
      const int64_t before = tap[j] * d[j], extent = std::min(o[j] * s[j], in_shape[lead + j] - before);
      place.push_back({before, in_shape[lead + j] - before - extent});
      keep.push_back({0, extent});
    }
    t = pad(shrink(t, keep), place);
    sum = sum ? alu(Op::ADD, g->dtype, {sum, t}) : t;
    more = false;
    for (size_t j = n; j-- > 0;) {
      if (++tap[j] < k[j]) {
        more = true;
        break;
      }
      tap[j] = 0;
    }
  }
  return sum;
}

}  // namespace tg::detail
