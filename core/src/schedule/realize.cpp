// realize(): the entry path from a graph to buffers, in named steps.
//   1. walk the graph under the roots (its structure is the schedule cache's key);
//   2. find a schedule kept for that structure, or build one (build_schedule: kernels lowered
//      with the fusion rules, nothing run) and compile its kernels;
//   3. run it (run_schedule), the same runner for both;
//   4. keep a schedule built now for the next graph of the same structure.
#include <iostream>
#include <optional>

#include "runtime/env.hpp"
#include "runtime/runtime.hpp"
#include "schedule/liveness.hpp"
#include "schedule/replay.hpp"
#include "schedule/run_schedule.hpp"
#include "schedule/schedule.hpp"

namespace tg::detail {
namespace {

bool all_realized(const std::vector<NodePtr>& roots) {
  for (auto& r : roots)
    if (!r->realized()) return false;
  return true;
}

}  // namespace

void realize(const std::vector<NodePtr>& roots) {
  if (all_realized(roots)) return;
  RealizeInFlight in_flight;  // keeps programs another thread evicts alive until we are done
  Graph g = walk_graph(roots);
  if (realize_deep_slices(g)) {
    if (all_realized(roots)) return;
    g = walk_graph(roots);
  }
  if (auto found = find_schedule(g)) {
    // Most replays let nothing go (every buffer is held by a tensor): skip the reachability walk.
    std::optional<Liveness> live;
    if (found->releases) live.emplace(roots, g.order, g.position);
    run_schedule(*found, g, live ? &*live : nullptr);
  } else {
    const uint64_t generation = schedule_cache_generation();
    Liveness live(roots, g.order, g.position);
    ScheduleContext ctx(g);
    Schedule s = build_schedule(roots, ctx, live);
    if (env_int("TG_DEBUG") >= 4) std::cerr << "[tg] " << to_string(s, g);
    compile_schedule(s);
    run_schedule(s, g, &live);
    if (s.computes) stats().add(stats().schedules, 1);
    store_schedule(std::move(g.key), std::move(s), generation);
  }
  // A realized DETACH keeps its value, not its history: dropping its sources frees the graph
  // (and buffers) behind it, which is what keeps a training loop's memory flat.
  // (Only when it has some: a realized input that several threads read is not written.)
  for (Node* n : g.order)
    if (n->op == Op::DETACH && n->realized() && !n->src.empty()) n->src.clear();
}

}  // namespace tg::detail
