#include "layouts.hpp"

#include <cmath>

#include "values.hpp"

namespace tg::conformance {
namespace {

Access access(std::vector<int64_t> strides, int64_t offset, int64_t numel) { return Access{std::move(strides), offset, numel}; }

// A value inside the domain, for the padding constant.
void pad_value(uint32_t dtype, const Domain& d, int64_t& i, double& f) {
  if (!d.choices.empty()) {
    i = d.choices[d.choices.size() / 2];
  } else if (dtype == TG_DTYPE_BOOL) {
    i = 1;
  } else {
    const double mid = std::max(std::floor((d.lo + d.hi) / 2), std::max(d.lo, 0.0));
    i = static_cast<int64_t>(std::min(std::max(mid, static_cast<double>(int_min(dtype))), static_cast<double>(int_max(dtype))));
    f = std::max(mid, d.min_abs);
  }
}

}  // namespace

const std::vector<Layout>& layouts() {
  static const std::vector<Layout> all = [] {
    std::vector<Layout> v;
    v.push_back({"contiguous", Level::Quick, {37}, {access({1}, 0, 37), access({1}, 0, 37), access({1}, 0, 37)}, access({1}, 0, 37)});
    v.push_back({"broadcast", Level::Standard, {5, 7}, {access({7, 1}, 0, 35), access({0, 1}, 0, 7), access({1, 0}, 0, 5)},
                 access({7, 1}, 0, 35)});
    v.push_back({"transposed", Level::Standard, {6, 5}, {access({1, 6}, 0, 30), access({5, 1}, 0, 30), access({1, 6}, 0, 30)},
                 access({1, 6}, 0, 30)});
    v.push_back({"strided", Level::Standard, {4, 3}, {access({9, 2}, 1, 36), access({9, 2}, 2, 36), access({3, 1}, 0, 12)},
                 access({6, 2}, 1, 24)});
    v.push_back({"flipped", Level::Standard, {13}, {access({-1}, 12, 13), access({1}, 0, 13), access({-1}, 12, 13)},
                 access({-1}, 12, 13)});
    Layout padded{"padded", Level::Standard, {11}, {access({1}, -2, 9), access({1}, -2, 9), access({1}, -2, 9)}, access({1}, 0, 11)};
    padded.padded = true;
    v.push_back(padded);
    v.push_back({"size0", Level::Standard, {0}, {access({1}, 0, 0), access({1}, 0, 0), access({1}, 0, 0)}, access({1}, 0, 0)});
    v.push_back({"size1", Level::Standard, {1, 1}, {access({1, 1}, 0, 1), access({0, 0}, 0, 1), access({1, 1}, 0, 1)},
                 access({1, 1}, 0, 1)});
    v.push_back({"scalar", Level::Standard, {}, {access({}, 0, 1), access({}, 0, 1), access({}, 0, 1)}, access({}, 0, 1)});
    v.push_back({"large", Level::Full, {100003}, {access({1}, 0, 100003), access({-1}, 100002, 100003), access({1}, 0, 100003)},
                 access({1}, 0, 100003)});
    return v;
  }();
  return all;
}

Program elementwise_program(const std::string& name, uint32_t op, const std::vector<uint32_t>& operand_dtypes,
                            uint32_t result, const std::vector<Domain>& domains, const Layout& layout,
                            std::mt19937_64& rng, std::vector<std::vector<std::byte>>& inputs) {
  Program p;
  p.name = name;
  p.shape = layout.shape;
  std::vector<int> values;
  for (size_t k = 0; k < operand_dtypes.size(); ++k) {
    const uint32_t dtype = operand_dtypes[k];
    const Access& a = layout.operands[k];
    const int q = p.param(dtype, TG_PARAM_READ, a.numel);
    inputs.push_back(random_input(dtype, a.numel, domains[k], rng));
    if (!layout.padded) {
      values.push_back(p.load(q, p.view(a.strides, a.offset)));
      continue;
    }
    // Padded by 2 on the left: the LOAD is valid on [2, 11), a CONST inside the domain on [0, 2).
    const int load = p.load(q, p.view(a.strides, a.offset, {2}, {11}));
    int64_t ci = 0;
    double cf = 0;
    pad_value(dtype, domains[k], ci, cf);
    const int left = p.view({0}, 0, {0}, {2});
    const int c = is_float(dtype) ? p.fconst(dtype, cf, left) : p.iconst(dtype, ci, left);
    values.push_back(p.binary(dtype == TG_DTYPE_BOOL ? TG_KIR_OR : TG_KIR_ADD, load, c));
  }
  int r;
  if (op == TG_KIR_CAST) r = p.cast(result, values[0]);
  else if (op == TG_KIR_WHERE) r = p.where(values[0], values[1], values[2]);
  else r = p.node(op, result, values);
  const int out = p.param(result, TG_PARAM_WRITE, layout.output.numel);
  inputs.emplace_back();
  p.store(out, p.view(layout.output.strides, layout.output.offset), r);
  return p;
}

}  // namespace tg::conformance
