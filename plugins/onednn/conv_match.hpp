#pragma once
// Recognizes the TG_FAST_CONV form (tg/plugin.h) in a tg.kir program: REDUCE(SUM) of
// MUL(LOAD win, LOAD ker) over (B, O, P, Q, C, R, T), dims 4-6 reduced, where the window's
// element is b*sb + c*sc + (p*u + r*v)*sh + (q*u' + t*v')*sw and the kernel walks O, C, R, T.
// The same form is a forward convolution (R, T the kernel taps) or, read the other way, a
// weight gradient (P, Q the taps; B, C the input's channels and batch): both compute the same
// numbers, so the choice is only about speed, and the smaller of the two window pairs is
// taken as the taps. A forward convolution with unit position steps whose kernel is read
// backwards over R and T is exactly oneDNN's input gradient (backward data) of the window's
// tensor, padded by the taps' extent on both sides: out[p] = sum over r of win[p + r*v] *
// ker[R-1-r] is diff_src[p] for diff_dst = win, weights ker, padding (R-1)*v. (That is the form
// the core gives an input gradient in; nothing is assumed about what the window's tensor holds.)
// A window whose LOAD has linear masks over (P, R) or (Q, T) weighing them as u : v reads a
// zero-padded tensor in place (the core's window of a pad, on a device that declares
// TG_KIR_LINEAR_MASKS): the primitives get that padding instead of a padded copy.
#include <cstdint>
#include <optional>
#include <string>

#include "contraction.hpp"
#include "tg/kir.hpp"

namespace tg::onednn {

struct ConvMatch {
  enum class Kind { FORWARD, BACKWARD_WEIGHTS, BACKWARD_DATA } kind = Kind::FORWARD;
  int64_t B = 1, O = 1, P = 1, Q = 1, C = 1, R = 1, T = 1;  // the program's dims
  uint32_t win_param = 0, ker_param = 0;
  int64_t win_offset = 0, ker_offset = 0;      // in elements
  int64_t sb = 1, sc = 1, sh = 1, sw = 1;       // the window's memory strides
  int64_t u[2] = {1, 1}, v[2] = {1, 1};         // steps of P, Q and of R, T in units of sh, sw
  int64_t ker[4] = {};                          // the kernel's strides over O, C, R, T (any sign)
  // The window's tensor along H and W (units of sh, sw): `pad` zero rows (a linear mask of the
  // window: tg_kir_linear_mask), then `extent` real ones from win_offset + pad * stride on.
  // Unpadded: pad 0 and extent the rows the window reaches.
  int64_t pad[2] = {0, 0}, extent[2] = {1, 1};
  bool padded() const { return pad[0] != 0 || pad[1] != 0 || extent[0] != reach(0) || extent[1] != reach(1); }
  int64_t reach(int i) const { return ((i ? Q : P) - 1) * u[i] + ((i ? T : R) - 1) * v[i] + 1; }
  ReduceOutput out;                             // strides over B, O, P, Q; the epilogue
  std::string summary;                          // for TG_PLUGIN_DEBUG
};

// The match, or nullopt with the reason in *why_not.
std::optional<ConvMatch> match_conv(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, std::string* why_not);

}  // namespace tg::onednn
