#pragma once
// Launch values: the numbers that differ between graphs of the same structure and that a
// kernel takes at launch instead of in its program text, so one program serves them all
// (tinygrad's symbolic Variables bound at launch). Two kinds:
//   - the start of a SHRINK on each dim (a slice, a batch window): a view's offset into its
//     realized buffer is a sum of these times strides, and goes into tg_launch_args.offsets;
//   - a host float constant that does not enable folding (a learning rate as a number, the s of
//     x * s): a scalar argument (tg_kir_program.scalar_args) for devices that declare
//     TG_KIR_SCALAR_ARGS.
// The schedule cache (replay.cpp) numbers them per graph and keys on everything else; a kernel
// that bakes one into its program (a device without scalar arguments, a masked view) guards it:
// the cached schedule then serves only that value.
#include <cstdint>

namespace tg::detail {

// A launch value times a coefficient (a view's offset in elements: begin * stride).
struct OffsetTerm {
  uint32_t var;
  int64_t coeff;
  bool operator==(const OffsetTerm& o) const { return var == o.var && coeff == o.coeff; }
};

// Whether a float constant stays in the program text: the values that enable folding and that
// the library's own op definitions use as identities and bounds.
bool literal_float(double v);

// The launch values of the graph being realized are read, and guarded, through its
// ScheduleContext (schedule_context.hpp).

}  // namespace tg::detail
