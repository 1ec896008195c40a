#include "schedule/schedule_context.hpp"

namespace tg::detail {

uint32_t ScheduleContext::position(const Node& n) {
  if (const uint32_t* p = graph_.position.find(&n)) return *p;
  const auto p = static_cast<uint32_t>(graph_.order.size());
  graph_.position.try_emplace(&n, p);
  graph_.order.push_back(const_cast<Node*>(&n));
  outside_walk_ = true;
  return p;
}

namespace {
const uint32_t* first_value_of(const Graph& g, const Node& n) {
  for (const auto& [node, first] : g.first_value)
    if (node == &n) return &first;
  return nullptr;
}
}  // namespace

int32_t ScheduleContext::shrink_var(const Node& m, size_t d) const {
  const uint32_t* first = m.op == Op::SHRINK ? first_value_of(graph_, m) : nullptr;
  return first ? static_cast<int32_t>(*first + d) : -1;
}

int32_t ScheduleContext::scalar_var(const Node& c) const {
  const uint32_t* first = c.op == Op::CONST ? first_value_of(graph_, c) : nullptr;
  return first ? static_cast<int32_t>(*first) : -1;
}

void ScheduleContext::guard_var(uint32_t var) {
  for (auto& [v, value] : guards_)
    if (v == var) return;
  guards_.emplace_back(var, graph_.values[var]);
}

}  // namespace tg::detail
