#include "conv_match.hpp"

#include <numeric>

namespace tg::onednn {
namespace {

enum { B_, O_, P_, Q_, C_, R_, T_ };

// Is `v` a window: not walking O, forward over B, C and both position/tap pairs?
bool is_window(const tg_kir_program& p, const tg_kir_view& v) {
  if (p.shape[O_] > 1 && v.strides[O_] != 0) return false;
  for (int d : {B_, P_, Q_, C_, R_, T_})
    if (p.shape[d] > 1 && v.strides[d] <= 0) return false;
  return true;
}

bool is_kernel(const tg_kir_program& p, const tg_kir_view& v) {
  for (int d : {B_, P_, Q_})
    if (p.shape[d] > 1 && v.strides[d] != 0) return false;
  return true;
}

// Splits the strides of a position dim (size n, stride a) and a tap dim (size k, stride b)
// that step through one memory dim into that dim's stride and the two steps.
void split(int64_t n, int64_t a, int64_t k, int64_t b, int64_t* stride, int64_t* u, int64_t* v) {
  *u = *v = 1;
  if (n > 1 && k > 1) {
    *stride = std::gcd(a, b);
    *u = a / *stride;
    *v = b / *stride;
  } else {
    *stride = n > 1 ? a : k > 1 ? b : 1;
  }
}

}  // namespace

std::optional<ConvMatch> match_conv(const tg_kir_program& p, const tg::sdk::ProgramInfo& info, std::string* why_not) {
  auto no = [&](const std::string& why) -> std::optional<ConvMatch> {
    *why_not = why;
    return std::nullopt;
  };
  if (p.ndim != 7 || info.reduce_axes != 0x70u) return no("not 7 dims with the last three reduced");
  const std::optional<Contraction> c = find_contraction(p, why_not);
  if (!c) return std::nullopt;
  const int32_t red = c->red;
  const tg_kir_node* lw = c->a;
  const tg_kir_node* lk = c->b;
  if (!(is_window(p, p.views[lw->view]) && is_kernel(p, p.views[lk->view]))) std::swap(lw, lk);
  const tg_kir_view& w = p.views[lw->view];
  const tg_kir_view& k = p.views[lk->view];
  if (!is_window(p, w) || !is_kernel(p, k)) return no("no operand is a sliding window with the other a kernel");

  ConvMatch m;
  m.B = p.shape[B_], m.O = p.shape[O_], m.P = p.shape[P_], m.Q = p.shape[Q_];
  m.C = p.shape[C_], m.R = p.shape[R_], m.T = p.shape[T_];
  m.win_param = static_cast<uint32_t>(lw->param);
  m.ker_param = static_cast<uint32_t>(lk->param);
  m.win_offset = w.offset;
  m.ker_offset = k.offset;
  m.sb = m.B > 1 ? w.strides[B_] : 1;
  m.sc = m.C > 1 ? w.strides[C_] : 1;
  split(m.P, w.strides[P_], m.R, w.strides[R_], &m.sh, &m.u[0], &m.v[0]);
  split(m.Q, w.strides[Q_], m.T, w.strides[T_], &m.sw, &m.u[1], &m.v[1]);
  m.extent[0] = m.reach(0);
  m.extent[1] = m.reach(1);
  if (!info.linear[lk->view].empty()) return no("the kernel is padded (linear mask)");
  bool seen[2] = {false, false};
  for (const tg_kir_linear_mask& lm : info.linear[lw->view]) {
    // Which pair it weighs, and by what factor f of (u, v): f * (p*u + r*v) in [begin, end).
    const int i = (lm.coeffs[Q_] != 0 || lm.coeffs[T_] != 0) ? 1 : 0;
    const int pos = i ? Q_ : P_, tap = i ? T_ : R_;
    for (int d = 0; d < 7; ++d)
      if (d != pos && d != tap && lm.coeffs[d] != 0) return no("the window has a linear mask that is not padding");
    const bool walks_tap = p.shape[tap] > 1, walks_pos = p.shape[pos] > 1;  // (a size-1 dim's index is 0)
    const int64_t f = walks_tap ? lm.coeffs[tap] / m.v[i] : walks_pos ? lm.coeffs[pos] / m.u[i] : 0;
    if (f <= 0 || (walks_pos && lm.coeffs[pos] != f * m.u[i]) || (walks_tap && lm.coeffs[tap] != f * m.v[i]) || seen[i])
      return no("the window has a linear mask that is not padding");
    seen[i] = true;
    auto ceil_div = [](int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
    const int64_t lo = ceil_div(lm.begin, f), hi = ceil_div(lm.end, f);
    if (lo < 0 || hi <= lo) return no("the window's padding is not in front of its tensor");
    m.pad[i] = lo;
    m.extent[i] = hi - lo;
  }
  const int dims[4] = {O_, C_, R_, T_};
  for (int i = 0; i < 4; ++i) m.ker[i] = k.strides[dims[i]];
  m.out = reduce_output(p, red, info.reduce_axes);
  m.kind = m.R * m.T <= m.P * m.Q ? ConvMatch::Kind::FORWARD : ConvMatch::Kind::BACKWARD_WEIGHTS;
  const bool flipped = (m.R > 1 || m.T > 1) && (m.R == 1 || m.ker[2] < 0) && (m.T == 1 || m.ker[3] < 0);
  if (m.kind == ConvMatch::Kind::FORWARD && flipped && m.u[0] == 1 && m.u[1] == 1) m.kind = ConvMatch::Kind::BACKWARD_DATA;
  auto n = [](int64_t v) { return std::to_string(v); };
  const char* kinds[] = {"forward", "weight gradient", "input gradient"};
  m.summary = std::string(kinds[static_cast<int>(m.kind)]) + ", window (" + n(m.B) +
              ", " + n(m.C) + ") x (" + n(m.P) + ", " + n(m.Q) + ") taps (" + n(m.R) + ", " + n(m.T) + "), " + n(m.O) +
              " out" + (m.padded() ? ", padded (" + n(m.pad[0]) + ", " + n(m.pad[1]) + ") in place" : "") +
              (m.out.direct ? ", stored directly" : ", into a temp") + (m.out.epilogue ? ", then an epilogue" : "");
  return m;
}

}  // namespace tg::onednn
