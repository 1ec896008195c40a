#pragma once
// The lowered form of one kernel: an expression over the kernel's iteration space in which
// every movement op has been folded into the view of a LOAD or CONST leaf. Built by the
// scheduler (schedule.cpp), turned into tg.kir by to_kir (to_kir.cpp).
#include <memory>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "graph/node.hpp"
#include "graph/view.hpp"
#include "schedule/kir.hpp"
#include "schedule/launch_values.hpp"
#include "schedule/schedule_context.hpp"

namespace tg::detail {

struct LNode;
using LPtr = std::shared_ptr<const LNode>;

struct LNode {
  // GATHER: a LOAD (base, view) whose element also moves by src[0]'s value times
  // gather_stride, 0 where that value is outside [0, gather_bound) (tg.kir GATHER).
  enum class Kind { LOAD, CONST, ALU, REDUCE, GATHER } kind = Kind::CONST;
  Op op = Op::CONST;        // ALU: the elementwise op
  DType dtype = DType::float32;
  Dims shape;
  std::vector<LPtr> src;
  NodePtr base;             // LOAD: the realized (or to be realized) node it reads
  View view;                // LOAD: index -> element of base; CONST: only its mask counts
  // LOAD: the part of view.offset that launch values make (a slice's start times its stride):
  // it goes into the launch's offset, not the program (launch_values.hpp).
  std::vector<OffsetTerm> terms;
  int32_t var = -1;         // CONST: its launch value, if it is one
  double fvalue = 0;        // CONST
  int64_t ivalue = 0;
  ReduceOp reduce_op = ReduceOp::SUM;  // REDUCE
  Dims axes;
  NodePtr origin;           // REDUCE: the graph node it computes
  int64_t gather_stride = 0, gather_bound = 0;  // GATHER
  bool has_reduce = false;  // a REDUCE is in this subtree
};

// The reduce every REDUCE of a kernel shares: its input shape and axes.
struct ReduceSig {
  Dims input_shape;
  Dims axes;
  bool operator==(const ReduceSig& o) const { return input_shape == o.input_shape && axes == o.axes; }
};

// A node a kernel needs computed first, as a kernel (or step) of its own, and the name of the
// fusion rule that put the boundary there (short kebab-case; TG_DEBUG=4 prints it).
struct Dep {
  NodePtr node;
  const char* rule;
};

// One kernel lowered (schedule.cpp): its expression, and what must be computed before it can
// run. deps empty: the kernel is complete.
struct LoweredKernel {
  std::vector<Dep> deps;
  std::optional<ReduceSig> reduce;
  std::vector<std::pair<NodePtr, LPtr>> also_store;  // other roots it computes too (to_kir)
  LPtr root;
  LPtr index;  // a scatter's adds: the index, `root` its values
};

// The kernel computing n, lowered with the fusion rules. ctx: what is computed so far;
// pending: the other roots of this realize() (a kernel computing one on the way stores it).
// linear_masks: n's device takes tg_kir_linear_masks.
LoweredKernel lower_kernel(ScheduleContext& ctx, const NodePtr& n, bool linear_masks,
                           const std::unordered_set<const Node*>* pending);
// A SCATTER_ADD's second kernel: its values and index over their shape (no reduce joins it).
LoweredKernel lower_scatter_adds(ScheduleContext& ctx, const NodePtr& value, const NodePtr& idx, bool linear_masks);
// Which of a kernel's deps to compute first (one that computes another on the way, if any).
const Dep& first_to_realize(const ScheduleContext& ctx, const std::vector<Dep>& deps);

// Builds the tg.kir program that computes `root` into param 0 (a contiguous buffer of
// out's shape and dtype). `params` receives the node bound to each param, in order: out, the
// nodes it reads, then every unrealized reduce of the kernel, which is stored as a second output
// so that later kernels load it instead of computing it again — except a reduce whose value
// is the output itself (out is a reshape of it): it goes to `same_as_out` to share out's buffer.
// (Reduces ctx counts as done are loaded, not stored.)
// `also_store`: other nodes the kernel computes over the same space (lowered), stored as
// further outputs.
// scalar_args: the device takes scalar launch arguments (TG_KIR_SCALAR_ARGS); without, a
// launch value of a CONST is written into the program (and guarded).
KirProgram to_kir(ScheduleContext& ctx, const LPtr& root, const NodePtr& out, const std::optional<ReduceSig>& reduce,
                  const std::vector<std::pair<NodePtr, LPtr>>& also_store, std::vector<NodePtr>* params,
                  std::vector<NodePtr>* same_as_out, bool scalar_args);

// The tg.kir program that adds `value` into out (param 0, already holding its start value) at
// index `idx` along `axis` (a SCATTER_ADD node's second kernel): both lowered over their shape,
// which is out's but along axis.
KirProgram to_kir_scatter(ScheduleContext& ctx, const LPtr& value, const LPtr& idx, const NodePtr& out,
                          int64_t axis, std::vector<NodePtr>* params, bool scalar_args);

}  // namespace tg::detail
