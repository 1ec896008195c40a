// Must-fail cases: each one throws a tg::Error whose message says what was wrong. Shapes in
// messages are written as tg::Shape::to_string() writes them: "(2, 3)".
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <type_traits>

#include "tg_test_util.hpp"

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using tg::DType;
using tg::Tensor;

static_assert(std::is_base_of_v<std::runtime_error, tg::Error>, "tg::Error is a std::runtime_error");

namespace {

// The message of the tg::Error that fn throws, or a marker that no matcher below accepts.
template <typename F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const tg::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<not a tg::Error: ") + e.what() + ">";
  }
  return "<nothing thrown>";
}

// A fresh process (tg_env_probe) run with TG_DEVICE=value (nullptr: unset); its output and exit code.
struct ProbeResult {
  std::string output;
  int exit_code = -1;
};
ProbeResult run_probe(const char* tg_device) {
  std::string env = tg_device ? "env TG_DEVICE='" + std::string(tg_device) + "'" : std::string("env -u TG_DEVICE");
  std::string cmd = env + " '" + TG_ENV_PROBE + "' 2>&1";
  ProbeResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

Tensor m23() { return Tensor::ones({2, 3}); }

}  // namespace

// ---------------------------------------------------------------- shapes

TEST(ShapeErrors, BroadcastMismatchNamesBothShapes) {
  std::string msg = error_of([] { Tensor::ones({2, 3}) + Tensor::ones({4, 3}); });
  EXPECT_THAT(msg, AllOf(HasSubstr("(2, 3)"), HasSubstr("(4, 3)")));
  const std::string s2 = tg::Shape({2}).to_string(), s3 = tg::Shape({3}).to_string();
  const std::string s4 = tg::Shape({4}).to_string();
  EXPECT_THAT(error_of([] { Tensor::ones({2, 3}) * Tensor::ones({2}); }),
              AllOf(HasSubstr("(2, 3)"), HasSubstr(s2)));
  EXPECT_THAT(error_of([] { Tensor::ones({3}) < Tensor::ones({4}); }), AllOf(HasSubstr(s3), HasSubstr(s4)));
  EXPECT_THAT(error_of([] { tg::where(Tensor::ones({2}) > 0, Tensor::ones({3}), 1.f); }),
              AllOf(HasSubstr(s2), HasSubstr(s3)));
}

TEST(ShapeErrors, ShapeMismatchThrowsWhenBuiltNotWhenRealized) {
  Tensor a = Tensor::ones({2, 3});
  Tensor b = Tensor::ones({4, 3});
  EXPECT_THROW(a + b, tg::Error);
  EXPECT_THROW(a.maximum(b), tg::Error);
}

TEST(ShapeErrors, ReshapeToAnotherCountNamesBothShapes) {
  std::string msg = error_of([] { m23().reshape({4, 2}); });
  EXPECT_THAT(msg, AllOf(HasSubstr("(2, 3)"), HasSubstr("(4, 2)")));
}

TEST(ShapeErrors, ReshapeWithTwoMinusOnes) {
  std::string msg = error_of([] { m23().reshape({-1, -1}); });
  EXPECT_THAT(msg, HasSubstr("-1"));
}

TEST(ShapeErrors, ReshapeMinusOneThatDoesNotDivide) {
  std::string msg = error_of([] { m23().reshape({4, -1}); });
  EXPECT_THAT(msg, HasSubstr("(2, 3)"));
}

TEST(ShapeErrors, MatmulInnerDimMismatchNamesBothShapes) {
  std::string msg = error_of([] { m23().matmul(Tensor::ones({2, 3})); });
  EXPECT_THAT(msg, HasSubstr("(2, 3)"));
  msg = error_of([] { Tensor::ones({2, 3}).matmul(Tensor::ones({4, 5})); });
  EXPECT_THAT(msg, AllOf(HasSubstr("(2, 3)"), HasSubstr("(4, 5)")));
  msg = error_of([] { Tensor::ones({3}).matmul(Tensor::ones({2, 2})); });
  EXPECT_THAT(msg, AllOf(HasSubstr(tg::Shape({3}).to_string()), HasSubstr("(2, 2)")));
}

TEST(ShapeErrors, MatmulOfScalarThrows) {
  EXPECT_THROW(Tensor(2.f).matmul(Tensor::ones({2})), tg::Error);
}

TEST(ShapeErrors, LinearWithWrongWeightNamesShapes) {
  std::string msg = error_of([] { m23().linear(Tensor::ones({2, 3})); });
  EXPECT_THAT(msg, AllOf(HasSubstr("(2, 3)")));
}

TEST(ShapeErrors, ExpandIncompatibleNamesBothShapes) {
  std::string msg = error_of([] { m23().expand({4, 3}); });
  EXPECT_THAT(msg, AllOf(HasSubstr("(2, 3)"), HasSubstr("(4, 3)")));
}

TEST(ShapeErrors, DataDoesNotFillShape) {
  std::string msg = error_of([] { Tensor(std::vector<float>(5, 1.f), tg::Shape({2, 3})); });
  EXPECT_THAT(msg, AllOf(HasSubstr("5"), HasSubstr("(2, 3)")));
}

TEST(ShapeErrors, CatMismatchNamesShapes) {
  std::string msg = error_of([] { tg::cat({Tensor::ones({2, 3}), Tensor::ones({2, 2})}, 0); });
  EXPECT_THAT(msg, AllOf(HasSubstr("(2, 3)"), HasSubstr("(2, 2)")));
  EXPECT_THROW(tg::cat({Tensor::ones({2, 3}), Tensor::ones({3})}, 0), tg::Error);
  EXPECT_THROW(tg::cat({}, 0), tg::Error);
  EXPECT_THROW(tg::stack({Tensor::ones({2}), Tensor::ones({3})}, 0), tg::Error);
}

TEST(ShapeErrors, PermuteMustBeAPermutation) {
  EXPECT_THROW(m23().permute({0, 0}), tg::Error);
  EXPECT_THROW(m23().permute({0}), tg::Error);
  EXPECT_THROW(m23().permute({0, 2}), tg::Error);
}

TEST(ShapeErrors, PadAndShrinkRanges) {
  EXPECT_THROW(m23().pad({{1, 1}, {0, 0}, {0, 0}}), tg::Error);
  EXPECT_THROW(m23().shrink({{0, 3}, {0, 3}}), tg::Error);
  EXPECT_THROW(m23().shrink({{1, 0}, {0, 3}}), tg::Error);
  EXPECT_THROW(m23().shrink({{0, 1}}), tg::Error);
}

TEST(ShapeErrors, SliceAndIndex) {
  EXPECT_THROW(m23().slice(0, 0, 2, 0), tg::Error);
  EXPECT_THROW(m23().slice(2, 0, 1), tg::Error);
  std::string msg = error_of([] { m23()[5]; });
  EXPECT_THAT(msg, HasSubstr("5"));
  EXPECT_THROW(m23()[-3], tg::Error);
  EXPECT_THROW(Tensor(1.f)[0], tg::Error);
}

// A 0-d tensor has no dim to slice, concatenate, split or unflatten along (these crashed);
// squeeze and size check the dim as PyTorch does.
TEST(ShapeErrors, ZeroDimTensorsHaveNoDimToWorkAlong) {
  EXPECT_THAT(error_of([] { Tensor(2).slice(0, 0, 9); }), HasSubstr("0-dim"));
  EXPECT_THAT(error_of([] { tg::cat({Tensor(1.f), Tensor(1.f)}); }), AllOf(HasSubstr("cat"), HasSubstr("0-dim")));
  EXPECT_THROW(tg::cat({Tensor({1.f}), Tensor(1.f)}), tg::Error);
  EXPECT_THROW(Tensor(1.f).squeeze(10), tg::Error);
  EXPECT_THROW(Tensor(1.f).squeeze(-2), tg::Error);
  EXPECT_EQ(Tensor(1.f).squeeze(0).ndim(), 0);
  EXPECT_EQ(Tensor(1.f).squeeze(-1).ndim(), 0);
  EXPECT_THROW(Tensor(1.f).split(1), tg::Error);
  EXPECT_THROW(Tensor(1.f).split(std::vector<int64_t>{1}), tg::Error);
  EXPECT_THROW(Tensor(1.f).chunk(1), tg::Error);
  EXPECT_THROW(Tensor(1.f).unflatten(0, {1}), tg::Error);
  EXPECT_THROW(Tensor(1.f).size(0), tg::Error);
  EXPECT_THROW(Tensor(1.f).transpose(0, 3), tg::Error);
  EXPECT_THROW(Tensor(5.f).gather(1, Tensor(0)), tg::Error);
  EXPECT_THROW(Tensor(5.f).gather(0, Tensor({0})), tg::Error);  // the index must be 0-d too
  EXPECT_THROW(Tensor(5.f).gather(0, Tensor(0.f)), tg::Error);
}

TEST(ShapeErrors, ChunkSplitUnflatten) {
  EXPECT_THROW(m23().chunk(0), tg::Error);
  EXPECT_THROW(m23().split(std::vector<int64_t>{1, 3}, 0), tg::Error);
  EXPECT_THROW(m23().unflatten(1, {2, 2}), tg::Error);
}

TEST(ShapeErrors, GatherIndexRankMustMatch) {
  EXPECT_THROW(m23().gather(1, Tensor({0, 1})), tg::Error);
}

// ---------------------------------------------------------------- axes

TEST(AxisErrors, SumAxisOutOfRangeNamesAxisAndNdim) {
  std::string msg = error_of([] { m23().sum(5); });
  EXPECT_THAT(msg, AllOf(HasSubstr("5"), HasSubstr("2")));
  msg = error_of([] { m23().sum(-3); });
  EXPECT_THAT(msg, AllOf(HasSubstr("-3"), HasSubstr("2")));
  EXPECT_THROW(m23().sum({0, 2}), tg::Error);
}

TEST(AxisErrors, EveryAxisTakingOpChecksRange) {
  EXPECT_THROW(m23().mean(2), tg::Error);
  EXPECT_THROW(m23().max(3), tg::Error);
  EXPECT_THROW(m23().min(-4), tg::Error);
  EXPECT_THROW(m23().prod(2), tg::Error);
  EXPECT_THROW(m23().var(2), tg::Error);
  EXPECT_THROW(m23().std(2), tg::Error);
  EXPECT_THROW(m23().argmax(2), tg::Error);
  EXPECT_THROW(m23().argmin(-3), tg::Error);
  EXPECT_THROW(m23().any(2), tg::Error);
  EXPECT_THROW(m23().all(2), tg::Error);
  EXPECT_THROW(m23().cumsum(2), tg::Error);
  EXPECT_THROW(m23().softmax(2), tg::Error);
  EXPECT_THROW(m23().log_softmax(-3), tg::Error);
  EXPECT_THROW(m23().logsumexp(2), tg::Error);
  EXPECT_THROW(m23().transpose(0, 2), tg::Error);
  EXPECT_THROW(m23().flip(2), tg::Error);
  EXPECT_THROW(m23().unsqueeze(4), tg::Error);
  EXPECT_THROW(m23().squeeze(2), tg::Error);
  EXPECT_THROW(m23().flatten(2), tg::Error);
  EXPECT_THROW(tg::cat({m23(), m23()}, 2), tg::Error);
  EXPECT_THROW(tg::stack({m23(), m23()}, 4), tg::Error);
  EXPECT_THROW(m23().gather(2, Tensor(std::vector<int>{0}, tg::Shape({1, 1}))), tg::Error);
}

// ---------------------------------------------------------------- values and dtypes

TEST(ValueErrors, ItemOnManyElements) {
  std::string msg = error_of([] { Tensor({1.f, 2.f, 3.f}).item<float>(); });
  EXPECT_THAT(msg, AllOf(HasSubstr("3"), HasSubstr("item")));
}

TEST(ValueErrors, OneHotOfFloatTensor) {
  std::string msg = error_of([] { Tensor({0.f, 1.f}).one_hot(2); });
  EXPECT_THAT(msg, HasSubstr("float32"));
}

TEST(ValueErrors, GatherWithFloatIndex) {
  std::string msg = error_of([] { m23().gather(1, Tensor({{0.f, 1.f}, {1.f, 0.f}})); });
  EXPECT_THAT(msg, HasSubstr("float32"));
}

TEST(ValueErrors, BadCreatorArguments) {
  EXPECT_THROW(Tensor::randint(5, 5, {3}), tg::Error);
  EXPECT_THROW(Tensor::arange(0, 5, 0), tg::Error);
  // too many elements: an error before anything is allocated (not an empty tensor, not an
  // exhausted host); 2^40 int64 values need 24 TiB
  EXPECT_THAT(error_of([] { Tensor::arange(0, 1e300); }), HasSubstr("1e+300"));
  EXPECT_THAT(error_of([] { Tensor::arange(1099511627776.); }), AllOf(HasSubstr("arange"), HasSubstr("GiB")));
  EXPECT_THROW(Tensor::linspace(0, 1, int64_t{1} << 40), tg::Error);
  EXPECT_THROW(Tensor::arange(3, tg::TensorOptions{DType::bool_}), tg::Error);
  EXPECT_THROW(Tensor::linspace(0, 1, 2, tg::TensorOptions{DType::bool_}), tg::Error);
  EXPECT_THROW(Tensor::zeros({2, -3}), tg::Error);
}

// An empty dim has no extreme: argmax/argmin used to return INT_MIN.
TEST(ValueErrors, ArgmaxOfEmptyNamesTheShape) {
  std::string msg = error_of([] { Tensor::zeros({0}).argmax(); });
  EXPECT_THAT(msg, AllOf(HasSubstr("argmax"), HasSubstr(tg::Shape({0}).to_string())));
  msg = error_of([] { Tensor::zeros({3, 0}).argmin(1); });
  EXPECT_THAT(msg, AllOf(HasSubstr("argmin"), HasSubstr("(3, 0)")));
  EXPECT_THROW(Tensor::zeros({0, 3}).argmax(0), tg::Error);
  EXPECT_THROW(Tensor::zeros({0, 3}).argmin(), tg::Error);
  EXPECT_EQ(tgtest::dims(Tensor::zeros({0, 3}).argmax(1)), (tgtest::Dims{0}));  // an empty result is fine
}

TEST(ValueErrors, BackwardOnNonScalarWithoutGradient) {
  std::string msg = error_of([] { (Tensor({1.f, 2.f}) * 2).backward(); });
  EXPECT_THAT(msg, HasSubstr(tg::Shape({2}).to_string()));
}

// ---------------------------------------------------------------- empty handles

TEST(HandleErrors, DefaultConstructedTensorThrowsOnUse) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_THROW(t.shape(), tg::Error);
  EXPECT_THROW(t.dtype(), tg::Error);
  EXPECT_THROW(t + 1, tg::Error);
  EXPECT_THROW(Tensor::ones({2}) * t, tg::Error);
  EXPECT_THROW(t.realize(), tg::Error);
  EXPECT_THROW(t.to_vector<float>(), tg::Error);
  EXPECT_THROW(t.sum(), tg::Error);
  EXPECT_THROW(t.to_string(), tg::Error);
  EXPECT_THROW(t.backward(), tg::Error);
  EXPECT_THROW(tg::cat({t, Tensor::ones({2})}), tg::Error);
}

// ---------------------------------------------------------------- devices

TEST(DeviceErrors, SetDefaultUnknownNamesItAndListsFound) {
  std::string before = tg::Device::default_device();
  std::string msg = error_of([] { tg::Device::set_default("nosuch"); });
  EXPECT_THAT(msg, AllOf(HasSubstr("nosuch"), HasSubstr("ref")));
  EXPECT_EQ(tg::Device::default_device(), before) << "a failed set_default must change nothing";
}

TEST(DeviceErrors, SetDefaultBadIndex) {
  EXPECT_THAT(error_of([] { tg::Device::set_default("ref:99"); }), HasSubstr("ref:99"));
  EXPECT_THROW(tg::Device::set_default("ref:x"), tg::Error);
  EXPECT_THROW(tg::Device::set_default("ref:-1"), tg::Error);
}

TEST(DeviceErrors, ToUnknownDevice) {
  std::string msg = error_of([] { Tensor({1.f}).to("nosuch:0"); });
  EXPECT_THAT(msg, HasSubstr("nosuch"));
}

TEST(DeviceErrors, DevicesListsRef) {
  bool found = false;
  for (const tg::DeviceInfo& d : tg::devices())
    if (d.name == "ref" && d.available) found = true;
  EXPECT_TRUE(found) << "the ref plugin must be found beside libtg";
  EXPECT_FALSE(tg::plugin_search_paths().empty());
}

TEST(TgDeviceEnv, RefAndRefZeroWork) {
  ProbeResult r = run_probe("ref");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK ref:0"));
  r = run_probe("ref:0");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK ref:0"));
}

TEST(TgDeviceEnv, UnsetAndAutoPickAWorkingDevice) {
  ProbeResult r = run_probe(nullptr);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK "));
  r = run_probe("auto");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("OK "));
}

TEST(TgDeviceEnv, UnknownNameListsFoundDevicesAndPaths) {
  ProbeResult r = run_probe("nosuch");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("TG_ERROR"), HasSubstr("nosuch"), HasSubstr("ref")));
  std::vector<std::string> paths = tg::plugin_search_paths();
  ASSERT_FALSE(paths.empty());
  for (const std::string& p : paths) EXPECT_THAT(r.output, HasSubstr(p)) << "every searched path is named";
}

TEST(TgDeviceEnv, MalformedIndexIsAnError) {
  for (const char* bad : {"ref:x", "ref:-1", "ref:", "ref:0:1", "ref:1x"}) {
    ProbeResult r = run_probe(bad);
    EXPECT_EQ(r.exit_code, 3) << bad << ": " << r.output;
    EXPECT_THAT(r.output, AllOf(HasSubstr("TG_ERROR"), HasSubstr(bad))) << bad;
  }
}

TEST(TgDeviceEnv, IndexBeyondDevicesIsAnError) {
  ProbeResult r = run_probe("ref:7");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("TG_ERROR"), HasSubstr("ref:7")));
  EXPECT_THAT(r.output, Not(HasSubstr("OK")));
}
