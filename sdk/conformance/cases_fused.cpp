// Fused programs of the shapes the core's scheduler emits: matmul as REDUCE(SUM) over MUL of
// two broadcast LOADs (the TG_FAST_MATMUL pattern) with and without an epilogue, the three
// TG_FAST_CONV forms (forward, weight gradient, flipped kernel), reductions of
// broadcast, padded and flipped inputs, nested reductions, several outputs, mixed dtypes, eight
// dims, and programs without a LOAD.
#include <functional>
#include <string>

#include "op_table.hpp"
#include "runner.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

using Inputs = std::vector<std::vector<std::byte>>;
using Builder = std::function<Program(uint32_t dtype, std::mt19937_64& rng, Inputs& in)>;

Domain small(uint32_t dtype) {
  Domain d;
  d.lo = dtype == TG_DTYPE_UINT8 ? 0 : -3;
  d.hi = 3;
  d.frac_bits = 2;
  return d;
}

int read(Program& p, Inputs& in, std::mt19937_64& rng, uint32_t dtype, int64_t numel, const Domain& d) {
  in.push_back(random_input(dtype, numel, d, rng));
  return p.param(dtype, TG_PARAM_READ, numel);
}
int write(Program& p, Inputs& in, uint32_t dtype, int64_t numel) {
  in.emplace_back();
  return p.param(dtype, TG_PARAM_WRITE, numel);
}

// C[m, n] = sum_k A[m, k] * B[k, n] over the space (M, N, K); `epilogue`: relu(C + bias[n]).
Program matmul(uint32_t dtype, std::mt19937_64& rng, Inputs& in, bool epilogue, bool transposed_b) {
  const int64_t M = 7, N = 5, K = 11;
  Program p;
  p.shape = {M, N, K};
  const int a = read(p, in, rng, dtype, M * K, small(dtype)), b = read(p, in, rng, dtype, K * N, small(dtype));
  const int la = p.load(a, p.view({K, 0, 1}));
  const int lb = p.load(b, transposed_b ? p.view({0, K, 1}) : p.view({0, 1, N}));
  int v = p.reduce(TG_REDUCE_SUM, 0b100, p.binary(TG_KIR_MUL, la, lb));
  if (epilogue) {
    const int bias = read(p, in, rng, dtype, N, small(dtype));
    v = p.binary(TG_KIR_ADD, v, p.load(bias, p.view({0, 1, 0})));
    v = p.binary(TG_KIR_MAX, v, is_float(dtype) ? p.fconst(dtype, 0) : p.iconst(dtype, 0));
  }
  p.store(write(p, in, dtype, M * N), p.view({N, 1, 0}), v);
  return p;
}

// A batch of 3 matmuls, B shared across the batch (stride 0): space (batch, M, N, K).
Program batched_matmul(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  const int64_t B = 3, M = 4, N = 6, K = 9;
  Program p;
  p.shape = {B, M, N, K};
  const int a = read(p, in, rng, dtype, B * M * K, small(dtype)), b = read(p, in, rng, dtype, K * N, small(dtype));
  const int prod = p.binary(TG_KIR_MUL, p.load(a, p.view({M * K, K, 0, 1})), p.load(b, p.view({0, 0, 1, N})));
  p.store(write(p, in, dtype, B * M * N), p.view({M * N, N, 1, 0}), p.reduce(TG_REDUCE_SUM, 0b1000, prod));
  return p;
}

// The TG_FAST_CONV form: out[b, o, p, q] = sum over c, r, t of win[b, c, p, q, r, t] * ker[o, c, r, t]
// over the space (B, O, P, Q, C, R, T), the window a sliding view of x (N, C, H, W) with stride
// u and dilation v. `as`: "forward" (+ bias, relu), "weight-gradient" (the core's form of a
// weight gradient: taps and positions trade places, the output stored (O, B, P, Q)) or
// "flipped" (the input gradient's form: the kernel read backwards over R and T).
Program conv(uint32_t dtype, std::mt19937_64& rng, Inputs& in, const std::string& as) {
  const bool wgrad = as == "weight-gradient", flipped = as == "flipped";
  const int64_t N = 2, C = 3, H = 9, W = 8;
  const int64_t u0 = wgrad || flipped ? 1 : 2, u1 = 1, v0 = 1, v1 = wgrad ? 1 : 2;  // steps of P, Q and of R, T
  const int64_t R = wgrad ? 7 : 3, T = wgrad ? 7 : 2;                    // taps (positions, for wgrad)
  const int64_t P = (H - v0 * (R - 1) - 1) / u0 + 1, Q = (W - v1 * (T - 1) - 1) / u1 + 1;
  const int64_t B = wgrad ? C : N, Cr = wgrad ? N : C, O = 4;           // batch and reduced channels
  Program p;
  p.shape = {B, O, P, Q, Cr, R, T};
  const int x = read(p, in, rng, dtype, N * C * H * W, small(dtype)), k = read(p, in, rng, dtype, O * Cr * R * T, small(dtype));
  const int64_t sb = wgrad ? H * W : C * H * W, sc = wgrad ? C * H * W : H * W;
  const int lw = p.load(x, p.view({sb, 0, W * u0, u1, sc, W * v0, v1}));
  const int lk = flipped ? p.load(k, p.view({0, Cr * R * T, 0, 0, R * T, -T, -1}, R * T - 1))
             : wgrad ? p.load(k, p.view({0, R * T, 0, 0, O * R * T, T, 1}))  // the output gradient (N, O, R, T)
                     : p.load(k, p.view({0, Cr * R * T, 0, 0, R * T, T, 1}));
  int v = p.reduce(TG_REDUCE_SUM, 0b1110000, p.binary(TG_KIR_MUL, lw, lk));
  if (as == "forward") {
    const int bias = read(p, in, rng, dtype, O, small(dtype));
    v = p.binary(TG_KIR_ADD, v, p.load(bias, p.view({0, 1, 0, 0, 0, 0, 0})));
    v = p.binary(TG_KIR_MAX, v, is_float(dtype) ? p.fconst(dtype, 0) : p.iconst(dtype, 0));
  }
  const std::vector<int64_t> out = wgrad ? std::vector<int64_t>{P * Q, B * P * Q, Q, 1, 0, 0, 0}
                                         : std::vector<int64_t>{O * P * Q, P * Q, Q, 1, 0, 0, 0};
  p.store(write(p, in, dtype, B * O * P * Q), p.view(out), v);
  return p;
}

#if TG_ABI_MINOR >= 2
// The TG_FAST_CONV form over a zero-padded x (N, C, H, W) read in place: the window's view
// starts before x and linear masks keep its padded rows and columns at 0 (TG_KIR_LINEAR_MASKS).
// "forward": stride (2, 1), dilation (1, 2), padding (1, 2); "flipped": the input gradient's
// form, stride 1, the kernel read backwards, padding by the taps' extent (2, 2).
Program conv_padded(uint32_t dtype, std::mt19937_64& rng, Inputs& in, const std::string& as) {
  const bool flipped = as == "flipped";
  const int64_t N = 2, C = 3, H = 6, W = 5, O = 4, R = 3, T = flipped ? 3 : 2;
  const int64_t u0 = flipped ? 1 : 2, u1 = 1, v0 = 1, v1 = flipped ? 1 : 2;
  const int64_t pt = flipped ? 2 : 1, pl = 2;  // padding before; as much after
  const int64_t P = (H + 2 * pt - v0 * (R - 1) - 1) / u0 + 1, Q = (W + 2 * pl - v1 * (T - 1) - 1) / u1 + 1;
  Program p;
  p.shape = {N, O, P, Q, C, R, T};
  const int x = read(p, in, rng, dtype, N * C * H * W, small(dtype)), k = read(p, in, rng, dtype, O * C * R * T, small(dtype));
  const int win = p.view({C * H * W, 0, W * u0, u1, H * W, W * v0, v1}, -pt * W - pl);
  p.linear(win, {0, 0, u0, 0, 0, v0, 0}, pt, pt + H);
  p.linear(win, {0, 0, 0, u1, 0, 0, v1}, pl, pl + W);
  const int lk = flipped ? p.load(k, p.view({0, C * R * T, 0, 0, R * T, -T, -1}, R * T - 1))
                         : p.load(k, p.view({0, C * R * T, 0, 0, R * T, T, 1}));
  const int v = p.reduce(TG_REDUCE_SUM, 0b1110000, p.binary(TG_KIR_MUL, p.load(x, win), lk));
  p.store(write(p, in, dtype, N * O * P * Q), p.view({O * P * Q, P * Q, Q, 1, 0, 0, 0}), v);
  return p;
}
#endif

// sum over an expanded axis: out[i] = sum_j x[i] (the input's stride on j is 0).
Program reduce_broadcast(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {4, 9};
  const int x = read(p, in, rng, dtype, 4, small(dtype));
  p.store(write(p, in, dtype, 4), p.view({1, 0}), p.reduce(TG_REDUCE_SUM, 0b10, p.load(x, p.view({1, 0}))));
  return p;
}

// max over a padded, flipped input: out[i] = max_j pad(x)[i, 8 - j] with x valid on j in [2, 7).
Program reduce_padded_flipped(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {3, 9};
  const int x = read(p, in, rng, dtype, 15, small(dtype));
  // element of (i, j): 5 * i + (8 - j) - 2, valid where 8 - j in [2, 7), i.e. j in [2, 7).
  const int l = p.load(x, p.view({5, -1}, 6, {0, 2}, {3, 7}));
  const int c = is_float(dtype) ? p.fconst(dtype, -1.5, p.view({0, 0}, 0, {0, 0}, {3, 2})) : p.iconst(dtype, -1, p.view({0, 0}, 0, {0, 0}, {3, 2}));
  p.store(write(p, in, dtype, 3), p.view({1, 0}), p.reduce(TG_REDUCE_MAX, 0b10, p.binary(TG_KIR_ADD, l, c)));
  return p;
}

// log-sum-exp style: m = max_j x; s = sum_j exp2(x - m); out = log2(s) + m.
Program nested_reduce(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {5, 8};
  Domain d = small(dtype);
  const int x = read(p, in, rng, dtype, 40, d);
  const int v = p.view({8, 1});
  const int m = p.reduce(TG_REDUCE_MAX, 0b10, p.load(x, v));
  const int e = p.unary(TG_KIR_EXP2, p.binary(TG_KIR_ADD, p.load(x, v), p.unary(TG_KIR_NEG, m)));
  const int s = p.reduce(TG_REDUCE_SUM, 0b10, e);
  p.store(write(p, in, dtype, 5), p.view({1, 0}), p.binary(TG_KIR_ADD, p.unary(TG_KIR_LOG2, s), m));
  return p;
}

// Two outputs of one kernel: out0 = x * y, out1 = max(x, y) stored transposed.
Program two_outputs(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {3, 4};
  const int x = read(p, in, rng, dtype, 12, small(dtype)), y = read(p, in, rng, dtype, 12, small(dtype));
  const int v = p.view({4, 1});
  const int lx = p.load(x, v), ly = p.load(y, v);
  p.store(write(p, in, dtype, 12), v, p.binary(TG_KIR_MUL, lx, ly));
  p.store(write(p, in, dtype, 12), p.view({1, 3}), p.binary(TG_KIR_MAX, lx, ly));
  return p;
}

// out = sqrt(sum_j x^2 + 1/16) / 2, a norm with an epilogue.
Program norm(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {6, 10};
  const int x = read(p, in, rng, dtype, 60, small(dtype));
  const int l = p.load(x, p.view({10, 1}));
  const int s = p.reduce(TG_REDUCE_SUM, 0b10, p.binary(TG_KIR_MUL, l, l));
  const int r = p.unary(TG_KIR_SQRT, p.binary(TG_KIR_ADD, s, p.fconst(dtype, 1.0 / 16)));
  p.store(write(p, in, dtype, 6), p.view({1, 0}), p.binary(TG_KIR_MUL, r, p.fconst(dtype, 0.5)));
  return p;
}

// int32 -> dtype -> arithmetic -> compare -> where -> int32 again.
Program mixed_dtypes(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {17};
  Domain d;
  d.lo = -20;
  d.hi = 20;
  const int a = read(p, in, rng, TG_DTYPE_INT32, 17, d);
  const int v = p.view({1});
  const int x = p.cast(dtype, p.load(a, v));
  const int y = p.binary(TG_KIR_MUL, x, is_float(dtype) ? p.fconst(dtype, 0.5) : p.iconst(dtype, 3));
  const int neg = p.binary(TG_KIR_CMPLT, y, is_float(dtype) ? p.fconst(dtype, 0) : p.iconst(dtype, 0));
  const int w = p.where(neg, p.unary(TG_KIR_NEG, y), y);
  p.store(write(p, in, TG_DTYPE_INT32, 17), v, p.cast(TG_DTYPE_INT32, w));
  p.store(write(p, in, TG_DTYPE_BOOL, 17), v, neg);
  return p;
}

// Eight dims of size 2, reduce over axes 1, 3, 5; input read with permuted strides.
Program eight_dims(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = std::vector<int64_t>(8, 2);
  const int x = read(p, in, rng, dtype, 256, small(dtype));
  const int l = p.load(x, p.view({1, 2, 4, 8, 16, 32, 64, 128}));  // reversed row-major: a permute
  const int r = p.reduce(TG_REDUCE_SUM, 0b00101010, l);
  p.store(write(p, in, dtype, 32), p.view({16, 0, 8, 0, 4, 0, 2, 1}), r);
  return p;
}

// No LOAD: a fill with a constant, and an iota-free padded constant.
Program constants(uint32_t dtype, std::mt19937_64&, Inputs& in) {
  Program p;
  p.shape = {4, 6};
  const int c = is_float(dtype) ? p.fconst(dtype, 2.5) : p.iconst(dtype, dtype == TG_DTYPE_BOOL ? 1 : 7);
  p.store(write(p, in, dtype, 24), p.view({6, 1}), c);
  const int masked = is_float(dtype) ? p.fconst(dtype, -1.25, p.view({0, 0}, 0, {1, 2}, {3, 5}))
                                     : p.iconst(dtype, dtype == TG_DTYPE_BOOL ? 1 : 5, p.view({0, 0}, 0, {1, 2}, {3, 5}));
  p.store(write(p, in, dtype, 24), p.view({6, 1}), masked);
  return p;
}

struct Fused {
  const char* name;
  bool (*accepts)(uint32_t dtype);
  Builder build;
};

bool numeric(uint32_t d) { return d != TG_DTYPE_BOOL; }
bool floats(uint32_t d) { return is_float(d); }
bool all(uint32_t) { return true; }
bool signed_numeric(uint32_t d) { return d != TG_DTYPE_BOOL && d != TG_DTYPE_UINT8; }

const std::vector<Fused>& fused() {
  static const std::vector<Fused> list = {
      {"matmul", numeric, [](uint32_t d, std::mt19937_64& r, Inputs& in) { return matmul(d, r, in, false, false); }},
      {"matmul-epilogue", numeric, [](uint32_t d, std::mt19937_64& r, Inputs& in) { return matmul(d, r, in, true, false); }},
      {"matmul-transposed", numeric, [](uint32_t d, std::mt19937_64& r, Inputs& in) { return matmul(d, r, in, false, true); }},
      {"matmul-batched", numeric, batched_matmul},
      {"conv", numeric, [](uint32_t d, std::mt19937_64& r, Inputs& in) { return conv(d, r, in, "forward"); }},
      {"conv-weight-gradient", numeric, [](uint32_t d, std::mt19937_64& r, Inputs& in) { return conv(d, r, in, "weight-gradient"); }},
      {"conv-flipped-kernel", numeric, [](uint32_t d, std::mt19937_64& r, Inputs& in) { return conv(d, r, in, "flipped"); }},
      {"reduce-broadcast", numeric, reduce_broadcast},
      {"reduce-padded-flipped", signed_numeric, reduce_padded_flipped},
      {"nested-reduce", floats, nested_reduce},
      {"two-outputs", numeric, two_outputs},
      {"norm", floats, norm},
      {"mixed-dtypes", signed_numeric, mixed_dtypes},
      {"eight-dims", numeric, eight_dims},
      {"constants", all, constants},
  };
  return list;
}

#if TG_ABI_MINOR >= 3
// Scalar launch arguments (TG_KIR_SCALAR_ARGS): out = x * s0 + s1 + 1 over (5, 7), s1 padded
// (0 outside rows 1..3), compiled once and launched with three sets of values: each launch
// computes with its own (a learning rate, the s of x * s, changing between launches).
Program scalar_args(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  Program p;
  p.shape = {5, 7};
  const bool f = is_float(dtype);
  const int x = p.load(read(p, in, rng, dtype, 35, small(dtype)), p.view({7, 1}));
  const int s0 = p.scalar(dtype);
  const int s1 = p.scalar(dtype, p.view({0, 0}, 0, {1, 0}, {4, 7}));
  const int one = f ? p.fconst(dtype, 1) : p.iconst(dtype, 1);
  const int v = p.binary(TG_KIR_ADD, p.binary(TG_KIR_ADD, p.binary(TG_KIR_MUL, x, s0), s1), one);
  p.store(write(p, in, dtype, 35), p.view({7, 1}), v);
  if (f) p.scalar_runs = {{{0, 2.5}, {0, -1.25}}, {{0, -0.75}, {0, 3.0}}, {{0, 0.0}, {0, 0.5}}};
  else p.scalar_runs = {{{3, 0}, {-2, 0}}, {{-7, 0}, {5, 0}}, {{0, 0}, {1, 0}}};
  return p;
}
#endif

#if TG_ABI_MINOR >= 4
// GATHER (TG_KIR_INDEXED): rows of a (7, 5) table read through a transposed view, at 9 indices
// from -2 to 8 (some outside [0, 7): 0), with an elementwise consumer: out[n, c] = 2 * t[k[n], c]
// (as g + g), over the space (9, 5). The table's view gives the gathered dim stride 0.
Program gather(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  const int64_t R = 7, C = 5, N = 9;
  Program p;
  p.shape = {N, C};
  const int table = read(p, in, rng, dtype, R * C, small(dtype));  // laid out (C, R): t[r, c] at c * R + r
  Domain d;
  d.choices = {-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8};
  const int idx = read(p, in, rng, TG_DTYPE_INT32, N, d);
  const int k = p.load(idx, p.view({1, 0}));
  const int g = p.gather(table, p.view({0, R}), k, R, 1);
  p.store(write(p, in, dtype, N * C), p.view({C, 1}), p.binary(TG_KIR_ADD, g, g));
  return p;
}

// SCATTER_ADD: 40 rows of values added into a (5, 3) start at indices from -1 to 5 (repeats, and
// -1 and 5 outside: nothing), over the space (40, 3). The values are small and exact, so every
// order of the adds gives the same sums.
Program scatter_add(uint32_t dtype, std::mt19937_64& rng, Inputs& in) {
  const int64_t R = 5, C = 3, N = 40;
  Program p;
  p.shape = {N, C};
  const int values = read(p, in, rng, dtype, N * C, small(dtype));
  Domain d;
  d.choices = {-1, 0, 1, 2, 3, 4, 5};
  const int idx = read(p, in, rng, TG_DTYPE_INT64, N, d);
  const int out = write(p, in, dtype, R * C);
  p.starts.resize(p.params.size());
  p.starts[static_cast<size_t>(out)] = random_input(dtype, R * C, small(dtype), rng);
  p.scatter_add(out, p.view({0, 1}), p.load(values, p.view({C, 1})), p.load(idx, p.view({1, 0})), R, C);
  return p;
}
#endif

}  // namespace

void add_view_cases(std::vector<Case>& cases) {
  for (const Fused& f : fused()) {
    for (uint32_t dtype : kAllDtypes) {
      if (!f.accepts(dtype)) continue;
      const std::string name = std::string("fused/") + f.name + "/" + dtype_str(dtype);
      const Level level = dtype == TG_DTYPE_FLOAT32 || dtype == TG_DTYPE_INT32 ? Level::Quick : Level::Standard;
      cases.push_back({name, level, Needs::Device,
                       [build = f.build, dtype, name](Context& ctx) {
                         std::mt19937_64 rng = ctx.rng_for(name);
                         Inputs in;
                         Program p = build(dtype, rng, in);
                         p.name = name;
                         return run_and_compare(ctx.session(), p, in);
                       },
                       "", ""});
    }
  }
#if TG_ABI_MINOR >= 2
  // Only for plugins that declare linear masks: the core gives them to no other.
  for (const char* as : {"forward", "flipped"}) {
    for (uint32_t dtype : {uint32_t{TG_DTYPE_FLOAT32}, uint32_t{TG_DTYPE_INT32}, uint32_t{TG_DTYPE_FLOAT64}}) {
      const std::string name = std::string("fused/conv-padded-") + as + "/" + dtype_str(dtype);
      cases.push_back({name, dtype == TG_DTYPE_FLOAT64 ? Level::Standard : Level::Quick, Needs::Device,
                       [as = std::string(as), dtype, name](Context& ctx) {
                         if (!(ctx.session().caps().kir_features & TG_KIR_LINEAR_MASKS))
                           return pass("the plugin does not declare TG_KIR_LINEAR_MASKS");
                         std::mt19937_64 rng = ctx.rng_for(name);
                         Inputs in;
                         Program p = conv_padded(dtype, rng, in, as);
                         p.name = name;
                         return run_and_compare(ctx.session(), p, in);
                       },
                       "", ""});
    }
  }
#endif
#if TG_ABI_MINOR >= 3
  // Only for plugins that declare scalar args: the core gives them to no other.
  for (uint32_t dtype : {uint32_t{TG_DTYPE_FLOAT32}, uint32_t{TG_DTYPE_INT32}, uint32_t{TG_DTYPE_FLOAT64},
                         uint32_t{TG_DTYPE_FLOAT16}}) {
    const std::string name = std::string("fused/scalar-args/") + dtype_str(dtype);
    cases.push_back({name, dtype == TG_DTYPE_FLOAT32 ? Level::Quick : Level::Standard, Needs::Device,
                     [dtype, name](Context& ctx) {
                       if (!(ctx.session().caps().kir_features & TG_KIR_SCALAR_ARGS))
                         return pass("the plugin does not declare TG_KIR_SCALAR_ARGS");
                       std::mt19937_64 rng = ctx.rng_for(name);
                       Inputs in;
                       Program p = scalar_args(dtype, rng, in);
                       p.name = name;
                       return run_and_compare(ctx.session(), p, in);
                     },
                     "", ""});
  }
#endif
#if TG_ABI_MINOR >= 4
  // Only for plugins that declare TG_KIR_INDEXED: the core gives GATHER and SCATTER_ADD to no other.
  using Build = Program (*)(uint32_t, std::mt19937_64&, Inputs&);
  for (auto [what, build] : {std::pair<const char*, Build>{"gather", gather}, {"scatter-add", scatter_add}}) {
    for (uint32_t dtype : {uint32_t{TG_DTYPE_FLOAT32}, uint32_t{TG_DTYPE_INT32}, uint32_t{TG_DTYPE_FLOAT64},
                           uint32_t{TG_DTYPE_INT64}, uint32_t{TG_DTYPE_FLOAT16}, uint32_t{TG_DTYPE_UINT8}}) {
      const std::string name = std::string("fused/") + what + "/" + dtype_str(dtype);
      const bool quick = dtype == TG_DTYPE_FLOAT32 || dtype == TG_DTYPE_INT32;
      cases.push_back({name, quick ? Level::Quick : Level::Standard, Needs::Device,
                       [build = build, dtype, name](Context& ctx) {
                         if (!(ctx.session().caps().kir_features & TG_KIR_INDEXED))
                           return pass("the plugin does not declare TG_KIR_INDEXED");
                         std::mt19937_64 rng = ctx.rng_for(name);
                         Inputs in;
                         Program p = build(dtype, rng, in);
                         p.name = name;
                         return run_and_compare(ctx.session(), p, in);
                       },
                       "", ""});
    }
  }
#endif
}

}  // namespace tg::conformance
