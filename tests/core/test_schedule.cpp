// The schedule realize() builds before it runs anything, as TG_DEBUG=4 prints it: one line per
// item, and at each kernel boundary the name of the fusion rule that made it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tg/nn.hpp"
#include "tg/tg.hpp"

using tg::Tensor;
namespace nn = tg::nn;

namespace {

// Sets an environment variable for one scope, restoring what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

struct Item {
  std::string kind, rule, text;
};

// The items of every schedule printed in `log` (lines "  N. kind ...  [rule: name]" after a
// "[tg] schedule (K items)" line), and how many schedules there were.
std::vector<Item> printed_items(const std::string& log, int* schedules) {
  static const std::regex header(R"(^\[tg\] schedule \((\d+) items\)$)");
  static const std::regex item(R"(^  (\d+)\. (\w+) (.*?)(  \[rule: ([^\]]+)\])?$)");
  std::vector<Item> items;
  std::istringstream in(log);
  std::string line;
  size_t expected = 0;
  *schedules = 0;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, header)) {
      EXPECT_EQ(expected, 0u) << "a schedule printed fewer items than its header says";
      expected = std::stoul(m[1]);
      ++*schedules;
    } else if (expected > 0 && std::regex_match(line, m, item)) {
      items.push_back({m[2], m[5], m[3]});
      --expected;
    }
  }
  EXPECT_EQ(expected, 0u) << "a schedule printed fewer items than its header says";
  return items;
}

TEST(Schedule, AnMlpTrainingStepPrintsAsAListWithARuleAtEachKernelBoundary) {
  Tensor::manual_seed(4);
  nn::Linear l1(784, 64), l2(64, 10);
  std::vector<Tensor> params = l1.parameters();
  for (const Tensor& p : l2.parameters()) params.push_back(p);
  nn::optim::Adam opt(params, 1e-3f);
  Tensor x = Tensor::rand({32, 784}).realize();
  Tensor y = Tensor::randint(0, 10, {32}).realize();
  tg::synchronize();

  const uint64_t launched_before = tg::runtime_stats().kernels_launched;
  std::string log;
  {
    ScopedEnv debug("TG_DEBUG", "4");
    testing::internal::CaptureStderr();
    opt.zero_grad();
    Tensor loss = l2(l1(x).relu()).sparse_categorical_crossentropy(y);
    loss.backward();
    opt.step({loss});
    tg::synchronize();
    log = testing::internal::GetCapturedStderr();
  }
  const uint64_t launched = tg::runtime_stats().kernels_launched - launched_before;

  int schedules = 0;
  std::vector<Item> items = printed_items(log, &schedules);
  ASSERT_GE(schedules, 1) << log;
  static const std::set<std::string> kinds{"kernel", "copy", "sort", "alias", "release"};
  static const std::regex kebab("[a-z]+(-[a-z]+)*");
  uint64_t kernels = 0;
  std::set<std::string> rules;
  for (const Item& i : items) {
    EXPECT_TRUE(kinds.count(i.kind)) << "unknown item kind: " << i.kind << " " << i.text;
    if (i.kind == "kernel") {
      ++kernels;
      // every kernel is a boundary, but a scatter's second one (its adds, into the first's output)
      if (i.text.find("(adds into its output)") == std::string::npos) {
        EXPECT_FALSE(i.rule.empty()) << "a kernel without the rule that made it: " << i.text;
      }
      EXPECT_NE(i.text.find(" -> "), std::string::npos) << "a kernel line names its output: " << i.text;
    }
    if (!i.rule.empty()) {
      EXPECT_TRUE(std::regex_match(i.rule, kebab)) << "rule names are kebab-case: " << i.rule;
      rules.insert(i.rule);
    }
  }
  // The printed kernels are the ones launched (this step builds every schedule it runs).
  EXPECT_EQ(kernels, launched) << log;
  EXPECT_TRUE(rules.count("root")) << log;
  EXPECT_GE(rules.size(), 2u) << "only roots: no boundary inside the step was named\n" << log;
}

TEST(Schedule, ACachedScheduleRunsWithoutBeingBuiltOrPrintedAgain) {
  Tensor a = Tensor::rand({8, 16}).realize();
  auto step = [&] { return ((a * 2).sum(1) + a.max(1)).realize(); };
  step();
  std::string log;
  {
    ScopedEnv debug("TG_DEBUG", "4");
    testing::internal::CaptureStderr();
    Tensor r = step();
    tg::synchronize();
    log = testing::internal::GetCapturedStderr();
    EXPECT_EQ(r.shape(), tg::Shape({8}));
  }
  int schedules = 0;
  printed_items(log, &schedules);
  EXPECT_EQ(schedules, 0) << "the same graph again is run from the schedule cache\n" << log;
}

}  // namespace
