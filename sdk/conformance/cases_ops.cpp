// Every elementwise op x dtype x view class, every CAST pair, every reduction x dtype x axes,
// each compared with the host's evaluation (runner.hpp). Each outcome is a cell of the support
// matrix.
#include <string>

#include "layouts.hpp"
#include "op_table.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {


void add_elementwise(std::vector<Case>& cases) {
  for (const OpInfo& info : elementwise_ops()) {
    for (uint32_t dtype : kAllDtypes) {
      if (!info.accepts(dtype)) continue;
      for (const Layout& layout : layouts()) {
        const std::string name = std::string("ops/") + op_str(info.op) + "/" + dtype_str(dtype) + "/" + layout.name;
        cases.push_back({name, layout.level, Needs::Device,
                         [info, dtype, &layout, name](Context& ctx) {
                           std::mt19937_64 rng = ctx.rng_for(name);
                           std::vector<uint32_t> dtypes(static_cast<size_t>(info.arity), dtype);
                           if (info.op == TG_KIR_WHERE) dtypes[0] = TG_DTYPE_BOOL;
                           std::vector<Domain> domains;
                           for (int k = 0; k < info.arity; ++k) domains.push_back(info.domain(dtype, k));
                           std::vector<std::vector<std::byte>> inputs;
                           const Program p = elementwise_program(name, info.op, dtypes, result_dtype(info.op, dtype),
                                                                 domains, layout, rng, inputs);
                           return run_and_compare(ctx.session(), p, inputs);
                         },
                         op_str(info.op), dtype_str(dtype)});
      }
    }
  }
}

void add_casts(std::vector<Case>& cases) {
  for (uint32_t from : kAllDtypes) {
    for (uint32_t to : kAllDtypes) {
      for (const Layout& layout : layouts()) {
        const std::string lname = layout.name;
        if (lname != "contiguous" && lname != "strided" && lname != "large") continue;
        const std::string name = std::string("cast/") + dtype_str(from) + "/" + dtype_str(to) + "/" + lname;
        cases.push_back({name, layout.level, Needs::Device,
                         [from, to, &layout, name](Context& ctx) {
                           std::mt19937_64 rng = ctx.rng_for(name);
                           std::vector<std::vector<std::byte>> inputs;
                           const Program p = elementwise_program(name, TG_KIR_CAST, {from}, to, {cast_domain(from, to)},
                                                                 layout, rng, inputs);
                           return run_and_compare(ctx.session(), p, inputs);
                         },
                         std::string("CAST from ") + dtype_str(from), dtype_str(to)});
      }
    }
  }
}

// A reduction over `axes` of a contiguous input of `shape`, stored contiguously over the output.
struct ReduceShape {
  const char* name;
  Level level;
  std::vector<int64_t> shape;
  uint64_t axes;
};

const std::vector<ReduceShape>& reduce_shapes() {
  static const std::vector<ReduceShape> shapes = {
      {"axis2", Level::Quick, {3, 5, 7}, 0b100},   {"axis1", Level::Standard, {3, 5, 7}, 0b010},
      {"axis0", Level::Standard, {3, 5, 7}, 0b001}, {"axes0+2", Level::Standard, {3, 5, 7}, 0b101},
      {"all", Level::Standard, {3, 5, 7}, 0b111},  {"empty", Level::Standard, {4, 0}, 0b10},
      {"size1", Level::Standard, {6, 1}, 0b10},    {"long", Level::Standard, {2, 1031}, 0b10},
      {"large", Level::Full, {3, 65537}, 0b10},
  };
  return shapes;
}

Program reduce_program(const std::string& name, int32_t reduce_op, uint32_t dtype, const ReduceShape& rs,
                       std::mt19937_64& rng, std::vector<std::vector<std::byte>>& inputs) {
  Program p;
  p.name = name;
  p.shape = rs.shape;
  int64_t count = 1;
  std::vector<int64_t> out_dims;
  for (size_t d = 0; d < rs.shape.size(); ++d) {
    if ((rs.axes >> d) & 1u) count *= rs.shape[d];
    out_dims.push_back(((rs.axes >> d) & 1u) ? 1 : rs.shape[d]);
  }
  const int x = p.param(dtype, TG_PARAM_READ, product(rs.shape));
  inputs.push_back(random_input(dtype, product(rs.shape), reduce_domain(reduce_op, dtype, count), rng));
  const int r = p.reduce(reduce_op, rs.axes, p.load(x, p.view(row_major(rs.shape))));
  const int out = p.param(dtype, TG_PARAM_WRITE, product(out_dims));
  inputs.emplace_back();
  std::vector<int64_t> out_strides = row_major(out_dims);
  for (size_t d = 0; d < out_dims.size(); ++d)
    if (out_dims[d] == 1) out_strides[d] = 0;
  p.store(out, p.view(out_strides), r);
  return p;
}

void add_reduces(std::vector<Case>& cases) {
  for (int32_t reduce_op : {TG_REDUCE_SUM, TG_REDUCE_MAX, TG_REDUCE_PROD}) {
    for (uint32_t dtype : kAllDtypes) {
      for (const ReduceShape& rs : reduce_shapes()) {
        const std::string name = std::string("reduce/") + reduce_str(reduce_op) + "/" + dtype_str(dtype) + "/" + rs.name;
        cases.push_back({name, rs.level, Needs::Device,
                         [reduce_op, dtype, &rs, name](Context& ctx) {
                           std::mt19937_64 rng = ctx.rng_for(name);
                           std::vector<std::vector<std::byte>> inputs;
                           const Program p = reduce_program(name, reduce_op, dtype, rs, rng, inputs);
                           return run_and_compare(ctx.session(), p, inputs);
                         },
                         std::string("REDUCE ") + reduce_str(reduce_op), dtype_str(dtype)});
      }
    }
  }
}

}  // namespace

void add_op_cases(std::vector<Case>& cases) {
  add_elementwise(cases);
  add_casts(cases);
  add_reduces(cases);
}

}  // namespace tg::conformance
