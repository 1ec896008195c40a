// The rules/ section: each named rule of tg/plugin.h's SEMANTICS checked exactly, on the inputs
// where devices differ: casts past the target's range, infinities and NaN, -0 against +0, bool
// arithmetic, INT_MIN / -1, integer overflow, double rounding, float16/bfloat16 rounding per
// node and in accumulators, duplicate stores and element-sized launch offsets. A few programs
// (one per source dtype, operand dtype or rule), each with several outputs, keep the section
// quick on a device that compiles every program.
#include <cmath>
#include <limits>
#include <string>

#include "rule_program.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

using ld = long double;
using Want = std::vector<std::vector<ld>>;
const ld kNan = std::numeric_limits<ld>::quiet_NaN();
const ld kInf = std::numeric_limits<ld>::infinity();

ld p2(int e) { return std::ldexp(1.0L, e); }

constexpr uint32_t kInts[] = {TG_DTYPE_INT8, TG_DTYPE_UINT8, TG_DTYPE_INT16, TG_DTYPE_INT32, TG_DTYPE_INT64};
constexpr uint32_t kFloats[] = {TG_DTYPE_FLOAT16, TG_DTYPE_BFLOAT16, TG_DTYPE_FLOAT32, TG_DTYPE_FLOAT64};

void add(std::vector<Case>& cases, const std::string& name, std::function<Outcome(Session&)> body) {
  cases.push_back({name, Level::Quick, Needs::Device, [body](Context& ctx) { return body(ctx.session()); }, "", ""});
}

// ---- what each rule says a result is ---------------------------------------------------------

int64_t wrapped(uint32_t dtype, ld v) { return wrap_int(dtype, static_cast<int64_t>(v)); }

// cast-float-to-int, cast-to-bool, cast-int-to-int, cast-to-float.
ld cast_value(uint32_t to, uint32_t from, ld x) {
  if (to == TG_DTYPE_BOOL) return x != 0 ? 1 : 0;  // (NaN != 0 too)
  if (is_float(to)) return std::isnan(x) ? kNan : round_to(to, x);
  if (!is_float(from)) return static_cast<ld>(wrapped(to, x));
  if (std::isnan(x)) return 0;
  const ld t = std::trunc(x);
  if (t < static_cast<ld>(int_min(to))) return static_cast<ld>(int_min(to));
  if (t > static_cast<ld>(int_max(to))) return static_cast<ld>(int_max(to));
  return t;
}
const char* cast_rule(uint32_t to, uint32_t from) {
  if (to == TG_DTYPE_BOOL) return "cast-to-bool";
  if (is_float(to)) return "cast-to-float";
  return is_float(from) ? "cast-float-to-int" : "cast-int-to-int";
}

std::vector<ld> cast_inputs(uint32_t from) {
  if (is_float(from))
    return {300, -300, -1, -0.75L, 0.75L, -0.0L, 0.0L, 127.75L, -128.75L, 255.5L, 256, 65519, 65520, 1e5L,
            3e9L, -3e9L, p2(31), -p2(31) - 256, 1e19L, -1e19L, kInf, -kInf, kNan,
            1 + p2(-8) + p2(-40),   // float64 -> bfloat16 rounds up; through float32 it ties to 1
            1 + p2(-11) + p2(-40),  // the same for float16
            1 + p2(-8), 1 + 3 * p2(-8), 1 + p2(-24) + p2(-60)};
  const ld big = p2(60) + p2(52) + 1, mid = p2(30) + p2(22) + 1;  // bfloat16 0x5d81, 0x4e81
  return {0, 1, -1, 300, 255, 256, -129, 2049, 2051, 257, 259, 65519, 65520, 16777217, mid, -mid,
          p2(31) - 1, -p2(31), p2(32) + 5, big, -big, static_cast<ld>(INT64_MAX), static_cast<ld>(INT64_MIN)};
}

// rules/cast/from-<dtype>: one input, a CAST to every other dtype.
Outcome cast_from(Session& s, uint32_t from, const std::string& name) {
  const std::vector<ld> values = cast_inputs(from);
  std::vector<ld> held;  // the values as `from` holds them (integers wrap into it)
  for (ld v : values) held.push_back(is_float(from) ? v : from == TG_DTYPE_BOOL ? (v != 0) : wrapped(from, v));
  RuleProgram rp(name, {static_cast<int64_t>(values.size())});
  const int x = rp.input(from, held);
  for (uint32_t to : kAllDtypes) {
    if (to == from) continue;
    Want want;
    for (size_t e = 0; e < values.size(); ++e) want.push_back({cast_value(to, from, rp.at(x, e))});
    rp.output(cast_rule(to, from), std::string("CAST ") + dtype_str(from) + " -> " + dtype_str(to),
              rp.program().cast(to, x), {x}, want);
  }
  return rp.run(s);
}

// rules/integers/<dtype>: ADD, MUL, NEG (int-wraps), IDIV, MOD (idiv-mod) at the edges.
Outcome integers(Session& s, uint32_t d, const std::string& name) {
  const ld mn = static_cast<ld>(int_min(d)), mx = static_cast<ld>(int_max(d));
  const std::vector<std::pair<ld, ld>> pairs = {{mx, 1},  {mx, mx}, {mn, -1}, {mn, 1},   {mn, mn}, {7, -2},  {-7, 2},
                                                {-7, -2}, {5, 0},   {mn, 0},  {mx, -1},  {-1, mn}, {100, 3}, {mn + 1, -1}};
  std::vector<ld> av, bv;
  for (const auto& [a, b] : pairs) {
    av.push_back(static_cast<ld>(wrapped(d, a)));
    bv.push_back(static_cast<ld>(wrapped(d, b)));
  }
  RuleProgram rp(name, {static_cast<int64_t>(pairs.size())});
  Program& p = rp.program();
  const int a = rp.input(d, av), b = rp.input(d, bv);
  Want add, mul, neg, idiv, mod;
  for (size_t e = 0; e < pairs.size(); ++e) {
    const int64_t x = static_cast<int64_t>(av[e]), y = static_cast<int64_t>(bv[e]);
    const uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
    add.push_back({static_cast<ld>(wrap_int(d, static_cast<int64_t>(ux + uy)))});
    mul.push_back({static_cast<ld>(wrap_int(d, static_cast<int64_t>(ux * uy)))});
    neg.push_back({static_cast<ld>(wrap_int(d, static_cast<int64_t>(0 - ux)))});
    const bool minus_one = y == -1;  // (uint8 has no -1: 255 divides as 255)
    idiv.push_back({static_cast<ld>(y == 0 ? 0 : minus_one ? wrap_int(d, static_cast<int64_t>(0 - ux)) : x / y)});
    mod.push_back({static_cast<ld>(y == 0 || minus_one ? 0 : x % y)});
  }
  const std::string t = dtype_str(d);
  rp.output("int-wraps", "ADD " + t, p.binary(TG_KIR_ADD, a, b), {a, b}, add);
  rp.output("int-wraps", "MUL " + t, p.binary(TG_KIR_MUL, a, b), {a, b}, mul);
  rp.output("int-wraps", "NEG " + t, p.unary(TG_KIR_NEG, a), {a}, neg);
  rp.output("idiv-mod", "IDIV " + t, p.binary(TG_KIR_IDIV, a, b), {a, b}, idiv);
  rp.output("idiv-mod", "MOD " + t, p.binary(TG_KIR_MOD, a, b), {a, b}, mod);
  return rp.run(s);
}

// rules/bool/ops: ADD, MUL, MAX, NEG on bool.
Outcome bool_ops(Session& s) {
  RuleProgram rp("rules/bool/ops", {4});
  Program& p = rp.program();
  const int a = rp.input(TG_DTYPE_BOOL, {0, 0, 1, 1}), b = rp.input(TG_DTYPE_BOOL, {0, 1, 0, 1});
  rp.output("bool-arith", "ADD bool", p.binary(TG_KIR_ADD, a, b), {a, b}, {{0}, {1}, {1}, {1}});
  rp.output("bool-arith", "MUL bool", p.binary(TG_KIR_MUL, a, b), {a, b}, {{0}, {0}, {0}, {1}});
  rp.output("bool-arith", "MAX bool", p.binary(TG_KIR_MAX, a, b), {a, b}, {{0}, {1}, {1}, {1}});
  rp.output("bool-arith", "NEG bool", p.unary(TG_KIR_NEG, a), {a}, {{0}, {0}, {1}, {1}});
  return rp.run(s);
}

// rules/bool/reduce: SUM (any), MAX (any), PROD (all) over rows of two.
Outcome bool_reduce(Session& s) {
  RuleProgram rp("rules/bool/reduce", {4, 2}, 0b10);
  Program& p = rp.program();
  const int x = rp.input(TG_DTYPE_BOOL, {0, 0, 0, 1, 1, 0, 1, 1});
  rp.output("bool-arith", "REDUCE SUM bool (rows 0 0, 0 1, 1 0, 1 1)", p.reduce(TG_REDUCE_SUM, 0b10, x), {}, {{0}, {1}, {1}, {1}});
  rp.output("bool-arith", "REDUCE MAX bool (rows 0 0, 0 1, 1 0, 1 1)", p.reduce(TG_REDUCE_MAX, 0b10, x), {}, {{0}, {1}, {1}, {1}});
  rp.output("bool-arith", "REDUCE PROD bool (rows 0 0, 0 1, 1 0, 1 1)", p.reduce(TG_REDUCE_PROD, 0b10, x), {}, {{0}, {0}, {0}, {1}});
  return rp.run(s);
}

// rules/floats/<dtype>: MAX (max-nan-ties) and the sign of zero of ADD, MUL, NEG, TRUNC.
Outcome floats(Session& s, uint32_t d, const std::string& name) {
  const std::vector<std::pair<ld, ld>> pairs = {{kNan, 1},  {1, kNan},   {kNan, kNan}, {-0.0L, 0.0L}, {0.0L, -0.0L},
                                                {-0.0L, -0.0L}, {0.0L, 0.0L}, {-1, 0},      {-0.5L, 2},    {2, 3},
                                                {3, 2},      {-kInf, 5},  {kInf, -kInf}, {1, 1},       {-kInf, kNan}};
  std::vector<ld> av, bv;
  for (const auto& [a, b] : pairs) {
    av.push_back(a);
    bv.push_back(b);
  }
  RuleProgram rp(name, {static_cast<int64_t>(pairs.size())});
  Program& p = rp.program();
  const int a = rp.input(d, av), b = rp.input(d, bv);
  Want mx, add, mul, neg, trunc;
  for (const auto& [x, y] : pairs) {
    mx.push_back({std::isnan(x) || std::isnan(y) ? kNan : x < y ? y : x});
    add.push_back({round_to(d, x + y)});
    mul.push_back({round_to(d, x * y)});
    neg.push_back({-x});
    trunc.push_back({std::trunc(x)});
  }
  const std::string t = dtype_str(d);
  rp.output("max-nan-ties", "MAX " + t, p.binary(TG_KIR_MAX, a, b), {a, b}, mx);
  rp.output("signed-zero", "ADD " + t, p.binary(TG_KIR_ADD, a, b), {a, b}, add);
  rp.output("signed-zero", "MUL " + t, p.binary(TG_KIR_MUL, a, b), {a, b}, mul);
  rp.output("signed-zero", "NEG " + t, p.unary(TG_KIR_NEG, a), {a}, neg);
  rp.output("signed-zero", "TRUNC " + t, p.unary(TG_KIR_TRUNC, a), {a}, trunc);
  return rp.run(s);
}

// rules/narrow-per-op: ADD(ADD(a, b), c) in float16 and bfloat16 rounds after each ADD.
Outcome narrow_per_op(Session& s) {
  RuleProgram rp("rules/narrow-per-op", {2});
  Program& p = rp.program();
  for (uint32_t d : {TG_DTYPE_FLOAT16, TG_DTYPE_BFLOAT16}) {
    const bool half = d == TG_DTYPE_FLOAT16;
    const ld big = half ? 2048 : 256, tiny = half ? p2(-11) : p2(-8);  // each a half ulp of the first
    const int a = rp.input(d, {big, 1}), b = rp.input(d, {1, tiny}), c = rp.input(d, {1, tiny});
    Want want;
    for (size_t e = 0; e < 2; ++e) want.push_back({round_to(d, round_to(d, rp.at(a, e) + rp.at(b, e)) + rp.at(c, e))});
    rp.output("narrow-per-op", std::string("ADD(ADD(a, b), c) ") + dtype_str(d),
              p.binary(TG_KIR_ADD, p.binary(TG_KIR_ADD, a, b), c), {a, b, c}, want);
  }
  return rp.run(s);
}

// rules/reduce/floats: float16/bfloat16 accumulators (reduce-accumulator) and NaN in REDUCE MAX.
Outcome reduce_floats(Session& s) {
  RuleProgram rp("rules/reduce/floats", {1, 5}, 0b10);
  Program& p = rp.program();
  struct Row {
    const char* rule;
    int32_t op;
    uint32_t dtype;
    std::vector<ld> values;
    ld want;
    const char* what;
  };
  const Row rows[] = {
      {"reduce-accumulator", TG_REDUCE_SUM, TG_DTYPE_FLOAT16, {2048, 1, 1, 1, 1}, 2052, "REDUCE SUM float16 of 2048, 1, 1, 1, 1"},
      {"reduce-accumulator", TG_REDUCE_SUM, TG_DTYPE_BFLOAT16, {256, 1, 1, 1, 1}, 260, "REDUCE SUM bfloat16 of 256, 1, 1, 1, 1"},
      {"reduce-accumulator", TG_REDUCE_PROD, TG_DTYPE_FLOAT16, {256, 256, p2(-8), p2(-8), 1}, 1,
       "REDUCE PROD float16 of 256, 256, 2^-8, 2^-8, 1"},
      {"max-nan-ties", TG_REDUCE_MAX, TG_DTYPE_FLOAT32, {1, 3, 2, -kInf, kNan}, kNan, "REDUCE MAX float32 of 1, 3, 2, -inf, nan"},
      {"max-nan-ties", TG_REDUCE_MAX, TG_DTYPE_FLOAT16, {kNan, 1, 3, 2, 0}, kNan, "REDUCE MAX float16 of nan, 1, 3, 2, 0"},
      {"max-nan-ties", TG_REDUCE_MAX, TG_DTYPE_FLOAT64, {-1, kNan, -kInf, 7, 0}, kNan, "REDUCE MAX float64 of -1, nan, -inf, 7, 0"},
  };
  for (const Row& r : rows) {
    const int x = rp.input(r.dtype, r.values);
    rp.output(r.rule, r.what, p.reduce(r.op, 0b10, x), {}, {{r.want}});
  }
  return rp.run(s);
}

// rules/reduce/integers: SUM and PROD wrap (int-wraps).
Outcome reduce_integers(Session& s) {
  RuleProgram rp("rules/reduce/integers", {1, 5}, 0b10);
  Program& p = rp.program();
  struct Row {
    int32_t op;
    uint32_t dtype;
    std::vector<ld> values;
    ld want;
    const char* what;
  };
  const Row rows[] = {
      {TG_REDUCE_SUM, TG_DTYPE_INT8, {100, 100, 100, 1, 1}, 46, "REDUCE SUM int8 of 100, 100, 100, 1, 1"},
      {TG_REDUCE_PROD, TG_DTYPE_UINT8, {200, 100, 1, 1, 1}, 32, "REDUCE PROD uint8 of 200, 100, 1, 1, 1"},
      {TG_REDUCE_PROD, TG_DTYPE_INT16, {300, 300, 1, 1, 1}, 24464, "REDUCE PROD int16 of 300, 300, 1, 1, 1"},
      {TG_REDUCE_SUM, TG_DTYPE_INT32, {p2(30), p2(30), p2(30), p2(30), 5}, 5, "REDUCE SUM int32 of 2^30 (4 times), 5"},
      {TG_REDUCE_PROD, TG_DTYPE_INT64, {p2(62), 2, 1, 1, 1}, static_cast<ld>(INT64_MIN), "REDUCE PROD int64 of 2^62, 2, 1, 1, 1"},
  };
  for (const Row& r : rows) {
    const int x = rp.input(r.dtype, r.values);
    rp.output("int-wraps", r.what, p.reduce(r.op, 0b10, x), {}, {{r.want}});
  }
  return rp.run(s);
}

// rules/store-duplicates: a stride-0 STORE and two STOREs into one param.
Outcome store_duplicates(Session& s) {
  RuleProgram rp("rules/store-duplicates", {4});
  Program& p = rp.program();
  const int a = rp.input(TG_DTYPE_FLOAT32, {1, 2, 3, 4}), b = rp.input(TG_DTYPE_FLOAT32, {10, 20, 30, 40});
  const int neg_a = p.unary(TG_KIR_NEG, a);  // (before a's STORE: a STORE is its value's last use)
  rp.output("store-duplicates", "STORE float32 through stride 0 (four values into one element)", a, {}, {{1, 2, 3, 4}}, {0}, 1);
  const int both = rp.output("store-duplicates", "two STOREs float32 into one param", neg_a, {a, b},
                             {{-1, 10}, {-2, 20}, {-3, 30}, {-4, 40}});
  rp.store_again(both, b);
  return rp.run(s);
}

// rules/launch-offsets: every param one element into its buffer (1, 2, 4 and 8 bytes).
Outcome launch_offsets(Session& s) {
  RuleProgram rp("rules/launch-offsets", {5});
  Program& p = rp.program();
  for (uint32_t d : {TG_DTYPE_INT8, TG_DTYPE_FLOAT16, TG_DTYPE_INT32, TG_DTYPE_FLOAT64}) {
    const int x = rp.input(d, {1, -2, 3, -4, 5});
    rp.output("launch-offsets", std::string("NEG ") + dtype_str(d) + " with offsets of one element", p.unary(TG_KIR_NEG, x),
              {x}, {{-1}, {2}, {-3}, {4}, {-5}});
  }
  return rp.run(s, 1);
}

}  // namespace

void add_rule_cases(std::vector<Case>& cases) {
  for (uint32_t from : kAllDtypes) {
    const std::string name = std::string("rules/cast/from-") + dtype_str(from);
    add(cases, name, [from, name](Session& s) { return cast_from(s, from, name); });
  }
  for (uint32_t d : kInts) {
    const std::string name = std::string("rules/integers/") + dtype_str(d);
    add(cases, name, [d, name](Session& s) { return integers(s, d, name); });
  }
  add(cases, "rules/bool/ops", bool_ops);
  add(cases, "rules/bool/reduce", bool_reduce);
  for (uint32_t d : kFloats) {
    const std::string name = std::string("rules/floats/") + dtype_str(d);
    add(cases, name, [d, name](Session& s) { return floats(s, d, name); });
  }
  add(cases, "rules/narrow-per-op", narrow_per_op);
  add(cases, "rules/reduce/floats", reduce_floats);
  add(cases, "rules/reduce/integers", reduce_integers);
  add(cases, "rules/store-duplicates", store_duplicates);
  add(cases, "rules/launch-offsets", launch_offsets);
}

}  // namespace tg::conformance
