#include "schedule/liveness.hpp"

namespace tg::detail {

Liveness::Liveness(const std::vector<NodePtr>& roots, const std::vector<Node*>& order,
                   const NodeIndex& position)
    : order_(order), position_(position), releasable_(order.size(), 0) {
  const size_t n = order.size();
  // References each node gets from inside the graph (its users here, the roots list); a node
  // with more owners than that is held from outside.
  std::vector<long> inside(n, 0);
  for (Node* node : order)
    if (!node->realized())
      for (const NodePtr& s : node->src) ++inside[position.at(s.get())];
  std::vector<char> is_root(n, 0);
  for (const NodePtr& r : roots) {
    const uint32_t p = position.at(r.get());
    ++inside[p];
    if (!is_root[p]) roots_.push_back(p);
    is_root[p] = 1;
  }
  // Exposed: held from outside, or a source of something exposed that is still to be computed
  // (a realized DETACH root drops its sources at the end, so nothing flows through one).
  std::vector<char> exposed(n, 0);
  std::vector<uint32_t> stack;
  for (uint32_t p = 0; p < n; ++p)
    if (!order[p]->realized() && order[p]->weak_from_this().use_count() > inside[p]) {
      exposed[p] = 1;
      stack.push_back(p);
    }
  while (!stack.empty()) {
    Node* node = order[stack.back()];
    const bool stop = is_root[stack.back()] && node->op == Op::DETACH;
    stack.pop_back();
    if (stop || node->realized()) continue;
    for (const NodePtr& s : node->src) {
      const uint32_t p = position.at(s.get());
      if (!exposed[p]) {
        exposed[p] = 1;
        stack.push_back(p);
      }
    }
  }
  for (uint32_t p = 0; p < n; ++p)
    if (!order[p]->realized() && !exposed[p] && !is_root[p]) {
      releasable_[p] = 1;
      waiting_.push_back(p);
    }
}

std::vector<uint32_t> Liveness::dead(const std::function<bool(const Node&)>& done) {
  std::vector<uint32_t> released;
  if (waiting_.empty()) return released;
  // Needed: everything the unrealized roots still reach through unrealized nodes (a realized
  // node's value is in its buffer; its sources are not read again).
  std::vector<char> needed(order_.size(), 0);
  std::vector<uint32_t> stack;
  for (uint32_t r : roots_)
    if (!done(*order_[r])) stack.push_back(r);
  while (!stack.empty()) {
    const uint32_t p = stack.back();
    stack.pop_back();
    if (needed[p]) continue;
    needed[p] = 1;
    if (done(*order_[p])) continue;
    for (const NodePtr& s : order_[p]->src) stack.push_back(position_.at(s.get()));
  }
  size_t keep = 0;
  for (uint32_t p : waiting_) {
    Node* node = order_[p];
    if (done(*node) && !needed[p]) {
      released.push_back(p);
    } else {
      waiting_[keep++] = p;
    }
  }
  waiting_.resize(keep);
  return released;
}

}  // namespace tg::detail
