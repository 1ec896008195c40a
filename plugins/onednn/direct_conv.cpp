#include "direct_conv.hpp"

#include <algorithm>
#include <map>

#include "tg/plugin.hpp"

namespace tg::onednn {

namespace {

constexpr int64_t kLanes = 8;  // the kernels' vectors (32 bytes): 16 lanes lose more to row tails than they gain
constexpr int64_t kMaxAccumulators = 12;  // taps per task: with the operand vectors, 16 registers

// The window's strides per program dim (conv_match.hpp splits them into steps).
struct Strides {
  int64_t wb, wc, wp, wq, wr, wt;
};
Strides window_strides(const ConvMatch& m) {
  return {m.sb, m.sc, m.u[0] * m.sh, m.u[1] * m.sw, m.v[0] * m.sh, m.v[1] * m.sw};
}

// Tap rows per task: the largest divisor of P whose rows of taps fit the accumulators.
int64_t rows_per_task(const ConvMatch& m) {
  int64_t best = 1;
  for (int64_t g = 1; g <= m.P; ++g)
    if (m.P % g == 0 && g * m.Q <= kMaxAccumulators) best = g;
  return best;
}

// Slices of C per (b, o, row block): enough tasks for every thread to get a few.
int64_t slices(const ConvMatch& m, int threads) {
  const int64_t tasks = m.B * m.O * (m.P / rows_per_task(m)), want = 4 * static_cast<int64_t>(threads);
  if (tasks >= want) return 1;
  return std::min(m.C, (want + tasks - 1) / tasks);
}

// @NAME@ -> value, for every NAME in `values`.
std::string fill(std::string text, const std::map<std::string, int64_t>& values) {
  for (const auto& [name, value] : values) {
    const std::string key = "@" + name + "@", v = "INT64_C(" + std::to_string(value) + ")";
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + v.size()))
      text.replace(at, key.size(), v);
  }
  return text;
}

// What both kernels open with. bufs[0]: element 0 of the output; bufs[1]: of the window;
// bufs[2]: of the kernel. Products are summed with fused multiply-adds (these kernels' own
// choice: their sums have no elementwise twin whose rounding they must match).
constexpr const char* kPrologue = R"(
#pragma GCC optimize("fp-contract=fast")
#include <stdint.h>
#include <stdlib.h>
typedef float vf __attribute__((vector_size(32)));
typedef float vfu __attribute__((vector_size(32), aligned(4)));

int tg_kernel(char* const* bufs) {
  float* restrict out = (float*)bufs[0];
  const float* restrict win = (const float*)bufs[1];
  const float* restrict ker = (const float*)bufs[2];
)";

// The few-taps form (the header has the loop nest).
constexpr const char* kSource = R"(  const int64_t blocks = @P@ / @PG@, tasks = @B@ * @O@ * blocks * @S@;
  float* restrict part = @S@ > 1 ? (float*)malloc(sizeof(float) * tasks * @PG@ * @Q@) : 0;
  if (@S@ > 1 && !part) return 1;
  #pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < tasks; task++) {
    const int64_t s = task % @S@, blk = task / @S@ % blocks, o = task / (@S@ * blocks) % @O@;
    const int64_t b = task / (@S@ * blocks * @O@), p0 = blk * @PG@;
    const int64_t clo = s * @C@ / @S@, chi = (s + 1) * @C@ / @S@;
    vf acc[@PG@][@Q@];
    float tail[@PG@][@Q@];
    for (int p = 0; p < @PG@; p++)
      for (int q = 0; q < @Q@; q++) {
        acc[p][q] = (vf){0};
        tail[p][q] = 0.0f;
      }
    for (int64_t c = clo; c < chi; c++)
      for (int64_t r = 0; r < @R@; r++) {
        const float* kr = ker + o * @KO@ + c * @KC@ + r * @KR@;
        const float* wr = win + b * @WB@ + c * @WC@ + p0 * @WP@ + r * @WR@;
        int64_t t = 0;
        for (; t + 8 <= @T@; t += 8) {
          const vf k = *(const vfu*)(kr + t);
          for (int p = 0; p < @PG@; p++)
            for (int q = 0; q < @Q@; q++) acc[p][q] += k * *(const vfu*)(wr + p * @WP@ + q * @WQ@ + t);
        }
        for (; t < @T@; t++)
          for (int p = 0; p < @PG@; p++)
            for (int q = 0; q < @Q@; q++) tail[p][q] += kr[t] * wr[p * @WP@ + q * @WQ@ + t];
      }
    for (int p = 0; p < @PG@; p++)
      for (int q = 0; q < @Q@; q++) {
        float sum = tail[p][q];
        for (int l = 0; l < 8; l++) sum += acc[p][q][l];
        if (@S@ > 1) part[(task * @PG@ + p) * @Q@ + q] = sum;
        else out[b * @OB@ + o * @OO@ + (p0 + p) * @OP@ + q * @OQ@] = sum;
      }
  }
  if (@S@ > 1) {
    for (int64_t g = 0; g < tasks / @S@; g++)
      for (int p = 0; p < @PG@; p++)
        for (int q = 0; q < @Q@; q++) {
          const int64_t blk = g % blocks, o = g / blocks % @O@, b = g / (blocks * @O@);
          float sum = 0.0f;
          for (int64_t s = 0; s < @S@; s++) sum += part[((g * @S@ + s) * @PG@ + p) * @Q@ + q];
          out[b * @OB@ + o * @OO@ + (blk * @PG@ + p) * @OP@ + q * @OQ@] = sum;
        }
    free(part);
  }
  return 0;
}
)";

// The forward form: per task a row (b, p) of the output; per 8 outputs along q the window's
// vectors for every tap (c, r, t) are loaded once and reused by every output channel. The last
// vector of a row starts at Q - 8 and overlaps the one before: the outputs it writes twice get
// the same values, so no scalar tail is needed.
constexpr const char* kForwardSource = R"(  #pragma omp parallel for schedule(static)
  for (int64_t task = 0; task < @B@ * @P@; task++) {
    const int64_t b = task / @P@, p = task % @P@;
    for (int64_t q0 = 0; q0 < @Q@; q0 += 8) {
      const int64_t q = q0 + 8 <= @Q@ ? q0 : @Q@ - 8;
      vf x[@C@][@R@][@T@];
      for (int c = 0; c < @C@; c++)
        for (int r = 0; r < @R@; r++)
          for (int t = 0; t < @T@; t++)
            x[c][r][t] = *(const vfu*)(win + b * @WB@ + c * @WC@ + p * @WP@ + r * @WR@ + t * @WT@ + q);
      for (int64_t o = 0; o < @O@; o++) {
        vf acc = (vf){0};
        for (int c = 0; c < @C@; c++)
          for (int r = 0; r < @R@; r++)
            for (int t = 0; t < @T@; t++) acc += ker[o * @KO@ + c * @KC@ + r * @KR@ + t * @KT@] * x[c][r][t];
        *(vfu*)(out + b * @OB@ + o * @OO@ + p * @OP@ + q) = acc;
      }
    }
  }
  return 0;
}
)";

constexpr int64_t kMaxForwardTaps = 27;  // window vectors per output vector (3 channels of 3x3)

}  // namespace

DirectConv::Form DirectConv::form(const ConvMatch& m, std::string* why_not) {
  const Strides w = window_strides(m);
  if (m.padded()) {
    *why_not = "its window is padded in place (oneDNN takes the padding)";
    return Form::none;
  }
  if (m.kind == ConvMatch::Kind::BACKWARD_WEIGHTS) {
    if (m.T < kLanes) *why_not = "the innermost reduced dim is shorter than a vector";
    else if (w.wt != 1 || m.ker[3] != 1) *why_not = "the innermost reduced dim is not contiguous in both operands";
    else if (m.Q > kMaxAccumulators) *why_not = "a row of taps does not fit the accumulators";
    else return Form::few_taps;
  } else {
    if (m.Q < kLanes) *why_not = "the output rows are shorter than a vector";
    else if (w.wq != 1 || m.out.strides[3] != 1) *why_not = "the output rows are not contiguous in the window and the output";
    else if (m.C * m.R * m.T > kMaxForwardTaps) *why_not = "too many taps per output for the direct kernel";
    else return Form::few_channels;
  }
  return Form::none;
}

std::string DirectConv::render(const ConvMatch& m, int threads) {
  const Strides w = window_strides(m);
  const int64_t* o = m.out.strides;
  std::string why_not;
  const bool forward = form(m, &why_not) == Form::few_channels;
  const std::string head = std::string("/* tg direct convolution: ") + (forward ? "few input channels */" : "few taps */");
  return fill(head + kPrologue + (forward ? kForwardSource : kSource),
              {{"B", m.B}, {"O", m.O}, {"P", m.P}, {"Q", m.Q}, {"C", m.C}, {"R", m.R}, {"T", m.T},
               {"PG", rows_per_task(m)}, {"S", slices(m, threads)},
               {"WB", w.wb}, {"WC", w.wc}, {"WP", w.wp}, {"WQ", w.wq}, {"WR", w.wr}, {"WT", w.wt},
               {"KO", m.ker[0]}, {"KC", m.ker[1]}, {"KR", m.ker[2]}, {"KT", m.ker[3]},
               {"OB", o[0]}, {"OO", o[1]}, {"OP", o[2]}, {"OQ", o[3]}});
}

DirectConv::DirectConv(const ConvMatch& m, JitCompiler& jit, int threads) : Primitive(m.out), m_(m), jit_(jit) {
  bool cached = false;
  fn_ = jit.get(render(m, threads), &cached, &so_);
  std::string why_not;
  impl_ = form(m, &why_not) == Form::few_taps ? "tg direct (few taps)" : "tg direct (few input channels)";
}

void DirectConv::run(dnnl::stream&, const std::vector<std::byte*>& base, std::byte* temp, std::byte*) {
  char* bufs[3] = {reinterpret_cast<char*>(output(base, temp)),
                   reinterpret_cast<char*>(reinterpret_cast<float*>(base[m_.win_param]) + m_.win_offset),
                   reinterpret_cast<char*>(reinterpret_cast<float*>(base[m_.ker_param]) + m_.ker_offset)};
  if (fn_(bufs) != 0)
    throw tg::sdk::Failure(TG_ERR_OUT_OF_MEMORY, "onednn: the direct convolution could not allocate its partial sums");
}

}  // namespace tg::onednn
