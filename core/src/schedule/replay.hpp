#pragma once
// The schedule cache (tinygrad's TinyJit idea, applied to every realize): realize() keeps the
// schedule it built (schedule_item.hpp), keyed by the exact structure of the graph it realized
// (ops, dtypes, shapes, args, and where the already-realized inputs sit). The next realize of a
// graph with the same structure — the next training step, with new data, a new batch window or
// a new learning rate — runs that schedule with the new graph's nodes and launch values
// (launch_values.hpp): no lowering, no program building, no compile-cache lookups.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/node.hpp"
#include "schedule/schedule_item.hpp"

namespace tg::detail {

// The graph under roots, walked in a fixed order (its unrealized nodes and realized inputs),
// with its structure as the cache key and its launch values.
Graph walk_graph(const std::vector<NodePtr>& roots);

// Realizes the nodes of g at every few hundred levels of unrealized ops, sources first, so that
// no unrealized chain in g is deep enough to overflow the stack while it is lowered. Whether it
// realized any (then g must be walked again).
bool realize_deep_slices(const Graph& g);

// The schedule kept for g's structure whose guarded launch values g has, if any.
std::shared_ptr<const Schedule> find_schedule(const Graph& g);

// Keeps s for graphs of key's structure, unless it cannot run again (Schedule::cacheable) or
// the cache was forgotten since `generation` (schedule_cache_generation() before s was built).
void store_schedule(std::string&& key, Schedule&& s, uint64_t generation);
uint64_t schedule_cache_generation();

// Drops every kept schedule (and makes those being built not kept): a program they launch was
// freed.
void forget_schedules();

}  // namespace tg::detail
