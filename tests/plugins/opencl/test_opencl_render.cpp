// The renderer (tg/render.hpp) through libtg-opencl.so, against the reference plugin: the same
// tg.kir programs, built by hand, run on both with the same random inputs (NaNs, infinities,
// extreme integers included), and the outputs compared -- bit for bit wherever the reference's
// result is defined to the bit (everything but exp2/log2/sin and tree-ordered float sums).
// Plugin paths: TG_OPENCL_PLUGIN / TG_REF_PLUGIN, else the build's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "plugin_test_host.hpp"
#include "tg/half.h"
#include "tg/render.hpp"

using namespace plugintest;

namespace {

constexpr uint32_t BOOL = TG_DTYPE_BOOL, I8 = TG_DTYPE_INT8, U8 = TG_DTYPE_UINT8, I16 = TG_DTYPE_INT16,
                   I32 = TG_DTYPE_INT32, I64 = TG_DTYPE_INT64, F16 = TG_DTYPE_FLOAT16, BF16 = TG_DTYPE_BFLOAT16,
                   F32 = TG_DTYPE_FLOAT32, F64 = TG_DTYPE_FLOAT64;
constexpr uint32_t R = TG_PARAM_READ, W = TG_PARAM_WRITE;
const uint32_t kAllDtypes[] = {BOOL, I8, U8, I16, I32, I64, F16, BF16, F32, F64};

bool is_float(uint32_t d) { return tg::sdk::is_float_dtype(d); }
bool is_int(uint32_t d) { return tg::sdk::is_int_dtype(d); }

// Random bytes for n elements of a dtype, biased toward the values where semantics get subtle.
std::vector<std::byte> random_values(std::mt19937& rng, uint32_t dtype, int64_t n) {
  std::vector<std::byte> out(static_cast<size_t>(n) * tg::sdk::dtype_size(dtype));
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
  for (int64_t i = 0; i < n; ++i) {
    std::byte* p = out.data() + i * static_cast<int64_t>(tg::sdk::dtype_size(dtype));
    switch (dtype) {
      case BOOL: { uint8_t v = static_cast<uint8_t>(pick(4) == 0 ? pick(256) : pick(2)); std::memcpy(p, &v, 1); break; }
      case F32: case F64: case F16: case BF16: {
        static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e30, -1e30, 1e-40, 3.0e9, -3.0e9,
                                         INFINITY, -INFINITY, NAN, 65504.0, 1e-7, 255.5, -128.5, 40000.0};
        double v = pick(3) == 0 ? special[pick(sizeof special / sizeof special[0])]
                                : std::ldexp(static_cast<double>(static_cast<int>(rng() % 20001) - 10000) / 10000.0, pick(12) - 4);
        if (dtype == F32) { float f = static_cast<float>(v); std::memcpy(p, &f, 4); }
        else if (dtype == F64) std::memcpy(p, &v, 8);
        else { uint16_t h = dtype == F16 ? tg_double_to_half(v) : tg_double_to_bfloat16(v); std::memcpy(p, &h, 2); }
        break;
      }
      default: {
        static const int64_t special[] = {0, 1, -1, 2, -2, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, -128,
                                          32767, -32768, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
        int64_t v = pick(3) == 0 ? special[pick(sizeof special / sizeof special[0])] : static_cast<int64_t>(rng() % 41) - 20;
        const size_t size = tg::sdk::dtype_size(dtype);
        std::memcpy(p, &v, size);  // the low bytes: wraps to the width (little endian)
      }
    }
  }
  return out;
}

// Equal bytes, except that any two NaNs of a float dtype match.
::testing::AssertionResult same_values(uint32_t dtype, const std::vector<std::byte>& got,
                                       const std::vector<std::byte>& want, double ulps = 0) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "sizes differ";
  const size_t size = tg::sdk::dtype_size(dtype);
  for (size_t i = 0; i * size < got.size(); ++i) {
    const std::byte* g = got.data() + i * size;
    const std::byte* w = want.data() + i * size;
    if (std::memcmp(g, w, size) == 0) continue;
    if (!is_float(dtype)) {
      int64_t gv = 0, wv = 0;
      std::memcpy(&gv, g, size);
      std::memcpy(&wv, w, size);
      return ::testing::AssertionFailure() << "element " << i << ": got bits " << gv << ", want " << wv;
    }
    double gv, wv;
    if (dtype == F32) { float a, b; std::memcpy(&a, g, 4); std::memcpy(&b, w, 4); gv = a; wv = b; }
    else if (dtype == F64) { std::memcpy(&gv, g, 8); std::memcpy(&wv, w, 8); }
    else {
      uint16_t a, b;
      std::memcpy(&a, g, 2);
      std::memcpy(&b, w, 2);
      gv = dtype == F16 ? tg_half_to_float(a) : tg_bfloat16_to_float(a);
      wv = dtype == F16 ? tg_half_to_float(b) : tg_bfloat16_to_float(b);
    }
    if (std::isnan(gv) && std::isnan(wv)) continue;
    if (ulps > 0 && std::isfinite(wv)) {
      const int mant = dtype == F64 ? 52 : dtype == F32 ? 23 : dtype == F16 ? 10 : 7;
      const double ulp = std::ldexp(1.0, std::ilogb(wv == 0 ? 1e-30 : wv) - mant);
      if (std::fabs(gv - wv) <= ulps * ulp) continue;
    }
    return ::testing::AssertionFailure() << "element " << i << ": got " << gv << ", want " << wv;
  }
  return ::testing::AssertionSuccess();
}

class OpenclVsRef : public ::testing::Test {
 protected:
  void SetUp() override {
    ref_ = std::make_unique<Plugin>(plugin_path("TG_REF_PLUGIN", TG_REF_PLUGIN_PATH));
    ASSERT_NE(ref_->api(), nullptr) << ref_->load_error();
    TG_ASSERT_OK(ref_->init_status());
    TG_ASSERT_OK(ref_->open());
    // ctest runs this suite twice: as is, and with kernels=gpu (GPU-style kernels on PoCL).
    const char* options = std::getenv("TG_PLUGIN_OPTIONS_OPENCL");
    ocl_ = std::make_unique<Plugin>(plugin_path("TG_OPENCL_PLUGIN", TG_OPENCL_PLUGIN_PATH), options ? options : "");
    ASSERT_NE(ocl_->api(), nullptr) << ocl_->load_error();
    TG_ASSERT_OK(ocl_->init_status());
    TG_ASSERT_OK(ocl_->open());
  }

  // Runs p on both with `inputs` (random ones where empty) and compares every written param.
  void check(const Program& p, std::vector<std::vector<std::byte>> inputs = {}, double ulps = 0) {
    std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(p.name)));
    inputs.resize(p.params.size());
    for (size_t q = 0; q < p.params.size(); ++q)
      if (p.params[q].access == R && inputs[q].empty()) inputs[q] = random_values(rng, p.params[q].dtype, p.params[q].numel);
    RunResult want = run_program(ref_->api(), ref_->device(), p, inputs);
    ASSERT_TRUE(want.status.ok()) << p.name << " on ref: " << want.status;
    RunResult got = run_program(ocl_->api(), ocl_->device(), p, inputs);
    ASSERT_TRUE(got.status.ok()) << p.name << " on opencl: " << got.status;
    for (size_t q = 0; q < p.params.size(); ++q) {
      if (p.params[q].access != W) continue;
      EXPECT_TRUE(same_values(p.params[q].dtype, got.outputs[q], want.outputs[q], ulps))
          << p.name << ", param " << q << " (" << tg::sdk::dtype_name(p.params[q].dtype) << ")";
    }
  }

  std::unique_ptr<Plugin> ref_, ocl_;
};

// Compiling is the slow part on PoCL (~0.3 s a program), so one program checks many ops: each
// op's result goes to its own output param.

bool binary_allowed(uint32_t op, uint32_t d) {
  switch (op) {
    case TG_KIR_IDIV: case TG_KIR_MOD: case TG_KIR_SHL: case TG_KIR_SHR: return is_int(d);
    case TG_KIR_AND: case TG_KIR_OR: case TG_KIR_XOR: return !is_float(d);
  }
  return true;
}

// out_k = op_k(a, b) elementwise over n elements, for every op in `ops` allowed on the dtype.
Program binary_program(const std::string& name, const std::vector<uint32_t>& ops, uint32_t dtype, int64_t n = 64) {
  Program p;
  p.name = name + "_" + tg::sdk::dtype_name(dtype);
  p.shape = {n};
  int v = p.view({1});
  int a = p.load(p.param(dtype, R, n), v), b = p.load(p.param(dtype, R, n), v);
  for (uint32_t op : ops) {
    if (!binary_allowed(op, dtype)) continue;
    int r = p.binary(op, a, b);
    p.store(p.param(p.nodes[r].dtype, W, n), v, r);
  }
  return p;
}

std::vector<uint32_t> every_binary_op() {
  std::vector<uint32_t> ops;
  for (uint32_t op = TG_KIR_ADD; op <= TG_KIR_SHR; ++op) ops.push_back(op);
  return ops;
}

TEST_F(OpenclVsRef, EveryBinaryOpOnEveryDtypeIsBitExact) {
  for (uint32_t d : kAllDtypes) check(binary_program("binary", every_binary_op(), d));
}

TEST_F(OpenclVsRef, IntegerEdgeCasesOfDivisionAndShifts) {
  // Every pair of the interesting values, for each integer width.
  const int64_t vals[] = {0, 1, -1, 2, -2, 7, -7, 8, 63, 64, 127, -128, 255, 32767, -32768, INT32_MAX,
                          INT32_MIN, INT64_MAX, INT64_MIN};
  const size_t n = sizeof vals / sizeof vals[0];
  for (uint32_t d : {I8, U8, I16, I32, I64}) {
    const size_t size = tg::sdk::dtype_size(d);
    std::vector<std::byte> a(n * n * size), b(n * n * size);
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) {
        std::memcpy(a.data() + (i * n + j) * size, &vals[i], size);
        std::memcpy(b.data() + (i * n + j) * size, &vals[j], size);
      }
    check(binary_program("edge", every_binary_op(), d, static_cast<int64_t>(n * n)), {a, b});
  }
}

// A kernel is named after its program: names that spell a helper's ("idiv i8" once gave the
// kernel tg_idiv_i8, the helper IDIV on int8 calls) must still compile and run.
TEST_F(OpenclVsRef, ProgramNamesCannotCollideWithHelpers) {
  Program idiv = binary_program("x", {TG_KIR_IDIV, TG_KIR_MOD}, I8);
  idiv.name = "idiv i8";
  check(idiv);
  Program max = binary_program("x", {TG_KIR_MAX}, F32);
  max.name = "max_f";
  check(max);
  const tg_kir_program prog = max.abi();
  EXPECT_EQ(tg::render::render(prog, tg::render::Target{&tg::render::opencl_dialect()}).entry, "tgk_max_f");
}

TEST_F(OpenclVsRef, UnaryOpsAndWhere) {
  for (uint32_t d : kAllDtypes) {
    // Exact ops, and WHERE; then the transcendentals, within a few ulps of the reference's libm.
    for (bool approx : {false, true}) {
      Program p;
      p.name = std::string(approx ? "transcendental_" : "unary_") + tg::sdk::dtype_name(d);
      p.shape = {128};
      int v = p.view({1});
      int x = p.load(p.param(d, R, 128), v);
      std::vector<uint32_t> ops = approx ? std::vector<uint32_t>{TG_KIR_EXP2, TG_KIR_LOG2, TG_KIR_SIN}
                                         : std::vector<uint32_t>{TG_KIR_NEG, TG_KIR_TRUNC, TG_KIR_RECIP, TG_KIR_SQRT};
      for (uint32_t op : ops)
        if (op == TG_KIR_NEG || is_float(d)) p.store(p.param(d, W, 128), v, p.unary(op, x));
      if (!approx) {
        int c = p.load(p.param(BOOL, R, 128), v);
        p.store(p.param(d, W, 128), v, p.where(c, x, p.load(p.param(d, R, 128), v)));
      }
      if (p.nodes.back().op == TG_KIR_STORE) check(p, {}, approx ? 4 : 0);
    }
  }
}

TEST_F(OpenclVsRef, CastsBetweenEveryPairOfDtypes) {
  for (uint32_t from : kAllDtypes) {
    Program p;
    p.name = std::string("cast_from_") + tg::sdk::dtype_name(from);
    p.shape = {256};
    int v = p.view({1});
    int x = p.load(p.param(from, R, 256), v);
    for (uint32_t to : kAllDtypes) p.store(p.param(to, W, 256), v, p.cast(to, x));
    check(p);
  }
}

TEST_F(OpenclVsRef, ConstantsOfEveryDtypeAndMaskedPadding) {
  for (uint32_t d : kAllDtypes) {
    Program p;
    p.name = std::string("const_") + tg::sdk::dtype_name(d);
    p.shape = {3, 7};
    int x = p.param(d, R, 10);
    // x of (2, 5) padded by one on every side; a CONST valid only on the first row.
    int padded = p.load(x, p.view({5, 1}, -6, {1, 1}, {3, 6}));
    int c = is_float(d) ? p.fconst(d, -2.75, p.view({0, 0}, 0, {0, 0}, {1, 7})) : p.iconst(d, -300, p.view({0, 0}, 0, {0, 0}, {1, 7}));
    int r = p.binary(d == BOOL ? TG_KIR_OR : TG_KIR_ADD, padded, c);
    p.store(p.param(d, W, 21), p.view({7, 1}), r);
    check(p);
  }
}

TEST_F(OpenclVsRef, StridedNegativeAndBroadcastViews) {
  Program p;
  p.name = "views";
  p.shape = {4, 5, 6};
  int a = p.param(F32, R, 120), b = p.param(F32, R, 6), c = p.param(F32, R, 20);
  int la = p.load(a, p.view({1, 4, 20}));            // a transposed read
  int lb = p.load(b, p.view({0, 0, -1}, 5));          // flipped, broadcast
  int lc = p.load(c, p.view({5, 1, 0}));              // broadcast along the last axis
  int r = p.binary(TG_KIR_MUL, p.binary(TG_KIR_ADD, la, lb), lc);
  p.store(p.param(F32, W, 120), p.view({1, 4, 20}), r);  // a transposed store
  check(p);
}

// The sizes of a reduction of `shape` over the axes bitmask: all elements, the outputs, and the
// output's row-major strides over the full shape (0 on reduced axes).
struct ReducedSpace {
  int64_t numel = 1, out_numel = 1;
  std::vector<int64_t> out_strides;
};
ReducedSpace reduced_space(const std::vector<int64_t>& shape, int64_t axes) {
  ReducedSpace r;
  r.out_strides.assign(shape.size(), 0);
  for (size_t k = shape.size(); k-- > 0;) {
    r.numel *= shape[k];
    if ((axes >> k) & 1) continue;
    r.out_strides[k] = r.out_numel;
    r.out_numel *= shape[k];
  }
  return r;
}

// A reduce program: x (shape) reduced over `axes`, then out = reduced * y + 1 at the outputs.
Program reduce_program(const std::string& name, std::vector<int64_t> shape, int64_t axes, int32_t op, uint32_t d) {
  Program p;
  p.name = name;
  p.shape = shape;
  const ReducedSpace rs = reduced_space(shape, axes);
  const int64_t numel = rs.numel, out_numel = rs.out_numel;
  const std::vector<int64_t>& out_strides = rs.out_strides;
  int x = p.load(p.param(d, R, numel), p.contiguous(shape));
  int r = p.reduce(op, axes, x);
  int y = p.load(p.param(d, R, out_numel), p.view(out_strides));
  int e = d == BOOL ? p.binary(TG_KIR_XOR, r, y) : p.binary(TG_KIR_MUL, r, y);
  p.store(p.param(d, W, out_numel), p.view(out_strides), e);
  return p;
}

// Every reduce op of `ops` over the same axes, each with its own output.
Program reduces_program(const std::string& name, std::vector<int64_t> shape, int64_t axes,
                        const std::vector<int32_t>& ops, uint32_t d) {
  Program p;
  p.name = name;
  p.shape = shape;
  const ReducedSpace rs = reduced_space(shape, axes);
  const int64_t numel = rs.numel, out_numel = rs.out_numel;
  const std::vector<int64_t>& out_strides = rs.out_strides;
  int x = p.load(p.param(d, R, numel), p.contiguous(shape));
  for (int32_t op : ops) p.store(p.param(d, W, out_numel), p.view(out_strides), p.reduce(op, axes, x));
  return p;
}

const std::vector<int32_t> kReduceOps = {TG_REDUCE_SUM, TG_REDUCE_MAX, TG_REDUCE_PROD};

TEST_F(OpenclVsRef, SmallReductionsOfEveryKindAreBitExact) {
  // One work-item per output, accumulating in index order like the reference.
  for (uint32_t d : kAllDtypes) {
    check(reduce_program(std::string("reduce_epilogue_") + tg::sdk::dtype_name(d), {3, 4, 5}, 2, TG_REDUCE_SUM, d));
    for (int64_t axes : {2, 5})
      check(reduces_program(std::string("reduce_") + tg::sdk::dtype_name(d) + "_axes" + std::to_string(axes), {3, 4, 5},
                            axes, kReduceOps, d));
  }
  for (uint32_t d : {F32, I32})
    for (int64_t axes : {1, 3, 6, 7})
      check(reduces_program(std::string("reduce_") + tg::sdk::dtype_name(d) + "_axes" + std::to_string(axes), {3, 4, 5},
                            axes, kReduceOps, d));
}

TEST_F(OpenclVsRef, EmptyReductionsGiveTheIdentity) {
  for (uint32_t d : {BOOL, I8, I32, F16, F32, F64})
    check(reduces_program(std::string("empty_") + tg::sdk::dtype_name(d), {3, 0}, 2, kReduceOps, d));
}

// Inputs for reductions that add in another order than the reference: float values are
// multiples of 1/8 in [-1, 1], so every partial sum (below 2^20 in size) is exact and the order
// cannot show; integer sums wrap the same in any order.
std::vector<std::byte> order_free_values(uint32_t d, int64_t n) {
  std::mt19937 rng(7);
  std::vector<std::byte> x = random_values(rng, d, n);
  for (int64_t i = 0; is_float(d) && i < n; ++i) {
    const double v = static_cast<double>(static_cast<int>(rng() % 17) - 8) / 8.0;
    if (d == F32) { float f = static_cast<float>(v); std::memcpy(x.data() + i * 4, &f, 4); }
    else if (d == F64) std::memcpy(x.data() + i * 8, &v, 8);
    else { uint16_t h = d == F16 ? tg_double_to_half(v) : tg_double_to_bfloat16(v); std::memcpy(x.data() + i * 2, &h, 2); }
  }
  return x;
}

TEST_F(OpenclVsRef, LargeReductionsUseLocalMemoryAndMatch) {
  // Few outputs, long rows: a work-group per output adds partial results in a tree, in another
  // order than the reference.
  for (uint32_t d : {F32, F16, BF16, I32, I64, U8, BOOL})
    check(reduces_program(std::string("big_") + tg::sdk::dtype_name(d), {3, 5000}, 2, {TG_REDUCE_SUM, TG_REDUCE_MAX}, d),
          {order_free_values(d, 15000)});
  // A full reduction to one value; a reduction over a value that uses another (nested levels).
  check(reduces_program("all_max", {300, 700}, 3, {TG_REDUCE_MAX}, F32));
  Program nested;
  nested.name = "nested_big";
  nested.shape = {2, 3000};
  int x = nested.load(nested.param(I32, R, 6000), nested.contiguous({2, 3000}));
  int m = nested.reduce(TG_REDUCE_MAX, 2, x);
  int s = nested.reduce(TG_REDUCE_SUM, 2, nested.binary(TG_KIR_ADD, x, m));
  int prod = nested.reduce(TG_REDUCE_PROD, 2, nested.binary(TG_KIR_AND, x, nested.iconst(I32, 1)));
  nested.store(nested.param(I32, W, 2), nested.view({1, 0}), nested.binary(TG_KIR_ADD, s, prod));
  check(nested);
}

TEST_F(OpenclVsRef, HugeReductionsIntoFewOutputsSplitAcrossWorkGroupsAndMatch) {
  // Few outputs of very long reductions: several work-groups per output write partials, a second
  // kernel adds them (reduce-split). Every dtype's sum and max, the epilogue reading another
  // param at the outputs, a full reduction to one value over two axes, integer products.
  for (uint32_t d : {F32, F16, BF16, F64, I32, I64, I8, U8, BOOL})
    check(reduces_program(std::string("split_") + tg::sdk::dtype_name(d), {2, 300000}, 2, {TG_REDUCE_SUM, TG_REDUCE_MAX}, d),
          {order_free_values(d, 600000)});
  check(reduce_program("split_epilogue", {3, 200000}, 2, TG_REDUCE_SUM, F32), {order_free_values(F32, 600000)});
  check(reduce_program("split_bool_epilogue", {3, 200000}, 2, TG_REDUCE_MAX, BOOL), {order_free_values(BOOL, 600000)});
  check(reduces_program("split_all", {1000, 1001}, 3, {TG_REDUCE_SUM, TG_REDUCE_MAX}, F32), {order_free_values(F32, 1001000)});
  check(reduces_program("split_prod", {1, 500000}, 3, {TG_REDUCE_PROD}, I32));
}

// C[b, m, n] = sum_k A[b, m, k] * B[k, n] (+ bias[n], relu), with A and B behind any strides.
Program matmul_program(const std::string& name, int64_t batch, int64_t M, int64_t N, int64_t K, bool a_t, bool b_t,
                       bool epilogue, uint32_t d = F32) {
  Program p;
  p.name = name;
  p.shape = {batch, M, N, K};
  int a = p.param(d, R, batch * M * K), b = p.param(d, R, K * N);
  int va = a_t ? p.view({M * K, 1, 0, M}) : p.view({M * K, K, 0, 1});
  int vb = b_t ? p.view({0, 0, K, 1}) : p.view({0, 0, 1, N});
  int r = p.reduce(TG_REDUCE_SUM, 8, p.binary(TG_KIR_MUL, p.load(a, va), p.load(b, vb)));
  if (epilogue) {
    int bias = p.load(p.param(d, R, N), p.view({0, 0, 1, 0}));
    int sum = p.binary(TG_KIR_ADD, r, bias);
    r = p.binary(TG_KIR_MAX, sum, p.fconst(d, 0.0));
  }
  p.store(p.param(d, W, batch * M * N), p.view({M * N, N, 1, 0}), r);
  return p;
}

TEST_F(OpenclVsRef, MatmulFastPathIsBitExact) {
  // Ragged sizes (tiles hang over every edge), transposed operands, batches, an epilogue.
  check(matmul_program("mm_64", 1, 64, 64, 64, false, false, false));
  check(matmul_program("mm_ragged", 1, 67, 45, 33, false, false, true));
  check(matmul_program("mm_at", 1, 50, 70, 129, true, false, false));
  check(matmul_program("mm_bt", 1, 70, 50, 40, false, true, true));
  check(matmul_program("mm_batched", 3, 33, 65, 17, true, true, true));
  check(matmul_program("mm_f64", 2, 40, 40, 40, false, false, true, F64));
}

TEST_F(OpenclVsRef, RandomProgramsOfRandomDtypes) {
  // Random trees of elementwise ops over random views (masks, negative and zero strides),
  // maybe reduced (small reductions: bit-exact), maybe with an epilogue.
  std::mt19937 rng(99);
  auto pick = [&](int lo, int hi) { return static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)) + lo; };
  for (int trial = 0; trial < 40; ++trial) {
    Program p;
    p.name = "random_" + std::to_string(trial);
    const uint32_t d = kAllDtypes[pick(0, 9)];
    const int ndim = pick(1, 3);  // at most 216 points per output: one work-item each, exact
    for (int k = 0; k < ndim; ++k) p.shape.push_back(pick(1, 6));
    auto load = [&]() {
      std::vector<int64_t> strides, mb, me;
      int64_t lo = 0, hi = 0;
      for (int k = 0; k < ndim; ++k) {
        strides.push_back(pick(-3, 3));
        const int64_t last = p.shape[static_cast<size_t>(k)] - 1;
        lo += std::min<int64_t>(0, strides.back() * last);
        hi += std::max<int64_t>(0, strides.back() * last);
        mb.push_back(pick(-1, 2));
        me.push_back(mb.back() + pick(0, static_cast<int>(p.shape[static_cast<size_t>(k)]) + 1));
      }
      if (pick(0, 1)) mb.clear(), me.clear();
      int q = p.param(d, R, hi - lo + 1);
      return p.load(q, p.view(strides, -lo, mb, me));
    };
    std::vector<uint32_t> ops = {TG_KIR_ADD, TG_KIR_MUL, TG_KIR_MAX};
    if (is_int(d)) ops.insert(ops.end(), {TG_KIR_IDIV, TG_KIR_MOD, TG_KIR_SHL, TG_KIR_SHR, TG_KIR_XOR});
    if (d == BOOL) ops = {TG_KIR_AND, TG_KIR_OR, TG_KIR_XOR, TG_KIR_ADD};
    int value = load();
    for (int step = pick(1, 4); step-- > 0;) {
      const int other = load();
      if (pick(0, 4) == 0) value = p.where(p.binary(TG_KIR_CMPLT, value, other), other, value);
      else value = p.binary(ops[static_cast<size_t>(pick(0, static_cast<int>(ops.size()) - 1))], value, other);
    }
    int64_t axes = pick(0, 1) ? static_cast<int64_t>(rng() % (1u << ndim)) : 0;
    if (axes) {
      const int32_t rops[] = {TG_REDUCE_SUM, TG_REDUCE_MAX, TG_REDUCE_PROD};
      value = p.reduce(rops[pick(0, 2)], axes, value);
      if (pick(0, 1)) value = p.binary(ops[0], value, load());
    }
    std::vector<int64_t> out_strides(static_cast<size_t>(ndim), 0);
    int64_t out_numel = 1;
    for (int k = ndim; k-- > 0;) {
      if ((axes >> k) & 1) continue;
      out_strides[static_cast<size_t>(k)] = out_numel;
      out_numel *= p.shape[static_cast<size_t>(k)];
    }
    p.store(p.param(d, W, out_numel), p.view(out_strides), value);
    check(p);
    if (HasFailure()) return;
  }
}

// ---- the renderer itself (no device) ------------------------------------------------------------

TEST(Render, ChoosesAStrategyByShape) {
  tg::render::Target t{&tg::render::opencl_dialect()};
  t.max_local_size = 256;
  t.local_mem_bytes = 32768;
  t.compute_units = 4;
  auto strategy = [&](const Program& p) {  // p must outlive prog: prog points into it
    tg_kir_program prog = p.abi();
    return std::string(tg::render::render(prog, t).strategy);
  };
  EXPECT_EQ(strategy(binary_program("add", {TG_KIR_ADD}, F32)), "elementwise");
  EXPECT_EQ(strategy(reduce_program("r", {4096, 8}, 2, TG_REDUCE_SUM, F32)), "reduce-per-item");
  EXPECT_EQ(strategy(reduce_program("r", {2, 100000}, 2, TG_REDUCE_SUM, F32)), "reduce-group");
  {
    // A target that launches two kernels gets a split reduction, with its scratch size; a
    // nested reduction (two levels) stays one work-group per output.
    tg::render::Target two = t;
    two.two_pass = true;
    const Program p = reduce_program("r", {2, 1000000}, 2, TG_REDUCE_SUM, F32);
    tg_kir_program prog = p.abi();
    const tg::render::Kernel k = tg::render::render(prog, two);
    EXPECT_STREQ(k.strategy, "reduce-split");
    EXPECT_EQ(k.finish_entry, k.entry + "_finish");
    const uint64_t groups = k.launch.global[0] / k.launch.local[0];
    EXPECT_EQ(groups % 2, 0u);
    EXPECT_GE(groups, 4u);
    EXPECT_EQ(k.scratch_bytes, (groups * 4 + 7) / 8 * 8);  // one float partial per group
    EXPECT_GE(k.finish_launch.global[0], 2u);
    const Program small = reduce_program("r", {2, 5000}, 2, TG_REDUCE_SUM, F32);
    tg_kir_program small_prog = small.abi();
    EXPECT_STREQ(tg::render::render(small_prog, two).strategy, "reduce-group");  // too short to split
    EXPECT_TRUE(tg::render::render(small_prog, two).finish_entry.empty());
  }
  EXPECT_EQ(strategy(matmul_program("m", 1, 128, 128, 128, false, false, true)), "matmul");
  EXPECT_EQ(strategy(matmul_program("m", 1, 4, 4, 4, false, false, false)), "reduce-per-item");  // too small to tile
  const Program mm = matmul_program("m", 2, 100, 70, 64, false, false, false);
  tg_kir_program prog = mm.abi();
  tg::render::Kernel k = tg::render::render(prog, t);
  EXPECT_EQ(k.launch.dims, 3u);
  EXPECT_EQ(k.launch.global[2], 2u);  // the batch
  for (int d = 0; d < 2; ++d) EXPECT_EQ(k.launch.global[d] % k.launch.local[d], 0u);
}

TEST(Render, Float64NeedsTheTargetToSayItCan) {
  tg::render::Target t{&tg::render::opencl_dialect()};
  const Program add = binary_program("add", {TG_KIR_ADD}, F64);
  tg_kir_program prog = add.abi();
  try {
    tg::render::render(prog, t);
    FAIL() << "rendered float64 for a target without fp64";
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(f.what()).find("float64"), std::string::npos) << f.what();
  }
  t.fp64 = true;
  EXPECT_NE(tg::render::render(prog, t).source.find("cl_khr_fp64"), std::string::npos);
}

TEST(Render, DialectsDifferOnlyByTheirTables) {
  // The same program in CUDA and HIP: no OpenCL qualifier leaks, their own ids are used, and
  // pointers come pre-offset (no offset arguments).
  const Program r = reduce_program("r", {2, 100000}, 2, TG_REDUCE_SUM, F16);
  tg_kir_program prog = r.abi();
  for (const tg::render::Dialect* d : {&tg::render::cuda_dialect(), &tg::render::hip_dialect()}) {
    tg::render::Target t{d};
    const std::string src = tg::render::render(prog, t).source;
    EXPECT_EQ(src.find("__kernel"), std::string::npos) << src;
    EXPECT_EQ(src.find("__global "), std::string::npos) << src;
    EXPECT_EQ(src.find("get_group_id"), std::string::npos) << src;
    EXPECT_NE(src.find("extern \"C\" __global__"), std::string::npos) << src;
    EXPECT_NE(src.find("__syncthreads();"), std::string::npos) << src;
    EXPECT_NE(src.find("blockIdx.x"), std::string::npos) << src;
    EXPECT_EQ(src.find("tg_u64 o0"), std::string::npos) << src;
  }
}

}  // namespace
