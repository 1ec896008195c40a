#pragma once
// The steps of realize() (realize.cpp) after the graph walk: build a schedule (schedule_item.hpp),
// compile it, run it. The one runner serves a schedule built just now and one found in the
// schedule cache (replay.cpp).
#include "schedule/liveness.hpp"
#include "schedule/schedule_item.hpp"

namespace tg::detail {

// The schedule computing roots (build_schedule.cpp), nothing run. ctx: the graph walk and
// what is computed so far; live: which buffers it may let go, and when (RELEASE items).
Schedule build_schedule(const std::vector<NodePtr>& roots, ScheduleContext& ctx, Liveness& live);

// Compiles each kernel of a schedule built by this call (compiled programs are cached by the
// device: a program seen before compiles nothing). A kernel its device declines keeps its
// program for the fallback device and makes the schedule one the cache does not keep.
void compile_schedule(Schedule& s);

// Runs s over g's nodes with g's launch values: allocates, launches, copies, aliases, sorts and
// lets buffers go. live: which of g's buffers may be let go this call (null when s releases
// nothing).
void run_schedule(const Schedule& s, const Graph& g, const Liveness* live);

}  // namespace tg::detail
