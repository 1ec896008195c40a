// The onednn device's generic kernels (C rendered per program, compiled at run time) against the
// ref plugin, through the public API: random fused elementwise/reduce programs over views with
// masks, every dtype family, and sizes large enough to take the parallel and split-reduce paths.
#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "onednn_test_util.hpp"

namespace {

using tg::DType;
using tg::Tensor;
using tgtest::random_pair;
using tgtest::same_values;

// A random program over three inputs of one shape, built the same way on both devices from the
// same choices: a few elementwise ops (with shape-preserving views of the inputs: flips, shifts
// through pad+shrink, broadcasts of a slice), then maybe a reduce, then maybe an epilogue.
struct RandomProgram {
  uint32_t seed;
  std::vector<int64_t> shape;

  Tensor build(const std::vector<Tensor>& in) const {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    const int nd = static_cast<int>(shape.size());
    auto view = [&](Tensor t) {
      const int axis = pick(nd);
      switch (pick(4)) {
        case 0: return t.flip({axis});
        case 1: {  // shift by one along axis: pad one in front, drop the last
          std::vector<std::pair<int64_t, int64_t>> pad(static_cast<size_t>(nd), {0, 0}), keep;
          pad[static_cast<size_t>(axis)] = {1, 0};
          for (int d = 0; d < nd; ++d) keep.push_back({0, shape[static_cast<size_t>(d)]});
          return t.pad(pad).shrink(keep);
        }
        case 2: {  // broadcast the first slice along axis
          std::vector<std::pair<int64_t, int64_t>> r;
          for (int d = 0; d < nd; ++d) r.push_back({0, d == axis ? 1 : shape[static_cast<size_t>(d)]});
          return t.shrink(r).expand(tg::Shape(shape));
        }
        default: return t;
      }
    };
    Tensor x = view(in[static_cast<size_t>(pick(3))]);
    const int steps = 2 + pick(5);
    for (int s = 0; s < steps; ++s) {
      Tensor y = view(in[static_cast<size_t>(pick(3))]);
      switch (pick(10)) {
        case 0: x = x + y; break;
        case 1: x = x * y; break;
        case 2: x = x.maximum(y); break;
        case 3: x = x.relu() - y * 0.5f; break;
        case 4: x = (x.clip(-3.0f, 3.0f)).exp(); break;
        case 5: x = x.sin() + 1.0f; break;
        case 6: x = (x * x + 1.0f).sqrt(); break;
        case 7: x = tg::where(x < y, x, y * 2.0f); break;
        case 8: x = (x * 8.0f).cast(DType::int32).cast(DType::float32) / 8.0f; break;
        default: x = (1.0f + x * x).reciprocal(); break;
      }
    }
    switch (pick(4)) {
      case 0: x = x.sum(pick(nd)); break;
      case 1: x = x.max(pick(nd), true) * 2.0f + 1.0f; break;
      case 2: x = x.sum({0, static_cast<int64_t>(nd - 1)}); break;
      default: break;
    }
    return x;
  }
};

TEST(OnednnPrograms, RandomFusedProgramsMatchRef) {
  const std::vector<std::vector<int64_t>> shapes = {{3, 5, 7}, {4, 1, 6}, {2, 33, 65}, {1, 1, 9}, {17, 3, 2}};
  for (uint32_t seed = 0; seed < 60; ++seed) {
    const std::vector<int64_t>& shape = shapes[seed % shapes.size()];
    std::vector<Tensor> d, r;
    for (uint32_t k = 0; k < 3; ++k) {
      auto p = random_pair(shape, seed * 3 + k);
      d.push_back(p.dnnl);
      r.push_back(p.ref);
    }
    RandomProgram prog{seed, shape};
    EXPECT_TRUE(same_values(prog.build(d), prog.build(r), 1e-4, 1e-5)) << "seed " << seed;
  }
}

// Sizes that take the multi-threaded paths: long rows, long columns, a full reduction split
// across threads, and reductions of each kind.
TEST(OnednnPrograms, LargeReductionsMatchRef) {
  auto x = random_pair({512, 1024}, 7);
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"sum all", [](const Tensor& t) { return t.sum(); }},
      {"sum rows", [](const Tensor& t) { return t.sum(1); }},
      {"sum columns", [](const Tensor& t) { return t.sum(0); }},
      {"max all", [](const Tensor& t) { return t.max(); }},
      {"max columns", [](const Tensor& t) { return t.max(0); }},
      {"mean of squares", [](const Tensor& t) { return (t * t).mean(); }},
      {"softmax", [](const Tensor& t) { return t.softmax(-1); }},
      {"prod of rows of a slice", [](const Tensor& t) { return (t.shrink({{0, 64}, {0, 32}}) + 1.5f).prod(1); }},
      {"sum of int32", [](const Tensor& t) { return (t * 100.0f).cast(DType::int32).sum(); }},
      {"sum of a padded view", [](const Tensor& t) { return t.pad({{3, 5}, {0, 7}}).sum(0); }},
  };
  for (const auto& [name, f] : cases) EXPECT_TRUE(same_values(f(x.dnnl), f(x.ref), 1e-4, 1e-4)) << name;
}

// A short innermost reduced dim under other reduced dims (a bias gradient: the sum over batch,
// 11, 11) takes one accumulator per position of that dim; a masked (padded) view, MAX, integer
// and float16 sums on that path, and the sliding-window pooling forms beside it.
TEST(OnednnPrograms, ShortInnermostReductionsUnderOtherReducedDimsMatchRef) {
  auto x = random_pair({6, 8, 11, 11}, 11);
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> cases = {
      {"sum over batch and space", [](const Tensor& t) { return t.sum({0, 2, 3}); }},
      {"sum of relu over batch and space", [](const Tensor& t) { return (t + 0.25f).relu().sum({0, 2, 3}); }},
      {"max over batch and space", [](const Tensor& t) { return t.max({0, 2, 3}); }},
      {"sum of a padded view", [](const Tensor& t) { return t.pad({{0, 0}, {0, 0}, {0, 1}, {0, 1}}).sum({0, 2, 3}); }},
      {"sum of int32", [](const Tensor& t) { return (t * 1000.0f).cast(DType::int32).sum({0, 2, 3}); }},
      {"sum of float16", [](const Tensor& t) { return t.cast(DType::float16).sum({0, 2, 3}).cast(DType::float32); }},
      {"sum over rows of 4", [](const Tensor& t) { return t.reshape({6, 8, 121}).shrink({{0, 6}, {0, 8}, {0, 120}}).reshape({6, 8, 30, 4}).sum({0, 2, 3}); }},
      {"max pool 2", [](const Tensor& t) { return t.max_pool2d(2); }},
      {"max pool gradient's tie count", [](const Tensor& t) {
         Tensor m = t.max_pool2d(2);
         return (t.shrink({{0, 6}, {0, 8}, {0, 10}, {0, 10}}).reshape({6, 8, 5, 2, 5, 2}) ==
                 m.reshape({6, 8, 5, 1, 5, 1}))
             .cast(DType::float32)
             .sum({3, 5});
       }},
  };
  for (const auto& [name, f] : cases) EXPECT_TRUE(same_values(f(x.dnnl), f(x.ref), 1e-5, 1e-5)) << name;
}

// Reductions whose tasks would each be one short row of outputs: a task takes whole runs of the
// output dims outside that row (sdk/render/cpu_reduce.cpp, group_from_), on both paths
// (outputs innermost, reduction innermost), across a reduced dim between the grouped ones, with two phases, and
// with integer and float16 accumulators.
TEST(OnednnPrograms, ReductionsOverShortRowsTakeSeveralRowsPerTaskAndMatchRef) {
  // A per-channel bias (as after a convolution) or a transposed view keeps the outer dims from
  // merging into one, as in the mnist CNN's pooling.
  auto x = random_pair({64, 4, 26, 26}, 13);
  auto y = random_pair({20, 64, 4, 12}, 17);
  auto z = random_pair({64, 4, 8, 6}, 19);
  auto bias = random_pair({4}, 23);
  using F = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::tuple<const char*, const tgtest::Pair*, F>> cases = {
      {"max pool 2 of relu(x + bias)", &x,
       [](const Tensor& t, const Tensor& b) { return (t + b.reshape({1, 4, 1, 1})).relu().max_pool2d(2); }},
      {"avg pool 2 of x + bias", &x, [](const Tensor& t, const Tensor& b) { return (t + b.reshape({1, 4, 1, 1})).avg_pool2d(2); }},
      {"sum over a middle dim, outputs innermost", &y, [](const Tensor& t, const Tensor&) { return t.permute({1, 0, 2, 3}).sum(2); }},
      {"int32 max over a middle dim", &y,
       [](const Tensor& t, const Tensor&) { return (t.permute({1, 0, 2, 3}) * 1000.0f).cast(DType::int32).max(2); }},
      {"float16 sum over a middle dim", &y,
       [](const Tensor& t, const Tensor&) { return t.permute({1, 0, 2, 3}).cast(DType::float16).sum(2).cast(DType::float32); }},
      {"softmax over rows of 6", &z, [](const Tensor& t, const Tensor& b) { return (t + b.reshape({1, 4, 1, 1})).softmax(-1); }},
      {"sum over rows of 6", &z, [](const Tensor& t, const Tensor& b) { return (t + b.reshape({1, 4, 1, 1})).sum(-1); }},
  };
  for (const auto& [name, in, f] : cases)
    EXPECT_TRUE(same_values(f(in->dnnl, bias.dnnl), f(in->ref, bias.ref), 1e-5, 1e-5)) << name;
}

// Buffers of 2 MiB and more are placed on a huge-page boundary inside a larger mapping: every
// byte of sizes around that boundary is written, computed on and read back.
TEST(OnednnPrograms, BuffersAroundTheHugePageSizeHoldEveryElement) {
  for (int64_t n : {(int64_t{1} << 19) - 1, int64_t{1} << 19, (int64_t{1} << 19) + 1, 3 * (int64_t{1} << 19) + 7}) {
    std::vector<float> data(static_cast<size_t>(n));
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 1000003);
    Tensor x(data, tg::Shape({n}), tgtest::on("onednn"));
    std::vector<float> got = (x + 1.0f).to_vector<float>(), back = x.to_vector<float>();
    ASSERT_EQ(got.size(), data.size());
    for (size_t i = 0; i < data.size(); ++i) {
      ASSERT_EQ(got[i], data[i] + 1.0f) << "element " << i << " of " << n;
      ASSERT_EQ(back[i], data[i]) << "element " << i << " of " << n;
    }
  }
}

// Small integers and bools cast to floats (through int32 in the generated C): exact.
TEST(OnednnPrograms, SmallIntegerAndBoolToFloatCastsAreExact) {
  std::vector<int32_t> xi(4096);
  for (size_t i = 0; i < xi.size(); ++i) xi[i] = static_cast<int32_t>((i * 7919) % 70001) - 35000;
  auto run = [&](const char* dev) {
    Tensor x(xi, tg::Shape({64, 64}), tgtest::on(dev));
    std::vector<Tensor> out;
    for (DType from : {DType::bool_, DType::int8, DType::uint8, DType::int16})
      for (DType to : {DType::float16, DType::float32, DType::float64})
        out.push_back(x.cast(from).cast(to).cast(DType::float64));
    out.push_back((x > 0).cast(DType::float32) * x.cast(DType::float32));  // a mask times a value
    return out;
  };
  std::vector<Tensor> got = run("onednn"), want = run("ref");
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_values(got[i], want[i], 0, 0)) << "case " << i;
}

TEST(OnednnPrograms, IntegerBoolAndNarrowFloatProgramsMatchRef) {
  std::vector<int32_t> xi(300), yi(300);
  for (int i = 0; i < 300; ++i) {
    xi[static_cast<size_t>(i)] = (i * 37) % 201 - 100;
    yi[static_cast<size_t>(i)] = (i * 11) % 13 - 6;
  }
  auto run = [&](const char* dev) {
    Tensor x(xi, tg::Shape({10, 30}), tgtest::on(dev)), y(yi, tg::Shape({10, 30}), tgtest::on(dev));
    return std::vector<Tensor>{
        x * y + x,
        x.maximum(y) - y,
        tg::where(x < y, x, -y),
        (x != y).logical_and(x > 0).cast(DType::int32).sum(1),
        x.cast(DType::int8) * y.cast(DType::int8),  // wraps in 8 bits
        x.cast(DType::uint8) + y.cast(DType::uint8),
        x.cast(DType::int64).prod(0),
        (x.cast(DType::float32) / 7.0f).cast(DType::float16).exp2().cast(DType::float32),
        (x.cast(DType::bfloat16) * y.cast(DType::bfloat16)).sum(1).cast(DType::float32),
        (x.cast(DType::float32) * 1e6f).cast(DType::int16),  // saturating cast
        x.cast(DType::float64).sqrt().cast(DType::float32),  // NaN for negatives
    };
  };
  std::vector<Tensor> got = run("onednn"), want = run("ref");
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_values(got[i], want[i], 1e-6, 0)) << "case " << i;
}

// max propagates NaN wherever it sits in the window, in tiny unrolled reductions (a 2x2 pool),
// long ones, and elementwise; -inf and ties are ordinary values.
TEST(OnednnPrograms, MaxPropagatesNaNLikeRef) {
  std::vector<float> data = tgtest::random_floats(2 * 3 * 8 * 8, 7);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (size_t i : {0u, 9u, 18u, 27u, 100u, 201u, 383u}) data[i] = nan;  // each corner of some 2x2 window
  for (size_t i : {40u, 41u, 48u, 49u}) data[i] = -inf;                 // a whole window of -inf
  data[60] = data[61] = 0.5f;                                           // a tie
  auto run = [&](const char* dev) {
    Tensor x(data, tg::Shape({2, 3, 8, 8}), tgtest::on(dev));
    return std::vector<Tensor>{x.max_pool2d(2), x.relu().max_pool2d(2), x.max(3), x.max(), x.maximum(x.flip({3}))};
  };
  std::vector<Tensor> got = run("onednn"), want = run("ref");
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_values(got[i], want[i], 0, 0)) << "case " << i;
}

TEST(OnednnPrograms, WheresSharingAConditionMatchRefBitForBit) {
  // Several WHEREs of one condition are rendered as bit-mask selects (sdk/render/cpu_loops.cpp):
  // the chosen value must come through with its bits, NaN payloads, infinities and signed zeros included,
  // in float32 and float64, and next to a lone WHERE rendered as ?:.
  std::vector<float> data = tgtest::random_floats(3 * 5 * 7 * 4, 11);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  data[3] = nan, data[10] = -nan, data[17] = inf, data[24] = -inf, data[31] = -0.0f, data[38] = 0.0f;
  for (DType dt : {DType::float32, DType::float64}) {
    auto run = [&](const char* dev) {
      Tensor x = Tensor(data, tg::Shape({3, 5, 7, 4}), tgtest::on(dev)).cast(dt);
      Tensor y = x.flip({3}) * -1.0f;
      Tensor c = x > y;
      Tensor shared = tg::where(c, x, -0.0f) + tg::where(c, y * 2.0f, x) * tg::where(c, 1.0f, y);
      Tensor lone = tg::where(x < 0.25f, y, x);
      return std::vector<Tensor>{shared, lone, tg::where(c, x, y).sum(2)};
    };
    std::vector<Tensor> got = run("onednn"), want = run("ref");
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_TRUE(same_values(got[i], want[i], 0, 0)) << "case " << i << ", " << tg::dtype_name(dt);
  }
}

// The gradients of sigmoid, tanh-GELU and SiLU: a MIN caps exp2's argument, and its gradient
// is a WHERE (tie: half) inside a WHERE whose arms hold the exp2 and the reciprocal. Such WHEREs
// are written with masks (c_codegen.cpp, costly_), not `?:` that GCC made a branch around the
// math (the loop then did not vectorize: GELU's gradient over 1024 x 512, 3.7 ms). ctest
// OnednnPrograms.CostlyWhereArmsUseMasks checks the kernel's source says tg_where_f (the mask select).
TEST(OnednnPrograms, ActivationGradientsThroughTheExpCapMatchRef) {
  std::vector<float> data = tgtest::random_floats(64 * 96, 21);
  for (size_t i = 0; i < data.size(); i += 97) data[i] *= 40.0f;  // some far in the tails
  data[5] = -100.0f, data[6] = 100.0f, data[7] = 0.0f, data[8] = -88.0f;  // past the cap (126 / log2 e)
  auto grads = [&](const char* dev) {
    std::vector<Tensor> out;
    for (int f = 0; f < 3; ++f) {
      Tensor x = Tensor(data, tg::Shape({64, 96}), tgtest::on(dev)).requires_grad_();
      Tensor y = f == 0 ? x.sigmoid() : f == 1 ? x.gelu() : x.silu();
      (y * y).sum().backward();
      out.push_back(*x.grad());
    }
    return out;
  };
  std::vector<Tensor> got = grads("onednn"), want = grads("ref");
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_values(got[i], want[i], 1e-5, 1e-6)) << "function " << i;
}

TEST(OnednnPrograms, StreamingElementwiseChainMatchesRef) {
  auto x = random_pair({1 << 20}, 3);
  auto f = [](const Tensor& t) { return ((t * 2.0f + 1.0f).relu() * t + 0.5f); };
  EXPECT_TRUE(same_values(f(x.dnnl), f(x.ref), 0, 0));  // no reordering: bit-identical
}

// Transposing programs (the loads read along an outer dim, the stores along the innermost) run
// in tiles computed in the loads' order and stored from a local tile: sizes that are not
// multiples of the tiles, batches, flips, padding masks, a contiguous second input, narrow and
// wide dtypes. Copies and one rounding per op are bit-identical to ref.
TEST(OnednnPrograms, TransposingProgramsMatchRef) {
  auto x = random_pair({530, 600}, 11), y = random_pair({600, 530}, 12), b = random_pair({3, 700, 70}, 13);
  auto transposed = [](const Tensor& t) { return t.transpose(0, 1).contiguous(); };
  auto cases = [&](const Tensor& xs, const Tensor& ys, const Tensor& bs) {
    return std::vector<Tensor>{
        transposed(xs),
        bs.permute({0, 2, 1}).contiguous(),
        xs.flip({0}).transpose(0, 1) * 2.0f + ys,
        xs.transpose(0, 1).pad({{1, 2}, {3, 4}}, -1.0f),
        transposed(xs.cast(DType::float16)),
        transposed(xs.cast(DType::float64) * 3.0),
        transposed((xs * 100.0f).cast(DType::int64)),
        transposed(xs > 0.0f),
    };
  };
  std::vector<Tensor> got = cases(x.dnnl, y.dnnl, b.dnnl), want = cases(x.ref, y.ref, b.ref);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_values(got[i], want[i], 0, 0)) << "case " << i;
}

}  // namespace
