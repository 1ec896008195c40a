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
// the recording then replays only for that value.
#include <cstdint>

namespace tg::detail {

struct Node;

// A launch value times a coefficient (a view's offset in elements: begin * stride).
struct OffsetTerm {
  uint32_t var;
  int64_t coeff;
  bool operator==(const OffsetTerm& o) const { return var == o.var && coeff == o.coeff; }
};

// Whether a float constant stays in the program text: the values that enable folding and that
// the library's own op definitions use as identities and bounds.
bool literal_float(double v);

// The launch value of dim d's start of SHRINK node m, or of CONST node c, in the graph being
// realized; -1 when none (no realize in progress, or c is a literal).
int32_t shrink_var(const Node& m, size_t d);
int32_t scalar_var(const Node& c);
int64_t var_int(uint32_t var);
double var_float(uint32_t var);
// The kernel being built bakes var's current value into its program.
void guard_var(uint32_t var);

}  // namespace tg::detail
