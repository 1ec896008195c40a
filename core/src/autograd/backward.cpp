// Reverse-mode autodiff over the lazy graph. The gradient of each op is one rule in
// gradient_rule (tinygrad's gradient.py); backward() walks the graph once, in reverse
// topological order, and adds gradient nodes to the same lazy graph.
#include <cmath>
#include <limits>

#include "graph/conv_graph.hpp"
#include "graph/node_index.hpp"
#include "schedule/schedule.hpp"
#include "tensor/impl.hpp"
#include "tensor/ops.hpp"

namespace tg {
namespace detail {
namespace {

constexpr double kLn2 = 0.6931471805599453;

NodePtr k(const NodePtr& like, double v) { return const_like(like, v, like->dtype); }
NodePtr add(const NodePtr& a, const NodePtr& b) { return alu(Op::ADD, a->dtype, {a, b}); }
NodePtr mul(const NodePtr& a, const NodePtr& b) { return alu(Op::MUL, a->dtype, {a, b}); }
NodePtr neg(const NodePtr& a) { return alu(Op::NEG, a->dtype, {a}); }
NodePtr recip(const NodePtr& a) { return alu(Op::RECIP, a->dtype, {a}); }
NodePtr where(const NodePtr& c, const NodePtr& a, const NodePtr& b) { return alu(Op::WHERE, a->dtype, {c, a, b}); }
NodePtr lt(const NodePtr& a, const NodePtr& b) { return alu(Op::CMPLT, DType::bool_, {a, b}); }
NodePtr eq(const NodePtr& a, const NodePtr& b) {
  return alu(Op::CMPNE, DType::bool_, {alu(Op::CMPNE, DType::bool_, {a, b}), const_like(a, 1, DType::bool_)});
}

// Gradients of n's sources given the gradient g of n (nullptr: none for that source).
Sources gradient_rule(const NodePtr& n, const NodePtr& g) {
  const auto& s = n->src;
  switch (n->op) {
    case Op::CAST: return {is_float(s[0]->dtype) ? cast(g, s[0]->dtype) : nullptr};
    case Op::EXP2: return {mul(mul(g, n), k(n, kLn2))};
    case Op::LOG2: return {mul(g, recip(mul(s[0], k(s[0], kLn2))))};
    case Op::SIN: return {mul(g, alu(Op::SIN, s[0]->dtype, {add(k(s[0], M_PI / 2), neg(s[0]))}))};
    case Op::SQRT: return {mul(g, recip(mul(n, k(n, 2))))};
    case Op::RECIP: return {neg(mul(g, mul(n, n)))};
    case Op::NEG: return {neg(g)};
    case Op::ADD: return {g, g};
    case Op::MUL: return {mul(g, s[1]), mul(g, s[0])};
    case Op::MAX: {
      NodePtr half = mul(g, k(g, 0.5)), zero = k(g, 0), tie = eq(s[0], s[1]);
      return {where(lt(s[1], s[0]), g, where(tie, half, zero)), where(lt(s[0], s[1]), g, where(tie, half, zero))};
    }
    case Op::WHERE: {
      NodePtr zero = k(g, 0);
      return {nullptr, where(s[0], g, zero), where(s[0], zero, g)};
    }
    case Op::REDUCE: {
      const Dims& in = s[0]->shape;
      NodePtr ge = expand(g, in);
      switch (n->reduce_op) {
        case ReduceOp::SUM: return {ge};
        case ReduceOp::MAX: {  // shared equally among the maxima
          // A half-precision max (a bfloat16 max pool under autocast) shares its gradient in
          // float32 and rounds once: where the maximum is unique that is the gradient itself,
          // exactly (as PyTorch, which routes it to the argmax), not three roundings (times
          // the hit, 1 / count, the product); and a CPU without half arithmetic does the float32
          // form as fast as a float32 pool's (the bfloat16 form took 10-20x as long).
          const bool narrow = n->dtype == DType::float16 || n->dtype == DType::bfloat16;
          const DType wide = narrow ? DType::float32 : n->dtype;
          NodePtr hit = cast(eq(s[0], expand(n, in)), wide);
          NodePtr count = expand(reduce(hit, ReduceOp::SUM, n->dims), in);
          return {cast(mul(mul(cast(ge, wide), hit), recip(count)), n->dtype)};
        }
        case ReduceOp::PROD: {
          // d prod / d x_j = prod of the others: prod / x_j where x_j != 0; where x_j is the
          // only zero, the product of the rest; where there are two zeros, 0 (as PyTorch).
          NodePtr is_zero = eq(s[0], k(s[0], 0));
          NodePtr safe = where(is_zero, k(s[0], 1), s[0]);
          NodePtr zeros = expand(reduce(cast(is_zero, DType::int32), ReduceOp::SUM, n->dims), in);
          NodePtr others = where(eq(zeros, const_like(zeros, 1, DType::int32)), expand(reduce(safe, ReduceOp::PROD, n->dims), in),
                                 k(s[0], 0));
          return {mul(ge, where(is_zero, others, mul(expand(n, in), recip(safe))))};
        }
      }
      return {nullptr};
    }
    case Op::RESHAPE: return {reshape(g, s[0]->shape)};
    case Op::PERMUTE: {
      Dims inverse(n->dims.size());
      for (size_t i = 0; i < n->dims.size(); i++) inverse[static_cast<size_t>(n->dims[i])] = static_cast<int64_t>(i);
      return {permute(g, inverse)};
    }
    case Op::EXPAND: {
      Dims axes;
      for (size_t d = 0; d < s[0]->shape.size(); d++)
        if (s[0]->shape[d] != n->shape[d]) axes.push_back(static_cast<int64_t>(d));
      return {reduce(g, ReduceOp::SUM, axes)};
    }
    case Op::PAD: {
      Ranges r;
      for (size_t d = 0; d < s[0]->shape.size(); d++) r.push_back({n->ranges[d].first, n->ranges[d].first + s[0]->shape[d]});
      return {shrink(g, r)};
    }
    case Op::SHRINK: {
      Ranges p;
      for (size_t d = 0; d < s[0]->shape.size(); d++) p.push_back({n->ranges[d].first, s[0]->shape[d] - n->ranges[d].second});
      return {pad(g, p)};
    }
    case Op::FLIP: return {flip(g, n->dims)};
    case Op::WINDOW: {
      const auto c = static_cast<std::ptrdiff_t>(n->dims.size() / 3);
      const auto b = n->dims.begin();
      return {window_backward(g, s[0]->shape, Dims(b, b + c), Dims(b + c, b + 2 * c), Dims(b + 2 * c, b + 3 * c))};
    }
    case Op::CONV: return conv2d_backward(*n, g);
    case Op::POW: return pow_backward(*n, g);
    // A gather's gradient adds g back at the indices it read (a scatter-add into zeros), and a
    // scatter-add's gradient of the values reads g at the indices they were added to.
    case Op::GATHER: return {scatter_add(const_like(s[0], 0, s[0]->dtype), s[1], g, n->dims[0]), nullptr};
    case Op::SCATTER_ADD: return {g, nullptr, gather(g, s[1], n->dims[0])};
    case Op::CONTIGUOUS: return {g};
    case Op::COPY: return {copy_to(g, s[0]->device)};
    // no gradient flows through these
    case Op::TRUNC: case Op::CMPLT: case Op::CMPNE: case Op::IDIV: case Op::MOD: case Op::AND: case Op::OR:
    case Op::XOR: case Op::SHL: case Op::SHR: case Op::DETACH: case Op::BUFFER: case Op::CONST: case Op::ARGSORT:
      return Sources(s.size(), nullptr);
  }
  return Sources(s.size(), nullptr);
}

// Nodes reachable from root (not through DETACH), sources before users, and each one's place
// in that order.
struct Topo {
  std::vector<NodePtr> order;
  NodeIndex position;
};
Topo toposort(const NodePtr& root) {
  Topo t;
  std::vector<std::pair<NodePtr, size_t>> stack{{root, 0}};
  t.position.try_emplace(root.get(), UINT32_MAX);  // UINT32_MAX: not placed yet
  while (!stack.empty()) {
    auto& [n, i] = stack.back();
    if (n->op != Op::DETACH && i < n->src.size()) {
      NodePtr s = n->src[i++];
      if (t.position.try_emplace(s.get(), UINT32_MAX).second) stack.push_back({s, 0});
      continue;
    }
    t.position.set(n.get(), static_cast<uint32_t>(t.order.size()));
    t.order.push_back(n);
    stack.pop_back();
  }
  return t;
}

}  // namespace

void run_backward(const NodePtr& root, const NodePtr& seed) {
  const Topo topo = toposort(root);
  const std::vector<NodePtr>& order = topo.order;
  auto at = [&](const Node* n) { return topo.position.at(n); };
  // The leaves that get gradients: live leaf tensors in this graph not set to false (each
  // node lists its own, so nothing outside this graph, e.g. another thread's, is looked at).
  std::vector<TensorImpl*> targets;
  std::vector<char> needs(order.size(), 0);  // per position: a target is at or below it
  for (size_t p = 0; p < order.size(); p++)
    for (TensorImpl* t = order[p]->grad_leaves; t != nullptr; t = t->next_leaf) {
      targets.push_back(t);
      needs[p] = 1;
    }
  for (size_t p = 0; p < order.size(); p++)
    if (order[p]->op != Op::DETACH)
      for (auto& s : order[p]->src) needs[p] |= needs[at(s.get())];
  std::vector<NodePtr> grads(order.size());  // per position
  grads[at(root.get())] = seed;
  for (size_t p = order.size(); p-- > 0;) {
    const NodePtr& n = order[p];
    if (!grads[p] || n->src.empty() || !needs[p]) continue;
    Sources sg = gradient_rule(n, grads[p]);
    for (size_t i = 0; i < n->src.size(); i++) {
      if (!sg[i]) continue;  // (a DETACH's sources, never walked, get none)
      const uint32_t sp = at(n->src[i].get());
      if (!needs[sp]) continue;
      grads[sp] = grads[sp] ? add(grads[sp], sg[i]) : sg[i];
    }
  }
  // Replaced gradients are freed after the loop: one may hold the last handle of a later target.
  std::vector<std::optional<Tensor>> replaced;
  for (TensorImpl* t : targets) {
    const NodePtr& g = grads[at(t->node.get())];
    if (!g) continue;
    Tensor gt(cast(g, t->node->dtype));
    if (t->grad) {  // accumulate lazily; every 16th time realize, so the chain stays short
      gt = Tensor(add(node_of(*t->grad), node_of(gt)));
      // Realized as a detached value: the graphs (and activations) behind the sum are let go.
      if (++t->grad_accumulations % 16 == 0) gt = Tensor(detach(node_of(gt))).realize();
    } else {
      t->grad_accumulations = 0;
    }
    replaced.push_back(std::move(t->grad));
    t->grad = gt;
  }
}

}  // namespace detail

void Tensor::backward() const {
  const auto& n = detail::node_of(*this);
  if (!is_float(n->dtype))
    throw Error("backward(): the tensor is " + std::string(dtype_name(n->dtype)) +
                "; only floating tensors have gradients (compute the loss in a float dtype, e.g. .cast(tg::DType::float32))");
  if (n->numel() != 1)
    throw Error("backward(): the tensor has shape " + shape().to_string() +
                "; call it on a single-element tensor (e.g. after .sum()) or pass a gradient of that shape");
  detail::run_backward(n, detail::const_like(n, 1.0, n->dtype));
}

void Tensor::backward(const Tensor& gradient) const {
  const auto& n = detail::node_of(*this);
  const auto& g = detail::node_of(gradient);
  if (g->shape != n->shape)
    throw Error("backward(gradient): the gradient has shape " + gradient.shape().to_string() + " but the tensor has " +
                shape().to_string());
  if (!is_float(n->dtype)) throw Error("backward(): the tensor is " + std::string(dtype_name(n->dtype)) + "; only float tensors have gradients");
  detail::run_backward(n, detail::cast(g, n->dtype));
}

}  // namespace tg

// ---- functional gradients (tinygrad's Tensor.gradient): the gradients of this tensor with
// respect to `targets`, as new lazy tensors; no tensor's grad() is touched ----
namespace tg {

std::vector<Tensor> Tensor::gradient(const std::vector<Tensor>& targets, const std::optional<Tensor>& seed) const {
  using namespace detail;
  const NodePtr& root = node_of(*this);
  if (!is_float(root->dtype))
    throw Error("gradient: the tensor is " + std::string(dtype_name(root->dtype)) + "; only float tensors have gradients");
  NodePtr g;
  if (seed) {
    if (node_of(*seed)->shape != root->shape)
      throw Error("gradient: the seed gradient has shape " + seed->shape().to_string() + " but the tensor has " +
                  shape().to_string());
    g = detail::cast(node_of(*seed), root->dtype);
  } else {
    if (root->numel() != 1)
      throw Error("gradient: the tensor has shape " + shape().to_string() +
                  "; call it on a single-element tensor (e.g. after .sum()) or pass a seed gradient of that shape");
    g = const_like(root, 1.0, root->dtype);
  }
  const Topo topo = toposort(root);
  const std::vector<NodePtr>& order = topo.order;
  auto at = [&](const Node* n) { return topo.position.at(n); };
  std::vector<char> needs(order.size(), 0);
  for (size_t i = 0; i < targets.size(); i++) {
    const NodePtr& t = node_of(targets[i]);
    if (!is_float(t->dtype))
      throw Error("gradient: target " + std::to_string(i) + " is " + dtype_name(t->dtype) +
                  "; only float tensors have gradients");
    auto p = topo.position.find(t.get());
    if (!p || *p == UINT32_MAX)
      throw Error("gradient: target " + std::to_string(i) + " (shape " + targets[i].shape().to_string() +
                  ") is not in this tensor's graph (or only behind detach())");
    needs[*p] = 1;
  }
  for (size_t p = 0; p < order.size(); p++)
    if (order[p]->op != Op::DETACH)
      for (auto& s : order[p]->src) needs[p] |= needs[at(s.get())];
  std::vector<NodePtr> grads(order.size());
  grads[at(root.get())] = g;
  for (size_t p = order.size(); p-- > 0;) {
    const NodePtr& n = order[p];
    if (!grads[p] || n->src.empty() || !needs[p]) continue;
    Sources sg = gradient_rule(n, grads[p]);
    for (size_t i = 0; i < n->src.size(); i++) {
      if (!sg[i]) continue;
      const uint32_t sp = at(n->src[i].get());
      if (!needs[sp]) continue;
      grads[sp] = grads[sp] ? detail::add(grads[sp], sg[i]) : sg[i];
    }
  }
  std::vector<Tensor> out;
  for (const Tensor& t : targets) {
    const NodePtr& tn = node_of(t);
    const NodePtr& gt = grads[at(tn.get())];
    out.push_back(gt ? make_result(detail::cast(gt, tn->dtype)) : Tensor(const_like(tn, 0.0, tn->dtype)));
  }
  return out;
}

}  // namespace tg
