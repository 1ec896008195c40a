// The reference plugin on its own: tg.kir programs built by hand, run through the C ABI of
// libtg-ref.so (path from TG_REF_PLUGIN, else the build's), results checked against values
// worked out by hand. Also the float16/bfloat16 conversions of tg/half.h.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <algorithm>
#include <cstring>
#include <limits>
#include <random>

#include "plugin_test_host.hpp"
#include "tg/half.h"

#ifndef TG_REF_PLUGIN_PATH
#define TG_REF_PLUGIN_PATH "libtg-ref.so"
#endif

using namespace plugintest;

namespace {

constexpr uint32_t F32 = TG_DTYPE_FLOAT32, F16 = TG_DTYPE_FLOAT16, BF16 = TG_DTYPE_BFLOAT16,
                   F64 = TG_DTYPE_FLOAT64, I32 = TG_DTYPE_INT32, I64 = TG_DTYPE_INT64, I8 = TG_DTYPE_INT8,
                   U8 = TG_DTYPE_UINT8, BOOL = TG_DTYPE_BOOL;
constexpr uint32_t R = TG_PARAM_READ, W = TG_PARAM_WRITE;

class Ref : public ::testing::Test {
 protected:
  void SetUp() override {
    plugin_ = std::make_unique<Plugin>(plugin_path("TG_REF_PLUGIN", TG_REF_PLUGIN_PATH));
    ASSERT_NE(plugin_->api(), nullptr) << plugin_->load_error();
    TG_ASSERT_OK(plugin_->init_status());
    TG_ASSERT_OK(plugin_->open());
  }
  const tg_plugin_api* api() { return plugin_->api(); }
  tg_device* dev() { return plugin_->device(); }

  // Runs and expects success; returns the written params' bytes.
  std::vector<std::vector<std::byte>> run(const Program& p, const std::vector<std::vector<std::byte>>& in) {
    RunResult r = run_program(api(), dev(), p, in);
    EXPECT_TRUE(r.status.ok()) << r.status;
    return r.outputs;
  }
  Status run_status(const Program& p, const std::vector<std::vector<std::byte>>& in) {
    return run_program(api(), dev(), p, in).status;
  }

  // out[i] = op(a[i], b[i]) over n elements of dtype T (result dtype Out).
  template <class T, class Out = T>
  std::vector<Out> binary(uint32_t op, uint32_t dtype, const std::vector<T>& a, const std::vector<T>& b) {
    Program p;
    int64_t n = static_cast<int64_t>(a.size());
    p.shape = {n};
    int pa = p.param(dtype, R, n), pb = p.param(dtype, R, n);
    int v = p.view({1});
    int r = p.binary(op, p.load(pa, v), p.load(pb, v));
    int po = p.param(p.nodes[r].dtype, W, n);
    p.store(po, v, r);
    return values_of<Out>(run(p, {bytes_of(a), bytes_of(b)})[po]);
  }
  // out[i] = cast<to>(a[i]).
  template <class T, class Out>
  std::vector<Out> cast(uint32_t from, uint32_t to, const std::vector<T>& a) {
    Program p;
    int64_t n = static_cast<int64_t>(a.size());
    p.shape = {n};
    int pa = p.param(from, R, n);
    int v = p.view({1});
    int c = p.cast(to, p.load(pa, v));
    int po = p.param(to, W, n);
    p.store(po, v, c);
    return values_of<Out>(run(p, {bytes_of(a)})[po]);
  }

  std::unique_ptr<Plugin> plugin_;
};

TEST_F(Ref, AddWithBroadcastView) {
  Program p;
  p.shape = {2, 3};
  int a = p.param(F32, R, 6), b = p.param(F32, R, 3), out = p.param(F32, W, 6);
  int rows = p.view({3, 1}), bcast = p.view({0, 1});
  p.store(out, rows, p.binary(TG_KIR_ADD, p.load(a, rows), p.load(b, bcast)));
  auto res = run(p, {bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6}), bytes_of(std::vector<float>{10, 20, 30})});
  EXPECT_EQ(values_of<float>(res[out]), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST_F(Ref, TransposedStore) {
  Program p;
  p.shape = {2, 3};
  int a = p.param(I32, R, 6), out = p.param(I32, W, 6);
  p.store(out, p.view({1, 2}), p.load(a, p.view({3, 1})));
  auto res = run(p, {bytes_of(std::vector<int32_t>{1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(values_of<int32_t>(res[out]), (std::vector<int32_t>{1, 4, 2, 5, 3, 6}));
}

TEST_F(Ref, MaskedLoadAndMaskedConstPad) {
  // x of 3 padded by one on each side: the view starts at element -1 and is valid on [1, 4);
  // a CONST 7 masked to [0, 1) puts 7 in the left pad.
  Program p;
  p.shape = {5};
  int x = p.param(F32, R, 3), out = p.param(F32, W, 5);
  int padded = p.view({1}, -1, {1}, {4});
  int seven = p.fconst(F32, 7.0, p.view({0}, 0, {0}, {1}));
  p.store(out, p.view({1}), p.binary(TG_KIR_ADD, p.load(x, padded), seven));
  auto res = run(p, {bytes_of(std::vector<float>{1, 2, 3})});
  EXPECT_EQ(values_of<float>(res[out]), (std::vector<float>{7, 1, 2, 3, 0}));
}

TEST_F(Ref, ReduceSumMaxProdOverOneAxis) {
  for (int32_t op : {TG_REDUCE_SUM, TG_REDUCE_MAX, TG_REDUCE_PROD}) {
    // axis 1 of a 2x3: one output per row; axis 0: one per column.
    for (int axis : {1, 0}) {
      Program p;
      p.shape = {2, 3};
      int x = p.param(F32, R, 6);
      int out = p.param(F32, W, axis == 1 ? 2 : 3);
      int r = p.reduce(op, int64_t{1} << axis, p.load(x, p.view({3, 1})));
      p.store(out, axis == 1 ? p.view({1, 0}) : p.view({0, 1}), r);
      auto got = values_of<float>(run(p, {bytes_of(std::vector<float>{1, 5, 3, 4, -2, 6})})[out]);
      std::vector<float> want;
      if (op == TG_REDUCE_SUM) want = axis == 1 ? std::vector<float>{9, 8} : std::vector<float>{5, 3, 9};
      if (op == TG_REDUCE_MAX) want = axis == 1 ? std::vector<float>{5, 6} : std::vector<float>{4, 5, 6};
      if (op == TG_REDUCE_PROD) want = axis == 1 ? std::vector<float>{15, -48} : std::vector<float>{4, -10, 18};
      EXPECT_EQ(got, want) << "reduce_op " << op << " axis " << axis;
    }
  }
}

TEST_F(Ref, ElementwiseAfterReduceReadsOutputSpace) {
  // out = sum(x, axis 1) * 2 + y. y is loaded after the reduce, at the output indices (reduced
  // coordinate 0): its stride 5 on the reduced axis never reaches past its 2 elements.
  Program p;
  p.shape = {2, 3};
  int x = p.param(F32, R, 6), y = p.param(F32, R, 2), out = p.param(F32, W, 2);
  int s = p.reduce(TG_REDUCE_SUM, 2, p.load(x, p.view({3, 1})));
  int two = p.fconst(F32, 2.0);
  int r = p.binary(TG_KIR_ADD, p.binary(TG_KIR_MUL, s, two), p.load(y, p.view({1, 5})));
  p.store(out, p.view({1, 0}), r);
  auto res = run(p, {bytes_of(std::vector<float>{1, 2, 3, 4, 5, 6}), bytes_of(std::vector<float>{100, 200})});
  EXPECT_EQ(values_of<float>(res[out]), (std::vector<float>{112, 230}));
}

TEST_F(Ref, TwoReducesAndNestedReduce) {
  // Both sum and max of x stored by one program; then sum(x * sum(x)) = sum(x)^2.
  Program p;
  p.shape = {4};
  int x = p.param(I64, R, 4), o1 = p.param(I64, W, 1), o2 = p.param(I64, W, 1), o3 = p.param(I64, W, 1);
  int v = p.view({1}), scalar = p.view({0});
  int lx = p.load(x, v);
  int s = p.reduce(TG_REDUCE_SUM, 1, lx);
  p.store(o1, scalar, s);
  p.store(o2, scalar, p.reduce(TG_REDUCE_MAX, 1, lx));
  p.store(o3, scalar, p.reduce(TG_REDUCE_SUM, 1, p.binary(TG_KIR_MUL, lx, s)));
  auto res = run(p, {bytes_of(std::vector<int64_t>{1, 2, 3, 4})});
  EXPECT_EQ(values_of<int64_t>(res[o1]), std::vector<int64_t>{10});
  EXPECT_EQ(values_of<int64_t>(res[o2]), std::vector<int64_t>{4});
  EXPECT_EQ(values_of<int64_t>(res[o3]), std::vector<int64_t>{100});
}

TEST_F(Ref, ReduceAcrossChunkBoundaries) {
  // Sizes that cross the interpreter's 256-lane chunks both ways: many outputs with a short
  // reduce, few outputs with a long one, and the reduced axis outermost.
  struct Case { int64_t rows, cols; int axis; };
  for (Case c : {Case{600, 3, 1}, Case{37, 300, 1}, Case{300, 37, 0}, Case{1, 1000, 1}}) {
    Program p;
    p.shape = {c.rows, c.cols};
    const int64_t n = c.rows * c.cols, outs = c.axis == 1 ? c.rows : c.cols;
    int x = p.param(I32, R, n), out = p.param(I32, W, outs);
    int r = p.reduce(TG_REDUCE_SUM, int64_t{1} << c.axis, p.load(x, p.view({c.cols, 1})));
    p.store(out, c.axis == 1 ? p.view({1, 0}) : p.view({0, 1}), r);
    std::vector<int32_t> in(static_cast<size_t>(n)), want(static_cast<size_t>(outs), 0);
    for (int64_t i = 0; i < c.rows; ++i)
      for (int64_t j = 0; j < c.cols; ++j) {
        int32_t v = static_cast<int32_t>((i * 31 + j * 7) % 11) - 5;
        in[static_cast<size_t>(i * c.cols + j)] = v;
        want[static_cast<size_t>(c.axis == 1 ? i : j)] += v;
      }
    EXPECT_EQ(values_of<int32_t>(run(p, {bytes_of(in)})[out]), want) << c.rows << "x" << c.cols << " axis " << c.axis;
  }
}

TEST_F(Ref, FloatSumAccumulatesInOrderInFloat) {
  Program p;
  p.shape = {1000};
  int x = p.param(F32, R, 1000), out = p.param(F32, W, 1);
  p.store(out, p.view({0}), p.reduce(TG_REDUCE_SUM, 1, p.load(x, p.view({1}))));
  std::vector<float> in(1000);
  float want = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    in[i] = 1.0f / static_cast<float>(i + 1);
    want += in[i];
  }
  EXPECT_EQ(values_of<float>(run(p, {bytes_of(in)})[out])[0], want);
}

TEST_F(Ref, ReduceOverEmptyAxisGivesIdentity) {
  for (int32_t op : {TG_REDUCE_SUM, TG_REDUCE_MAX, TG_REDUCE_PROD}) {
    Program p;
    p.shape = {2, 0};
    int x = p.param(F32, R, 0), out = p.param(F32, W, 2);
    p.store(out, p.view({1, 0}), p.reduce(op, 2, p.load(x, p.view({0, 1}))));
    auto got = values_of<float>(run(p, {{}})[out]);
    float want = op == TG_REDUCE_SUM ? 0.0f : op == TG_REDUCE_PROD ? 1.0f : -std::numeric_limits<float>::infinity();
    EXPECT_EQ(got, (std::vector<float>{want, want})) << "reduce_op " << op;
  }
}

TEST_F(Ref, CastFloatToIntTruncatesAndSaturates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> in{-2.7f, 2.7f, 300.0f, -5.0f, nan, 1e10f};
  EXPECT_EQ((cast<float, int32_t>(F32, I32, in)), (std::vector<int32_t>{-2, 2, 300, -5, 0, INT32_MAX}));
  EXPECT_EQ((cast<float, uint8_t>(F32, U8, in)), (std::vector<uint8_t>{0, 2, 255, 0, 0, 255}));
  EXPECT_EQ((cast<float, uint8_t>(F32, BOOL, std::vector<float>{0.0f, -0.0f, 0.5f, nan})),
            (std::vector<uint8_t>{0, 0, 1, 1}));
}

TEST_F(Ref, CastBetweenIntsWrapsAndToBoolTestsNonzero) {
  EXPECT_EQ((cast<int32_t, int8_t>(I32, I8, {300, -129, 127, -1})), (std::vector<int8_t>{44, 127, 127, -1}));
  EXPECT_EQ((cast<int32_t, uint8_t>(I32, U8, {-1, 256})), (std::vector<uint8_t>{255, 0}));
  EXPECT_EQ((cast<int32_t, uint8_t>(I32, BOOL, {0, 5, -1})), (std::vector<uint8_t>{0, 1, 1}));
  EXPECT_EQ((cast<int8_t, int64_t>(I8, I64, {-128, 5})), (std::vector<int64_t>{-128, 5}));
}

TEST_F(Ref, CastToNarrowFloatsRounds) {
  // 2049 lies halfway between float16 neighbours 2048 and 2050: ties go to the even one.
  EXPECT_EQ((cast<int32_t, uint16_t>(I32, F16, {2049, 2051, 1, 70000})),
            (std::vector<uint16_t>{tg_float_to_half(2048), tg_float_to_half(2052), 0x3c00, 0x7c00}));
  EXPECT_EQ((cast<double, float>(F64, F32, {0.1, 1e300})),
            (std::vector<float>{0.1f, std::numeric_limits<float>::infinity()}));
  EXPECT_EQ((cast<float, uint16_t>(F32, BF16, {1.0f, 1.0f + 1.0f / 256})), (std::vector<uint16_t>{0x3f80, 0x3f80}));
  EXPECT_EQ((cast<uint16_t, float>(F16, F32, {0x3555, 0x0001})), (std::vector<float>{0.333251953125f, 5.9604644775390625e-8f}));
}

TEST_F(Ref, IdivAndModTruncateTowardZero) {
  std::vector<int32_t> a{7, -7, 7, -7, 5, INT32_MIN, 0}, b{2, 2, -2, -2, 0, -1, 3};
  EXPECT_EQ(binary(TG_KIR_IDIV, I32, a, b), (std::vector<int32_t>{3, -3, -3, 3, 0, INT32_MIN, 0}));
  EXPECT_EQ(binary(TG_KIR_MOD, I32, a, b), (std::vector<int32_t>{1, -1, 1, -1, 0, 0, 0}));
  EXPECT_EQ(binary(TG_KIR_IDIV, I64, std::vector<int64_t>{INT64_MIN}, std::vector<int64_t>{-1}),
            std::vector<int64_t>{INT64_MIN});
  EXPECT_EQ(binary(TG_KIR_IDIV, U8, std::vector<uint8_t>{200}, std::vector<uint8_t>{3}), std::vector<uint8_t>{66});
  EXPECT_EQ(binary(TG_KIR_MOD, U8, std::vector<uint8_t>{200}, std::vector<uint8_t>{3}), std::vector<uint8_t>{2});
}

TEST_F(Ref, IntegerArithmeticWrapsAndShiftsAreDefined) {
  EXPECT_EQ(binary(TG_KIR_ADD, I8, std::vector<int8_t>{100, -100}, std::vector<int8_t>{100, -100}),
            (std::vector<int8_t>{-56, 56}));
  EXPECT_EQ(binary(TG_KIR_MUL, U8, std::vector<uint8_t>{16, 15}, std::vector<uint8_t>{16, 17}),
            (std::vector<uint8_t>{0, 255}));
  EXPECT_EQ(binary(TG_KIR_SHL, I32, std::vector<int32_t>{1, 1, 1, 3}, std::vector<int32_t>{31, 32, -1, 2}),
            (std::vector<int32_t>{INT32_MIN, 0, 0, 12}));
  EXPECT_EQ(binary(TG_KIR_SHR, I32, std::vector<int32_t>{-8, -1, 8, 8}, std::vector<int32_t>{1, 31, 32, 3}),
            (std::vector<int32_t>{-4, -1, 0, 1}));
  EXPECT_EQ(binary(TG_KIR_SHR, U8, std::vector<uint8_t>{200}, std::vector<uint8_t>{1}), std::vector<uint8_t>{100});
  EXPECT_EQ(binary(TG_KIR_AND, I32, std::vector<int32_t>{12, -1}, std::vector<int32_t>{10, 5}),
            (std::vector<int32_t>{8, 5}));
  EXPECT_EQ(binary(TG_KIR_OR, I32, std::vector<int32_t>{12}, std::vector<int32_t>{3}), std::vector<int32_t>{15});
  EXPECT_EQ(binary(TG_KIR_XOR, BOOL, std::vector<uint8_t>{1, 1, 0}, std::vector<uint8_t>{1, 0, 0}),
            (std::vector<uint8_t>{0, 1, 0}));
  EXPECT_EQ(binary(TG_KIR_MAX, I8, std::vector<int8_t>{-1, -128}, std::vector<int8_t>{1, 127}),
            (std::vector<int8_t>{1, 127}));
  EXPECT_EQ((binary<int8_t, uint8_t>(TG_KIR_CMPLT, I8, {-1, 1}, {1, -1})), (std::vector<uint8_t>{1, 0}));
  EXPECT_EQ((binary<uint8_t, uint8_t>(TG_KIR_CMPLT, U8, {255, 1}, {1, 255})), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ((binary<float, uint8_t>(TG_KIR_CMPNE, F32, {1, 2, NAN}, {1, 3, NAN})), (std::vector<uint8_t>{0, 1, 1}));
}

TEST_F(Ref, FloatUnaryOpsComputeInFloat) {
  const std::vector<float> in{0.5f, 2.0f, 3.7f, 1.5f};
  auto unary = [&](uint32_t op) {
    Program p;
    p.shape = {4};
    int x = p.param(F32, R, 4), out = p.param(F32, W, 4);
    p.store(out, p.view({1}), p.unary(op, p.load(x, p.view({1}))));
    return values_of<float>(run(p, {bytes_of(in)})[out]);
  };
  struct Case { uint32_t op; float (*f)(float); };
  const Case cases[] = {{TG_KIR_EXP2, [](float v) { return std::exp2(v); }},
                        {TG_KIR_LOG2, [](float v) { return std::log2(v); }},
                        {TG_KIR_SIN, [](float v) { return std::sin(v); }},
                        {TG_KIR_SQRT, [](float v) { return std::sqrt(v); }},
                        {TG_KIR_RECIP, [](float v) { return 1.0f / v; }},
                        {TG_KIR_NEG, [](float v) { return -v; }},
                        {TG_KIR_TRUNC, [](float v) { return std::trunc(v); }}};
  for (const Case& c : cases) {
    std::vector<float> got = unary(c.op), want;
    for (float v : in) want.push_back(c.f(v));
    EXPECT_EQ(got, want) << "op " << c.op;
  }
}

TEST_F(Ref, WhereSelects) {
  // min(a, b) = where(a < b, a, b)
  Program p;
  p.shape = {3};
  int a = p.param(F64, R, 3), b = p.param(F64, R, 3), out = p.param(F64, W, 3);
  int v = p.view({1});
  int la = p.load(a, v), lb = p.load(b, v);
  p.store(out, v, p.where(p.binary(TG_KIR_CMPLT, la, lb), la, lb));
  auto res = run(p, {bytes_of(std::vector<double>{1, 5, -2}), bytes_of(std::vector<double>{3, 4, -2})});
  EXPECT_EQ(values_of<double>(res[out]), (std::vector<double>{1, 4, -2}));
}

TEST_F(Ref, Float16ArithmeticRoundsAfterEveryOp) {
  // 1 + 2^-11 ties back to 1; 65504 + 16 ties up to infinity; 0.1 + 0.2 in float16 is a tie
  // that goes to the even 0x34cc; two smallest subnormals make the next one.
  const std::vector<uint16_t> a{0x3c00, 0x7bff, tg_float_to_half(0.1f), 0x0001};
  const std::vector<uint16_t> b{tg_float_to_half(1.0f / 2048), tg_float_to_half(16), tg_float_to_half(0.2f), 0x0001};
  EXPECT_EQ(binary(TG_KIR_ADD, F16, a, b), (std::vector<uint16_t>{0x3c00, 0x7c00, 0x34cc, 0x0002}));
  // bfloat16: 1 + 2^-8 ties to 1; 1 + 3 * 2^-9 rounds up to 1 + 2^-7.
  const std::vector<uint16_t> c{0x3f80, 0x3f80}, d{tg_float_to_bfloat16(1.0f / 256), tg_float_to_bfloat16(3.0f / 512)};
  EXPECT_EQ(binary(TG_KIR_ADD, BF16, c, d), (std::vector<uint16_t>{0x3f80, 0x3f81}));
}

TEST_F(Ref, PropsAndCapsRespectTheCallersStructSize) {
  // A caller of an older, smaller struct: only `name` fits; the rest must stay untouched.
  struct Old {
    size_t struct_size;
    const char* name;
  };
  unsigned char raw[sizeof(tg_device_props)];
  std::memset(raw, 0xab, sizeof raw);
  Old old{sizeof(Old), nullptr};
  std::memcpy(raw, &old, sizeof old);
  TG_ASSERT_OK(take(api()->device_get_props(plugin_->plugin(), 0, reinterpret_cast<tg_device_props*>(raw))));
  std::memcpy(&old, raw, sizeof old);
  EXPECT_EQ(old.struct_size, sizeof(Old));
  ASSERT_NE(old.name, nullptr);
  EXPECT_NE(std::string(old.name).find("reference"), std::string::npos);
  for (size_t i = sizeof(Old); i < sizeof raw; ++i) ASSERT_EQ(raw[i], 0xab) << "byte " << i << " was written";

  // A caller of a newer, larger struct: today's fields are filled, the unknown tail is zeroed,
  // and struct_size says how much the plugin filled.
  unsigned char big[sizeof(tg_device_caps) + 16];
  std::memset(big, 0xab, sizeof big);
  size_t size = sizeof big;
  std::memcpy(big, &size, sizeof size);
  TG_ASSERT_OK(take(api()->device_get_caps(dev(), reinterpret_cast<tg_device_caps*>(big))));
  tg_device_caps caps;
  std::memcpy(&caps, big, sizeof caps);
  EXPECT_EQ(caps.struct_size, sizeof(tg_device_caps));
  EXPECT_EQ(caps.dtypes, (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1);
  EXPECT_EQ(caps.ops, (uint64_t{1} << TG_KIR_OP_COUNT_1_4) - 1);  // every op, GATHER and SCATTER_ADD (1.4) too
  for (size_t i = sizeof(tg_device_caps); i < sizeof big; ++i) ASSERT_EQ(big[i], 0) << "byte " << i;

  tg_device_props props;
  std::memset(&props, 0, sizeof props);
  props.struct_size = sizeof props;
  TG_ASSERT_OK(take(api()->device_get_props(plugin_->plugin(), 0, &props)));
  EXPECT_EQ(props.kind, static_cast<uint32_t>(TG_DEVICE_CPU));
  EXPECT_EQ(std::string(api()->name), "ref");
  EXPECT_EQ(api()->priority, 1);
}

TEST_F(Ref, RejectsWhatItDoesNotKnowAsUnsupported) {
  Program p;
  p.shape = {2};
  int x = p.param(F32, R, 2), out = p.param(F32, W, 2);
  int l = p.load(x, p.view({1}));
  int bad = p.node(99, F32, {l});
  p.store(out, p.view({1}), bad);
  Status s = run_status(p, {{}});
  EXPECT_EQ(s.code, TG_ERR_UNSUPPORTED) << s;
  EXPECT_NE(s.message.find("unknown op 99"), std::string::npos) << s;

  p.nodes[bad] = p.nodes[l];  // a LOAD again, but of an unknown dtype
  p.nodes[bad].dtype = 42;
  s = run_status(p, {{}});
  EXPECT_EQ(s.code, TG_ERR_UNSUPPORTED) << s;
  EXPECT_NE(s.message.find("42"), std::string::npos) << s;

  Program wide;
  wide.shape = std::vector<int64_t>(9, 1);
  s = run_status(wide, {});
  EXPECT_EQ(s.code, TG_ERR_UNSUPPORTED) << s;
}

TEST_F(Ref, RejectsMalformedProgramsAsInvalid) {
  auto base = [] {
    Program p;
    p.shape = {4};
    int x = p.param(F32, R, 4), out = p.param(F32, W, 4);
    int v = p.view({1});
    p.store(out, v, p.unary(TG_KIR_NEG, p.load(x, v)));
    return p;
  };
  struct Case { const char* what; void (*spoil)(Program&); const char* says; };
  const Case cases[] = {
      {"source not earlier", [](Program& p) { p.nodes[1].src[0] = 1; }, "earlier nodes"},
      {"view past numel", [](Program& p) { p.params[0].numel = 3; }, "param 0"},
      {"negative offset", [](Program& p) { p.views[0].offset = -1; }, "param 0"},
      {"param out of range", [](Program& p) { p.nodes[0].param = 7; }, "param 7"},
      {"dtype mismatch", [](Program& p) { p.nodes[1].dtype = TG_DTYPE_FLOAT64; }, "float32"},
      {"store to a read param", [](Program& p) { p.params[1].access = TG_PARAM_READ; }, "TG_PARAM_WRITE"},
      {"no store", [](Program& p) { p.nodes.pop_back(); }, "no STORE"},
  };
  for (const Case& c : cases) {
    Program p = base();
    c.spoil(p);
    Status s = run_status(p, {{}});
    EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << c.what << ": " << s;
    EXPECT_NE(s.message.find(c.says), std::string::npos) << c.what << ": " << s;
  }
}

// Found by tests/fuzz/fuzz_kir: programs check_program accepted although evaluating them
// overflows int64 (undefined behaviour in the interpreter and in rendered kernels), and one that
// crashed check_program itself with a division trap.
TEST_F(Ref, RejectsIndexArithmeticThatOverflowsInt64) {
  // A linear mask whose value sum_d coeffs[d] * i_d overflows over the iteration space.
  Program mask;
  mask.shape = {4};
  int x = mask.param(F32, R, 4), out = mask.param(F32, W, 4);
  int v = mask.view({1});
  mask.linear(v, {INT64_MAX / 2}, 0, 1);
  mask.store(out, mask.view({1}), mask.load(x, v));
  Status s = run_status(mask, {bytes_of(std::vector<float>{1, 2, 3, 4})});
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_NE(s.message.find("linear mask 0"), std::string::npos) << s;

  // A window (the linear mask i0 - i1 == 0 over strides 2^62 * (1, -1)) keeps the element at 0,
  // but 3 * 2^62, a term of the element index at i = (3, 3), overflows on the way.
  Program window;
  window.shape = {4, 4};
  x = window.param(F32, R, 1);
  out = window.param(F32, W, 16);
  v = window.view({int64_t{1} << 62, -(int64_t{1} << 62)});
  window.linear(v, {1, -1}, 0, 1);
  window.store(out, window.view({4, 1}), window.load(x, v));
  s = run_status(window, {bytes_of(std::vector<float>{5})});
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_NE(s.message.find("overflows int64"), std::string::npos) << s;

  // Stride INT64_MIN under a linear mask of coefficient -1: check_program divided one by the
  // other (INT64_MIN / -1 traps). Over one element the program is valid and runs.
  Program trap;
  trap.shape = {1};
  x = trap.param(F32, R, 1);
  out = trap.param(F32, W, 1);
  v = trap.view({INT64_MIN});
  trap.linear(v, {-1}, 0, 1);
  trap.store(out, trap.view({0}), trap.load(x, v));
  auto got = run(trap, {bytes_of(std::vector<float>{7})});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(values_of<float>(got[static_cast<size_t>(out)]), std::vector<float>{7});
}

// Found by tests/fuzz/fuzz_kir (a heap-buffer-overflow in the interpreter): a linear mask over a
// dim of stride 0 and a dim of stride 1 was taken for a window of factor 1 (the stride-0 dim's
// factor 0 read as "no factor yet"), so the view's range was counted as offset + [begin, end - 1]
// = [0, 2] although i = (1, 0) passes the mask and reads element -1.
TEST_F(Ref, RejectsALinearMaskThatIsNoWindowOfTheView) {
  Program p;
  p.shape = {3, 2};
  int x = p.param(F32, R, 3), out = p.param(F32, W, 6);
  int v = p.view({0, 1}, -1);
  p.linear(v, {1, 1}, 1, 4);
  p.store(out, p.view({2, 1}), p.load(x, v));
  Status s = run_status(p, {bytes_of(std::vector<float>{1, 2, 3})});
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_NE(s.message.find("reaches elements [-1"), std::string::npos) << s;
}

TEST_F(Ref, LaunchChecksBuffersAgainstParams) {
  Program p;
  p.shape = {4};
  int x = p.param(F32, R, 4), out = p.param(F32, W, 4);
  p.store(out, p.view({1}), p.load(x, p.view({1})));
  tg_kir_program prog = p.abi();
  tg_executable* exe = nullptr;
  TG_ASSERT_OK(take(api()->program_compile(dev(), &prog, &exe)));
  tg_buffer *small = nullptr, *big = nullptr;
  TG_ASSERT_OK(take(api()->buffer_alloc(dev(), 8, &small)));
  TG_ASSERT_OK(take(api()->buffer_alloc(dev(), 64, &big)));

  tg_buffer* one[] = {big};
  uint64_t zero[] = {0, 0};
  tg_launch_args args{sizeof(tg_launch_args), 1, one, zero};
  Status s = take(api()->launch(dev(), exe, &args));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_NE(s.message.find("2 params but 1 buffers"), std::string::npos) << s;

  tg_buffer* two[] = {small, big};
  args = {sizeof(tg_launch_args), 2, two, zero};
  s = take(api()->launch(dev(), exe, &args));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_NE(s.message.find("param 0 needs 16 bytes"), std::string::npos) << s;

  tg_buffer* same[] = {big, big};
  uint64_t apart[] = {0, 16}, overlapping[] = {0, 8};
  args = {sizeof(tg_launch_args), 2, same, overlapping};
  s = take(api()->launch(dev(), exe, &args));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_NE(s.message.find("overlaps"), std::string::npos) << s;
  args = {sizeof(tg_launch_args), 2, same, apart};  // one buffer, disjoint ranges: fine
  TG_ASSERT_OK(take(api()->launch(dev(), exe, &args)));

  api()->buffer_free(dev(), small);
  api()->buffer_free(dev(), big);
  api()->executable_free(dev(), exe);
}

// ---- random programs against a naive evaluator ---------------------------------------------------

// A per-element, recursive evaluator of int64 programs, written from tg/plugin.h's text and
// nothing of the plugin: every node is a function of the full index, a REDUCE loops over the
// reduced axes, STORE writes at the output indices (reduced coordinates 0).
struct Naive {
  const Program& p;
  const std::vector<std::vector<int64_t>>& in;  // per param
  uint64_t axes = 0;

  bool valid(const tg_kir_view& v, const int64_t* idx) const {
    if (!v.has_mask) return true;
    for (size_t d = 0; d < p.shape.size(); ++d)
      if (idx[d] < v.mask_begin[d] || idx[d] >= v.mask_end[d]) return false;
    return true;
  }
  int64_t element(const tg_kir_view& v, const int64_t* idx) const {
    int64_t e = v.offset;
    for (size_t d = 0; d < p.shape.size(); ++d) e += idx[d] * v.strides[d];
    return e;
  }
  uint64_t eval(int i, int64_t* idx) const {
    const tg_kir_node& n = p.nodes[static_cast<size_t>(i)];
    switch (n.op) {
      case TG_KIR_LOAD: {
        const tg_kir_view& v = p.views[static_cast<size_t>(n.view)];
        return valid(v, idx) ? static_cast<uint64_t>(in[static_cast<size_t>(n.param)][static_cast<size_t>(element(v, idx))]) : 0;
      }
      case TG_KIR_CONST:
        return n.view < 0 || valid(p.views[static_cast<size_t>(n.view)], idx) ? static_cast<uint64_t>(n.ivalue) : 0;
      case TG_KIR_REDUCE: {
        uint64_t acc = n.reduce_op == TG_REDUCE_SUM ? 0 : n.reduce_op == TG_REDUCE_PROD ? 1 : static_cast<uint64_t>(INT64_MIN);
        int64_t j[TG_KIR_MAX_DIMS];
        std::memcpy(j, idx, sizeof j);
        reduce_over(0, j, [&](int64_t* at) {
          uint64_t v = eval(n.src[0], at);
          if (n.reduce_op == TG_REDUCE_SUM) acc += v;
          else if (n.reduce_op == TG_REDUCE_PROD) acc *= v;
          else if (static_cast<int64_t>(v) > static_cast<int64_t>(acc)) acc = v;
        });
        return acc;
      }
      case TG_KIR_ADD: return eval(n.src[0], idx) + eval(n.src[1], idx);
      case TG_KIR_MUL: return eval(n.src[0], idx) * eval(n.src[1], idx);
      case TG_KIR_MAX: {
        int64_t a = static_cast<int64_t>(eval(n.src[0], idx)), b = static_cast<int64_t>(eval(n.src[1], idx));
        return static_cast<uint64_t>(a > b ? a : b);
      }
      case TG_KIR_NEG: return 0 - eval(n.src[0], idx);
      case TG_KIR_CMPLT:
        return static_cast<int64_t>(eval(n.src[0], idx)) < static_cast<int64_t>(eval(n.src[1], idx));
      case TG_KIR_WHERE: return eval(n.src[0], idx) ? eval(n.src[1], idx) : eval(n.src[2], idx);
    }
    ADD_FAILURE() << "naive evaluator: op " << n.op;
    return 0;
  }
  template <class F>
  void reduce_over(size_t d, int64_t* j, F&& f) const {
    if (d == p.shape.size()) return f(j);
    if (!((axes >> d) & 1)) return reduce_over(d + 1, j, f);
    for (j[d] = 0; j[d] < p.shape[d]; ++j[d]) reduce_over(d + 1, j, f);
  }
  // Runs every STORE over the output space.
  void run(std::vector<std::vector<int64_t>>& out) const {
    int64_t idx[TG_KIR_MAX_DIMS] = {};
    outputs(0, idx, out);
  }
  void outputs(size_t d, int64_t* idx, std::vector<std::vector<int64_t>>& out) const {
    if (d == p.shape.size()) {
      for (size_t i = 0; i < p.nodes.size(); ++i) {
        const tg_kir_node& n = p.nodes[i];
        if (n.op != TG_KIR_STORE) continue;
        out[static_cast<size_t>(n.param)][static_cast<size_t>(element(p.views[static_cast<size_t>(n.view)], idx))] =
            static_cast<int64_t>(eval(n.src[0], idx));
      }
      return;
    }
    const int64_t end = ((axes >> d) & 1) ? 1 : p.shape[d];
    for (idx[d] = 0; idx[d] < end; ++idx[d]) outputs(d + 1, idx, out);
  }
};

TEST_F(Ref, RandomProgramsMatchANaiveEvaluator) {
  std::mt19937 rng(2024);
  auto pick = [&](int lo, int hi) { return static_cast<int>(rng() % static_cast<unsigned>(hi - lo + 1)) + lo; };
  for (int trial = 0; trial < 150; ++trial) {
    Program p;
    p.name = "random " + std::to_string(trial);
    const int ndim = pick(1, 3);
    for (int d = 0; d < ndim; ++d) p.shape.push_back(pick(0, 9) == 0 ? pick(40, 300) : pick(1, 5));
    if (pick(0, 15) == 0) p.shape[static_cast<size_t>(pick(0, ndim - 1))] = 0;
    uint64_t axes = pick(0, 3) == 0 ? 0 : rng() % (1u << ndim);
    const bool has_reduce = axes != 0 || pick(0, 4) == 0;
    if (!has_reduce) axes = 0;
    std::vector<std::vector<int64_t>> in;
    // A read param behind a random view: strides in [-2, 2], maybe a mask; offset and numel cover
    // every index of the shape.
    auto random_load = [&]() {
      std::vector<int64_t> strides;
      int64_t lo = 0, hi = 0;
      for (int d = 0; d < ndim; ++d) {
        strides.push_back(pick(-2, 2));
        const int64_t last = std::max<int64_t>(p.shape[static_cast<size_t>(d)] - 1, 0);
        lo += std::min<int64_t>(0, strides.back() * last);
        hi += std::max<int64_t>(0, strides.back() * last);
      }
      std::vector<int64_t> mb, me;
      if (pick(0, 2) == 0)
        for (int d = 0; d < ndim; ++d) {
          mb.push_back(pick(-1, 2));
          me.push_back(mb.back() + pick(0, static_cast<int>(p.shape[static_cast<size_t>(d)])));
        }
      const int64_t numel = hi - lo + 1;
      int q = p.param(TG_DTYPE_INT64, R, numel);
      in.emplace_back();
      for (int64_t k = 0; k < numel; ++k) in.back().push_back(pick(-4, 4));
      return p.load(q, p.view(strides, -lo, mb, me));
    };
    auto random_elementwise = [&](int a, int b) {
      switch (pick(0, 4)) {
        case 0: return p.binary(TG_KIR_ADD, a, b);
        case 1: return p.binary(TG_KIR_MUL, a, b);
        case 2: return p.binary(TG_KIR_MAX, a, b);
        case 3: return p.where(p.binary(TG_KIR_CMPLT, a, b), p.unary(TG_KIR_NEG, a), b);
        default: return p.binary(TG_KIR_ADD, a, p.iconst(TG_DTYPE_INT64, pick(-3, 3), p.view({}, 0, std::vector<int64_t>(static_cast<size_t>(ndim), 1), std::vector<int64_t>(static_cast<size_t>(ndim), 3))));
      }
    };
    int value = random_elementwise(random_load(), random_load());
    if (has_reduce) {
      const int32_t ops[] = {TG_REDUCE_SUM, TG_REDUCE_MAX, TG_REDUCE_PROD};
      int r = p.reduce(ops[pick(0, 2)], static_cast<int64_t>(axes), value);
      if (pick(0, 3) == 0)  // nested: reduce again over a value that uses the first reduce
        r = p.reduce(TG_REDUCE_SUM, static_cast<int64_t>(axes), p.binary(TG_KIR_MUL, random_load(), r));
      value = random_elementwise(r, random_load());
    }
    // The output: contiguous over the output space.
    std::vector<int64_t> out_strides(static_cast<size_t>(ndim), 0);
    int64_t out_numel = 1;
    for (int d = ndim; d-- > 0;) {
      if ((axes >> d) & 1) continue;
      out_strides[static_cast<size_t>(d)] = out_numel;
      out_numel *= p.shape[static_cast<size_t>(d)];
    }
    int out = p.param(TG_DTYPE_INT64, W, out_numel);
    p.store(out, p.view(out_strides), value);

    std::vector<std::vector<std::byte>> inputs;
    for (const auto& v : in) inputs.push_back(bytes_of(v));
    RunResult got = run_program(api(), dev(), p, inputs);
    ASSERT_TRUE(got.status.ok()) << p.name << ": " << got.status;
    std::vector<std::vector<int64_t>> want(p.params.size());
    want[static_cast<size_t>(out)].assign(static_cast<size_t>(out_numel), 0);
    Naive{p, in, axes}.run(want);
    ASSERT_EQ(values_of<int64_t>(got.outputs[static_cast<size_t>(out)]), want[static_cast<size_t>(out)])
        << p.name << ", shape " << ::testing::PrintToString(p.shape) << ", axes " << axes;
  }
}

// ---- tg/half.h ----------------------------------------------------------------------------------

TEST(Half, KnownValues) {
  EXPECT_EQ(tg_float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(tg_float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(tg_float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(tg_float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(tg_float_to_half(65520.0f), 0x7c00);  // the tie above the largest half goes to inf
  EXPECT_EQ(tg_float_to_half(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(tg_float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // tie to even: 0
  EXPECT_EQ(tg_float_to_half(std::ldexp(3.0f, -26)), 0x0001);
  EXPECT_EQ(tg_float_to_half(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25)), 0x0400);  // rounds up to the smallest normal
  EXPECT_EQ(tg_float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(tg_float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(tg_float_to_half(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(tg_float_to_half(std::numeric_limits<float>::quiet_NaN()) & 0x7e00, 0x7e00);
  EXPECT_EQ(tg_float_to_half(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(tg_half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(tg_half_to_float(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_TRUE(std::isnan(tg_half_to_float(0x7c01)));
  // One rounding from double: 1 + 2^-11 + 2^-40 is just above the tie, so it rounds up; via
  // float (which drops the 2^-40) it would tie to even and round down.
  EXPECT_EQ(tg_double_to_half(1.0 + std::ldexp(1.0, -11) + std::ldexp(1.0, -40)), 0x3c01);
  EXPECT_EQ(tg_float_to_bfloat16(1.0f), 0x3f80);
  EXPECT_EQ(tg_float_to_bfloat16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(tg_float_to_bfloat16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  EXPECT_EQ(tg_bfloat16_to_float(0x4049), 3.140625f);
}

TEST(Half, EveryHalfAndBfloat16RoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const uint16_t bits = static_cast<uint16_t>(h);
    const float f = tg_half_to_float(bits);
    if (std::isnan(f)) {
      ASSERT_EQ(h & 0x7c00, 0x7c00u);
      ASSERT_EQ(tg_float_to_half(f) & 0x7e00, 0x7e00);
    } else {
      ASSERT_EQ(tg_float_to_half(f), bits) << std::hex << h;
      ASSERT_EQ(tg_double_to_half(f), bits) << std::hex << h;
    }
    const float g = tg_bfloat16_to_float(bits);
    if (!std::isnan(g)) {
      ASSERT_EQ(tg_float_to_bfloat16(g), bits) << std::hex << h;
      ASSERT_EQ(tg_double_to_bfloat16(g), bits) << std::hex << h;
    }
  }
}

// tg_float_to_half and tg_float_to_bfloat16 are straight-line code (so kernels vectorize them);
// they must round exactly as the one general routine, tg_ieee_narrow_bits: every 61st float bit
// pattern (70 million, all exponents, tie and carry cases among them) and every pattern around
// the float16 overflow, subnormal and NaN boundaries. (All 2^32 were checked when written.)
TEST(Half, StraightLineNarrowingEqualsTheGeneralRoutine) {
  auto check = [](uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    ASSERT_EQ(tg_float_to_half(f), static_cast<uint16_t>(tg_ieee_narrow_bits(u, 8, 23, 5, 10))) << std::hex << u;
    ASSERT_EQ(tg_float_to_bfloat16(f), static_cast<uint16_t>(tg_ieee_narrow_bits(u, 8, 23, 8, 7))) << std::hex << u;
  };
  for (uint64_t u = 0; u <= 0xffffffffull; u += 61) check(static_cast<uint32_t>(u));
  for (uint32_t edge : {0x477fe000u, 0x47800000u, 0x38800000u, 0x33000000u, 0x7f800000u, 0x7f7f8000u})
    for (uint32_t d = 0; d < 0x4000; ++d)
      for (uint32_t sign : {0u, 0x80000000u}) {
        check((edge - 0x2000 + d) | sign);
      }
}

TEST(Half, MatchesTheRoundingOfOtherImplementations) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 200000; ++i) {
    uint32_t u = rng();
    float f;
    std::memcpy(&f, &u, sizeof f);
    if (std::isnan(f)) continue;
    // bfloat16: the classic bit trick is exact for non-NaN inputs.
    const uint16_t bf = static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    ASSERT_EQ(tg_float_to_bfloat16(f), bf) << f;
#ifdef __FLT16_MAX__
    // float16: the compiler's own _Float16 conversion, where it has one.
    _Float16 h = static_cast<_Float16>(f);
    uint16_t hb;
    std::memcpy(&hb, &h, sizeof hb);
    ASSERT_EQ(tg_float_to_half(f), hb) << f;
    const double d = static_cast<double>(f) * (1.0 + std::ldexp(static_cast<double>(rng() % 1024), -40));
    h = static_cast<_Float16>(d);
    std::memcpy(&hb, &h, sizeof hb);
    ASSERT_EQ(tg_double_to_half(d), hb) << d;
#endif
  }
}

}  // namespace
