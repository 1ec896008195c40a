// Randomly generated fused programs (fixed seeds: case random/<k> is always the same program):
// random shapes, views (strides in [-2, 2], offsets, masks), a random DAG of the ops that keep
// its values inside what tg.kir defines (each node's value range is tracked while building),
// optionally a reduction (sometimes nested) with an elementwise epilogue, and one or two STOREs.
#include <algorithm>
#include <cmath>
#include <string>

#include "case.hpp"
#include "runner.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

using Inputs = std::vector<std::vector<std::byte>>;

struct Node {
  int index;
  double lo, hi;  // the range of its values
};

class Generator {
 public:
  Generator(std::mt19937_64& rng, uint32_t dtype) : rng_(rng), d_(dtype) {}

  Program build(const std::string& name, Inputs& in) {
    p_.name = name;
    const int ndim = pick(1, 4);
    for (int d = 0; d < ndim; ++d) p_.shape.push_back(pick(0, 7) == 0 ? pick(9, 40) : pick(1, 5));
    while (product(p_.shape) > 20000)  // keeps the host evaluation quick
      for (int64_t& s : p_.shape) s = (s + 1) / 2;
    if (pick(0, 19) == 0) p_.shape[static_cast<size_t>(pick(0, ndim - 1))] = 0;
    uint64_t axes = pick(0, 2) == 0 ? 0 : rng_() % (uint64_t{1} << ndim);
    int64_t count = 1;
    for (int d = 0; d < ndim; ++d)
      if ((axes >> d) & 1u) count *= p_.shape[static_cast<size_t>(d)];
    in_ = &in;

    Node v = expression(pick(1, 4));
    if (axes) {
      v = reduce(axes, count, v);
      if (pick(0, 3) == 0) v = reduce(axes, count, combine(expression(1), v));
      v = combine(v, expression(pick(0, 2)));
    }
    std::vector<int64_t> out_dims;
    for (int d = 0; d < ndim; ++d) out_dims.push_back(((axes >> d) & 1u) ? 1 : p_.shape[static_cast<size_t>(d)]);
    std::vector<int64_t> strides = row_major(out_dims);
    for (size_t d = 0; d < out_dims.size(); ++d)
      if (out_dims[d] == 1) strides[d] = 0;
    const int64_t numel = product(out_dims);
    in.emplace_back();
    p_.store(p_.param(d_, TG_PARAM_WRITE, numel), p_.view(strides), v.index);
    if (pick(0, 2) == 0) {  // a second output: a compare of the value, as bool
      const Node c = leaf();
      in.emplace_back();
      p_.store(p_.param(TG_DTYPE_BOOL, TG_PARAM_WRITE, numel), p_.view(strides), p_.binary(TG_KIR_CMPLT, v.index, c.index));
    }
    return p_;
  }

 private:
  int pick(int lo, int hi) { return lo + static_cast<int>(rng_() % static_cast<uint64_t>(hi - lo + 1)); }
  bool flt() const { return is_float(d_); }
  // The largest magnitude values may reach: floats stay far from float16's overflow, integers
  // never overflow (tg.kir does not define it for every op).
  double limit() const { return flt() ? 2000.0 : static_cast<double>(std::min<int64_t>(int_max(d_), int64_t{1} << 40)); }
  double floor_() const { return flt() ? -limit() : static_cast<double>(std::max<int64_t>(int_min(d_), -(int64_t{1} << 40))); }
  bool fits(double lo, double hi) const { return lo >= floor_() && hi <= limit(); }

  Node leaf() {
    if (pick(0, 4) == 0) {
      if (flt()) {
        const double c = pick(-16, 16) / 4.0;
        return {p_.fconst(d_, c), c, c};
      }
      const int64_t c = std::max<int64_t>(pick(-5, 5), int_min(d_));
      return {p_.iconst(d_, c), static_cast<double>(c), static_cast<double>(c)};
    }
    return load();
  }

  // A LOAD through a random view whose offset and numel cover every index, maybe masked.
  Node load() {
    const size_t ndim = p_.shape.size();
    std::vector<int64_t> strides;
    int64_t lo = 0, hi = 0;
    for (size_t d = 0; d < ndim; ++d) {
      strides.push_back(pick(-2, 2));
      const int64_t last = std::max<int64_t>(p_.shape[d] - 1, 0);
      lo += std::min<int64_t>(0, strides.back() * last);
      hi += std::max<int64_t>(0, strides.back() * last);
    }
    std::vector<int64_t> mb, me;
    if (pick(0, 3) == 0)
      for (size_t d = 0; d < ndim; ++d) {
        mb.push_back(pick(-1, 2));
        me.push_back(mb.back() + pick(0, static_cast<int>(p_.shape[d]) + 1));
      }
    const int64_t numel = hi - lo + 1;
    Domain dom;
    dom.lo = flt() ? -4 : -20;
    dom.hi = flt() ? 4 : 20;
    dom.frac_bits = 3;
    in_->push_back(random_input(d_, numel, dom, rng_));
    const int q = p_.param(d_, TG_PARAM_READ, numel);
    const double vlo = flt() ? dom.lo : std::max(dom.lo, static_cast<double>(int_min(d_)));
    return {p_.load(q, p_.view(strides, -lo, mb, me)), std::min(vlo, 0.0), dom.hi};
  }

  Node expression(int depth) {
    if (depth <= 0) return leaf();
    return combine(expression(depth - 1), pick(0, 1) ? expression(depth - 1) : leaf());
  }

  Node constant(double c) {
    if (flt()) return {p_.fconst(d_, c), c, c};
    return {p_.iconst(d_, static_cast<int64_t>(c)), c, c};
  }

  // One op over a and b chosen among those whose result stays in range.
  Node combine(Node a, Node b) {
    for (int tries = 0; tries < 8; ++tries) {
      const int choice = pick(0, flt() ? 9 : 10);
      const double m = std::max({std::fabs(a.lo), std::fabs(a.hi), std::fabs(b.lo), std::fabs(b.hi)});
      switch (choice) {
        case 0:
          if (fits(a.lo + b.lo, a.hi + b.hi)) return {p_.binary(TG_KIR_ADD, a.index, b.index), a.lo + b.lo, a.hi + b.hi};
          break;
        case 1:
          if (fits(-m * m, m * m)) return {p_.binary(TG_KIR_MUL, a.index, b.index), -m * m, m * m};
          break;
        case 2: return {p_.binary(TG_KIR_MAX, a.index, b.index), std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
        case 3:
          if ((int_min(d_) < 0 || flt()) && fits(-m, m))
            return {p_.where(p_.binary(TG_KIR_CMPLT, a.index, b.index), p_.unary(TG_KIR_NEG, a.index), b.index), -m, m};
          break;
        case 4: return {p_.where(p_.binary(TG_KIR_CMPNE, a.index, b.index), a.index, b.index), std::min(a.lo, b.lo), std::max(a.hi, b.hi)};
        default: break;
      }
      if (flt()) {
        const int sq = p_.binary(TG_KIR_MUL, a.index, a.index);
        const double s = std::max(a.lo * a.lo, a.hi * a.hi);
        switch (choice) {
          case 5:
            if (a.hi <= 8) return {p_.unary(TG_KIR_EXP2, a.index), 0, std::exp2(a.hi)};
            break;
          case 6: return {p_.unary(TG_KIR_LOG2, p_.binary(TG_KIR_ADD, sq, constant(0.5).index)), -1, std::log2(s + 0.5)};
          case 7: return {p_.unary(TG_KIR_SQRT, p_.binary(TG_KIR_ADD, sq, constant(0.25).index)), 0.5, std::sqrt(s + 0.25)};
          case 8: return {p_.unary(TG_KIR_RECIP, p_.binary(TG_KIR_ADD, sq, constant(0.5).index)), 0, 2};
          case 9:
            if (m < 100) return {p_.unary(TG_KIR_SIN, a.index), -1, 1};
            return {p_.unary(TG_KIR_TRUNC, a.index), a.lo - 1, a.hi + 1};
        }
        continue;
      }
      switch (choice) {
        case 5:
          if (fits(-m, m)) return {p_.binary(TG_KIR_IDIV, a.index, b.index), -m, m};
          break;
        case 6:
          if (fits(-m, m)) return {p_.binary(TG_KIR_MOD, a.index, b.index), -m, m};
          break;
        case 7: {
          const int op = pick(0, 2) == 0 ? TG_KIR_AND : pick(0, 1) ? TG_KIR_OR : TG_KIR_XOR;
          const double r = std::exp2(std::ceil(std::log2(m + 1)));
          if (fits(-r, r)) return {p_.binary(static_cast<uint32_t>(op), a.index, b.index), int_min(d_) < 0 ? -r : 0, r};
          break;
        }
        case 8: return {p_.binary(TG_KIR_SHR, a.index, constant(pick(0, 3)).index), std::min(a.lo, 0.0), std::max(a.hi, 0.0)};
        case 9:
          if (a.lo >= 0 && fits(0, a.hi * 4)) return {p_.binary(TG_KIR_SHL, a.index, constant(2).index), 0, a.hi * 4};
          break;
        case 10:
          if (int_min(d_) < 0 && fits(-a.hi, -a.lo)) return {p_.unary(TG_KIR_NEG, a.index), -a.hi, -a.lo};
          break;
      }
    }
    return {p_.binary(TG_KIR_MAX, a.index, b.index), std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
  }

  Node reduce(uint64_t axes, int64_t count, Node v) {
    const double m = std::max(std::fabs(v.lo), std::fabs(v.hi));
    const double n = static_cast<double>(count);
    if (pick(0, 2) == 0 && fits(-n * m, n * m)) return {p_.reduce(TG_REDUCE_SUM, axes, v.index), std::min(0.0, n * v.lo), std::max(0.0, n * v.hi)};
    const double bound = std::pow(std::max(m, 1.0), n);
    if (pick(0, 3) == 0 && count <= 6 && fits(-bound, bound)) return {p_.reduce(TG_REDUCE_PROD, axes, v.index), -bound, bound};
    const double lo = flt() ? -limit() : static_cast<double>(int_min(d_));
    return {p_.reduce(TG_REDUCE_MAX, axes, v.index), count ? v.lo : lo, count ? v.hi : lo};
  }

  std::mt19937_64& rng_;
  uint32_t d_;
  Program p_;
  Inputs* in_ = nullptr;
};

constexpr uint32_t kDtypes[] = {TG_DTYPE_FLOAT32, TG_DTYPE_FLOAT32, TG_DTYPE_FLOAT32, TG_DTYPE_FLOAT16, TG_DTYPE_BFLOAT16,
                                TG_DTYPE_FLOAT64, TG_DTYPE_INT32,   TG_DTYPE_INT64,   TG_DTYPE_INT8,    TG_DTYPE_INT16,
                                TG_DTYPE_UINT8};

}  // namespace

void add_random_cases(std::vector<Case>& cases) {
  for (int k = 0; k < 600; ++k) {
    const Level level = k < 25 ? Level::Quick : k < 150 ? Level::Standard : Level::Full;
    const std::string name = "random/" + std::to_string(k);
    cases.push_back({name, level, Needs::Device,
                     [name](Context& ctx) {
                       std::mt19937_64 rng = ctx.rng_for(name);
                       const uint32_t dtype = kDtypes[rng() % (sizeof kDtypes / sizeof kDtypes[0])];
                       Inputs in;
                       const Program p = Generator(rng, dtype).build(name + " (" + dtype_str(dtype) + ")", in);
                       Outcome o = run_and_compare(ctx.session(), p, in);
                       if (!o.passed) o.detail = std::string(dtype_str(dtype)) + " program of " + std::to_string(p.nodes.size()) + " nodes: " + o.detail;
                       return o;
                     },
                     "", ""});
  }
}

}  // namespace tg::conformance
