#pragma once
// A schedule: the work one realize() does, as a list of items that name nodes by their
// position in the graph walk (schedule_context.hpp). build_schedule (schedule.cpp) makes it
// without running anything; run_schedule (run_schedule.hpp) runs it; the schedule cache
// (replay.cpp) keeps it and runs it again for the next graph of the same structure (the next
// training step), with that graph's nodes and launch values.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "schedule/kir.hpp"
#include "schedule/schedule_context.hpp"

struct tg_executable;

namespace tg::detail {

class Device;

struct ScheduleItem {
  enum class Kind {
    KERNEL,   // allocate the written params, launch `exe` (or `program` on a fallback device)
    COPY,     // dst = a fresh buffer on dst's device holding its source's bytes
    SORT,     // dst = the row-sorted indices of its source (schedule.hpp sort_into)
    ALIAS,    // dst shares src's buffer (a view already laid out as dst needs)
    RELEASE,  // let go of the buffers at `params` that no later item reads (liveness.hpp)
  } kind = Kind::KERNEL;
  // Why this item's value is computed on its own rather than inside the kernel that reads it:
  // the name of the fusion rule that cut it there ("root" for the values realize() was asked
  // for). Null for items that compute no boundary (a kernel's second half, ALIAS, RELEASE).
  const char* rule = nullptr;

  // KERNEL. params: positions bound to the program's params, param 0 its output.
  Device* device = nullptr;
  std::string name;
  std::vector<uint32_t> params;  // RELEASE: the positions let go
  std::vector<bool> written;     // per param: allocated fresh before the launch
  std::vector<std::vector<OffsetTerm>> offsets;  // per param: its offset in bytes, in launch values
  std::vector<uint32_t> scalars;                 // the launch value of each scalar arg
  bool launch = true;  // false for an empty output: its buffers are allocated, nothing runs
  // Set by compile_schedule: the compiled program, or null where the device declined it; then
  // `program` runs on the fallback device. `program` is dropped before the cache keeps the item.
  tg_executable* exe = nullptr;
  std::shared_ptr<const KirProgram> program;
  std::string declined;  // the device's reason, when it declined

  uint32_t dst = 0, src = 0;  // COPY, SORT: dst; ALIAS: dst takes src's buffer
};

struct Schedule {
  std::vector<ScheduleItem> items;
  std::vector<std::pair<uint32_t, LaunchValue>> guards;  // launch values baked into its programs
  bool cacheable = true;   // false when it cannot run again (a fallback launch, a node outside the walk)
  bool releases = false;   // some item lets buffers go (a replay then needs its call's Liveness)
  bool computes = false;   // some item is a kernel (counted in runtime_stats().schedules)
};

// One line per item ("kernel E_64_128 -> float32[64, 128] reads %3 float32[64, 784] ...
// rule=root"), nodes named by position with their dtype and shape, as TG_DEBUG=4 prints it.
std::string to_string(const ScheduleItem& item, const Graph& g);
std::string to_string(const Schedule& s, const Graph& g);

}  // namespace tg::detail
