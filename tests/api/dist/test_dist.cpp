// tg::dist under `mpirun -n 2` (any world size works; world 1 checks the single-process paths):
// collectives, the DistributedDataParallel equivalence with one process, the sampler, and the
// errors every rank must get instead of a hang.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <tg/dist.hpp>
#include <tg/tg.hpp>

#include "tg_test_util.hpp"

namespace {

using tg::DType;
using tgtest::error_of;
using tg::Tensor;
namespace dist = tg::dist;
namespace nn = tg::nn;

bool host_device() {
  const std::string d = tg::Device::default_device();
  return d.rfind("onednn", 0) == 0 || d.rfind("ref", 0) == 0;
}

TEST(Collectives, AllReduceEveryOpInPlace) {
  const int r = dist::rank(), n = dist::world_size();
  const float total = n * (n + 1) / 2.0f;  // 1 + 2 + ... + n
  for (auto [op, want] : std::vector<std::pair<dist::ReduceOp, float>>{
           {dist::ReduceOp::sum, total}, {dist::ReduceOp::mean, total / n},
           {dist::ReduceOp::max, float(n)}, {dist::ReduceOp::min, 1.0f}}) {
    Tensor t = Tensor::full({2, 3}, float(r + 1));
    Tensor alias = t;  // in place like assign(): every copy of the handle sees the result
    dist::all_reduce(t, op);
    EXPECT_EQ(alias.to_vector<float>(), std::vector<float>(6, want)) << "op " << static_cast<int>(op);
  }
  Tensor i = Tensor::full({4}, r + 1, {DType::int32});
  dist::all_reduce(i);
  EXPECT_EQ(i.to_vector<int>(), std::vector<int>(4, int(total)));
  Tensor b = Tensor(std::vector<bool>{r == 0, true}, {2});
  Tensor any = b, all = b.clone();
  dist::all_reduce(any, dist::ReduceOp::max);
  dist::all_reduce(all, dist::ReduceOp::min);
  EXPECT_EQ(any.to_vector<uint8_t>(), (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(all.to_vector<uint8_t>(), (std::vector<uint8_t>{uint8_t(n == 1), 1}));
}

// The result goes to a new buffer: a tensor sharing the old one keeps its value.
TEST(Collectives, AllReduceLeavesTensorsSharingTheOldBufferAlone) {
  Tensor a = Tensor::full({4}, 3.0f).realize();
  Tensor b = a.detach();  // the same buffer, another handle
  dist::all_reduce(b);
  EXPECT_EQ(a.to_vector<float>(), std::vector<float>(4, 3.0f));
  EXPECT_EQ(b.to_vector<float>(), std::vector<float>(4, 3.0f * dist::world_size()));
}

TEST(Collectives, AllReduceOfALazyViewAndGradientsStillFlow) {
  const int n = dist::world_size();
  Tensor w = Tensor::arange(12).reshape({3, 4}).T();  // a view, not yet computed
  dist::all_reduce(w);
  EXPECT_EQ(w.shape(), tg::Shape({4, 3}));
  EXPECT_FLOAT_EQ(w.to_vector<float>()[1], 4.0f * n);  // w[0][1] = 4 on every rank
  Tensor p = Tensor::ones({3});
  dist::broadcast(p, 0);  // still a leaf that gets gradients
  (p * 2).sum().backward();
  ASSERT_TRUE(p.grad());
  EXPECT_EQ(p.grad()->to_vector<float>(), std::vector<float>(3, 2.0f));
}

TEST(Collectives, HostDevicesHandMpiTheirBuffersWithoutACopy) {
  if (!host_device()) GTEST_SKIP() << "only onednn and ref buffers are host memory";
  Tensor t = (Tensor::ones({1000}) * 3).realize();
  tg::reset_runtime_stats();
  dist::all_reduce(t);
  t.realize();
  const tg::RuntimeStats s = tg::runtime_stats();
  EXPECT_EQ(s.copies_in, 0u);
  EXPECT_EQ(s.copies_out, 0u);
  EXPECT_FLOAT_EQ(t.to_vector<float>()[999], 3.0f * dist::world_size());
}

TEST(Collectives, BroadcastFromTheLastRank) {
  const int r = dist::rank(), n = dist::world_size();
  Tensor t = Tensor::arange(5) + float(r * 10);
  dist::broadcast(t, n - 1);
  EXPECT_EQ(t.to_vector<float>(), (Tensor::arange(5) + float((n - 1) * 10)).to_vector<float>());
}

TEST(Collectives, AllGatherConcatenatesRanksOfDifferentLengths) {
  const int r = dist::rank(), n = dist::world_size();
  Tensor mine = Tensor::full({r + 1, 2}, r);
  Tensor all = dist::all_gather(mine);
  ASSERT_EQ(all.shape(), tg::Shape({n * (n + 1) / 2, 2}));
  std::vector<int> want;
  for (int k = 0; k < n; ++k)
    for (int row = 0; row <= k; ++row) want.insert(want.end(), {k, k});
  EXPECT_EQ(all.to_vector<int>(), want);
}

TEST(Collectives, Barrier) {
  dist::barrier();
  dist::barrier();
}

TEST(Errors, EveryRankFailsWhenTheRanksPassDifferentShapes) {
  if (dist::world_size() == 1) GTEST_SKIP() << "needs two ranks";
  Tensor t = Tensor::ones({3 + dist::rank()});
  EXPECT_NE(error_of([&] { dist::all_reduce(t); }).find("different shapes or dtypes"), std::string::npos);
  EXPECT_NE(error_of([&] { dist::broadcast(t, 0); }).find("different shapes or dtypes"), std::string::npos);
  Tensor g = Tensor::ones({2, 2 + dist::rank()});
  EXPECT_NE(error_of([&] { dist::all_gather(g); }).find("only dim 0 may differ"), std::string::npos);
  dist::barrier();  // and the ranks are still in step
}

TEST(Errors, BadArguments) {
  Tensor b = Tensor(std::vector<bool>{true}, {1});
  EXPECT_NE(error_of([&] { dist::all_reduce(b); }).find("use ReduceOp::max"), std::string::npos);
  Tensor i = Tensor::ones({2}, {DType::int32});
  EXPECT_NE(error_of([&] { dist::all_reduce(i, dist::ReduceOp::mean); }).find("cast it to float32"), std::string::npos);
  Tensor h = Tensor::ones({2}, {DType::float16});
  EXPECT_NE(error_of([&] { dist::all_reduce(h); }).find("MPI has no float16 type"), std::string::npos);
  Tensor f = Tensor::ones({2});
  EXPECT_NE(error_of([&] { dist::broadcast(f, dist::world_size()); }).find("is not a rank"), std::string::npos);
  EXPECT_NE(error_of([&] { dist::all_gather(Tensor(1.0f)); }).find("reshape({1})"), std::string::npos);
  Tensor empty;
  EXPECT_NE(error_of([&] { dist::all_reduce(empty); }).find("empty"), std::string::npos);
}

TEST(Errors, WorldSizeMustDivideTheGlobalBatch) {
  const int n = dist::world_size();
  EXPECT_EQ(dist::local_batch_size(128 * n), 128);
  if (n == 1) return;
  const std::string e = error_of([&] { dist::local_batch_size(128 * n + 1); });
  EXPECT_NE(e.find("does not divide among " + std::to_string(n) + " ranks"), std::string::npos) << e;
  EXPECT_NE(e.find("use a multiple of " + std::to_string(n)), std::string::npos) << e;
}

TEST(Errors, RanksThatBuildDifferentModels) {
  if (dist::world_size() == 1) GTEST_SKIP() << "needs two ranks";
  nn::Linear layer(4, 3 + dist::rank());
  const std::string e = error_of([&] { dist::DistributedDataParallel ddp(layer); });
  EXPECT_NE(e.find("the ranks built different models"), std::string::npos) << e;
  dist::barrier();
}

// The model of the equivalence test: 16 -> 32 -> 4.
struct Mlp : nn::Module {
  nn::Linear l1{16, 32}, l2{32, 4};
  Mlp() {
    register_module("l1", l1);
    register_module("l2", l2);
  }
  Tensor operator()(const Tensor& x) const { return l2(l1(x).relu()); }
};

Tensor rows(const std::vector<float>& all, int64_t width, const std::vector<int64_t>& idx, int64_t from, int64_t n) {
  std::vector<float> out;
  for (int64_t k = from; k < from + n; ++k)
    out.insert(out.end(), all.begin() + idx[size_t(k)] * width, all.begin() + (idx[size_t(k)] + 1) * width);
  return Tensor(out, {n, width});
}

TEST(DataParallel, ConstructionCopiesRankZerosParameters) {
  Tensor::manual_seed(100 + uint64_t(dist::rank()));  // every rank starts elsewhere
  Mlp model;
  dist::DistributedDataParallel ddp(model);
  for (const Tensor& p : model.parameters()) {
    Tensor everyone = dist::all_gather(p.reshape({1, -1}));
    Tensor spread = everyone.max(0) - everyone.min(0);
    EXPECT_EQ(spread.max().item<float>(), 0.0f);
  }
}

// Two ranks with batch 64 each end where one process with batch 128 of the same samples does.
TEST(DataParallel, MatchesOneProcessWithTheWholeBatch) {
  const int n = dist::world_size();
  const int64_t global = 128, local = dist::local_batch_size(global), steps = 20, samples = global * steps;
  Tensor::manual_seed(7);
  std::vector<float> x = Tensor::randn({samples, 16}).to_vector<float>();
  std::vector<float> y = Tensor::randint(0, 4, {samples}).cast(DType::float32).to_vector<float>();
  Tensor::manual_seed(1);
  Mlp ddp_model, one_model;
  for (size_t k = 0; k < one_model.parameters().size(); ++k)  // the same start
    one_model.parameters()[k].assign(ddp_model.parameters()[k].clone()).realize();
  dist::DistributedDataParallel ddp(ddp_model, /*bucket_bytes=*/1024);  // several buckets
  EXPECT_GT(ddp.buckets().size(), 1u);
  nn::optim::Adam ddp_opt(ddp_model.parameters(), 1e-2f), one_opt(one_model.parameters(), 1e-2f);
  dist::DistributedSampler mine(samples, true, 3), whole(samples, true, 3, 1, 0);
  const std::vector<int64_t> mine_idx = mine.indices(), whole_idx = whole.indices();
  Tensor::training = true;
  uint64_t compiled_after_warmup = 0;
  for (int64_t s = 0; s < steps; ++s) {
    if (s == 3) compiled_after_warmup = tg::runtime_stats().kernels_compiled;
    Tensor target = rows(y, 1, mine_idx, s * local, local).reshape({local}).cast(DType::int32);
    Tensor loss = ddp_model(rows(x, 16, mine_idx, s * local, local)).sparse_categorical_crossentropy(target);
    ddp_opt.zero_grad();
    loss.backward();
    ddp.sync_gradients();
    ddp_opt.step();

    Tensor one_target = rows(y, 1, whole_idx, s * global, global).reshape({global}).cast(DType::int32);
    Tensor one_loss = one_model(rows(x, 16, whole_idx, s * global, global)).sparse_categorical_crossentropy(one_target);
    one_opt.zero_grad();
    one_loss.backward();
    one_opt.step();
  }
  Tensor::training = false;
  // The gradients' views into the reduced buckets sit at the same offsets every step: the
  // step's programs are compiled in the first steps and never again.
  EXPECT_EQ(tg::runtime_stats().kernels_compiled, compiled_after_warmup);
  for (size_t k = 0; k < one_model.parameters().size(); ++k) {
    std::vector<float> a = ddp_model.parameters()[k].to_vector<float>(), b = one_model.parameters()[k].to_vector<float>();
    float worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
    EXPECT_LT(worst, 1e-4f) << "parameter " << k << " on " << n << " ranks";
  }
}

TEST(Sampler, EveryRankItsShareOfTheSameShuffle) {
  const int64_t n = 10;
  std::vector<int64_t> seen;
  for (int r = 0; r < 3; ++r) {
    dist::DistributedSampler s(n, true, 5, 3, r);
    s.set_epoch(2);
    std::vector<int64_t> mine = s.indices();
    EXPECT_EQ(mine.size(), 4u);  // ceil(10 / 3), padded by wrapping around
    EXPECT_EQ(s.size(), 4);
    seen.insert(seen.end(), mine.begin(), mine.end());
  }
  std::vector<int64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  EXPECT_EQ(sorted.size(), size_t(n));  // every index somewhere
  dist::DistributedSampler a(n, true, 5, 3, 0), b(n, true, 5, 3, 0);
  b.set_epoch(1);
  EXPECT_NE(a.indices(), b.indices());  // a new order each epoch
  a.set_epoch(1);
  EXPECT_EQ(a.indices(), b.indices());  // the same on every rank
  EXPECT_EQ(dist::DistributedSampler(5, false, 0, 2, 1).indices(), (std::vector<int64_t>{1, 3, 0}));
  EXPECT_NE(error_of([] { dist::DistributedSampler(5, false, 0, 2, 2); }).find("is not in 0 .. 1"), std::string::npos);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  tg::dist::init(argc, argv);
  int rc = RUN_ALL_TESTS();
  tg::dist::finalize();
  return rc;
}
