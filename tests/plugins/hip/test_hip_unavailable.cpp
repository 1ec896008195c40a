// The hip device as an application sees it, checked against what HIP itself says (hip_status.hpp).
// Without an AMD GPU (this machine): `hip` is listed unavailable with HIP's reason, choosing it
// fails with that reason, in-process and in a fresh process with TG_DEVICE=hip, and `tg devices`
// prints it. With no ROCm runtime at all, TG_DEVICE=hip fails naming the missing libamdhip64.so.5.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <tg/tg.hpp>

#include "hip_status.hpp"

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

struct ChildRun {
  std::string output;
  int exit_code = -1;
};

// Runs a shell command line; its stdout and stderr together, and its exit code.
ChildRun run(const std::string& command) {
  ChildRun r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return r;
}

// The reason the hip plugin gives when HIP finds no GPU.
std::string no_gpu_reason(const hiptest::HipStatus& hip) {
  return "hip: no AMD GPU available: hipGetDeviceCount returned " + hip.error_name();
}

const tg::DeviceInfo* find_hip(const std::vector<tg::DeviceInfo>& all) {
  for (const tg::DeviceInfo& d : all)
    if (d.name == "hip") return &d;
  return nullptr;
}

}  // namespace

TEST(HipUnavailable, DevicesListsHipWithHipsReason) {
  const hiptest::HipStatus hip = hiptest::hip_status();
  const std::vector<tg::DeviceInfo> all = tg::devices();
  const tg::DeviceInfo* d = find_hip(all);
  ASSERT_NE(d, nullptr) << "libtg-hip.so was not found in the plugin search path";
  EXPECT_THAT(d->plugin_file, HasSubstr("libtg-hip.so"));
  if (hip.has_gpu()) {
    EXPECT_TRUE(d->available) << d->reason;
    return;
  }
  EXPECT_FALSE(d->available);
  EXPECT_THAT(d->reason, HasSubstr(no_gpu_reason(hip)));
}

TEST(HipUnavailable, SetDefaultHipFailsWithHipsReason) {
  const hiptest::HipStatus hip = hiptest::hip_status();
  if (hip.has_gpu()) {
    EXPECT_NO_THROW(tg::Device::set_default("hip"));
    return;
  }
  try {
    tg::Device::set_default("hip");
    FAIL() << "set_default(\"hip\") succeeded without a GPU";
  } catch (const tg::Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("hip"), HasSubstr(no_gpu_reason(hip))));
  }
}

TEST(HipUnavailable, TgDeviceHipFailsInAFreshProcess) {
  const hiptest::HipStatus hip = hiptest::hip_status();
  const ChildRun r = run("env TG_DEVICE=hip '" TG_ENV_PROBE "'");
  if (hip.has_gpu()) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("OK hip:0"));
    return;
  }
  EXPECT_EQ(r.exit_code, 3) << r.output;  // a tg::Error, not a result computed elsewhere
  EXPECT_THAT(r.output, AllOf(HasSubstr("TG_ERROR: "), HasSubstr(no_gpu_reason(hip)), Not(HasSubstr("OK "))));
}

TEST(HipUnavailable, TgDevicesPrintsHipsReason) {
  const hiptest::HipStatus hip = hiptest::hip_status();
  const ChildRun r = run("env -u TG_DEVICE '" TG_TOOL "' devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  if (hip.has_gpu()) {
    EXPECT_THAT(r.output, testing::ContainsRegex("\nhip +0 +yes "));
    return;
  }
  EXPECT_THAT(r.output, testing::ContainsRegex("\nhip +0 +no "));
  EXPECT_THAT(r.output, HasSubstr("hip:0: " + no_gpu_reason(hip)));
}

// No ROCm runtime installed: the LD_AUDIT module hip_hide_runtime.so makes the loader fail to
// find libamdhip64 exactly as on such a machine, in the child process only.
// AddressSanitizer cannot start in a process with an LD_AUDIT module (the module's mappings land
// where ASan's shadow memory must go), so a sanitizer build skips these two; the normal build runs them.
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() GTEST_SKIP() << "LD_AUDIT and AddressSanitizer cannot share a process"
#else
#define SKIP_UNDER_ASAN() (void)0
#endif
TEST(HipMissingRuntime, TgDeviceHipNamesTheMissingLibrary) {
  SKIP_UNDER_ASAN();
  const ChildRun r = run("env TG_DEVICE=hip LD_AUDIT='" TG_HIP_HIDE_RUNTIME "' '" TG_ENV_PROBE "'");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("TG_ERROR: "), HasSubstr("libtg-hip.so"),
                              HasSubstr("libamdhip64.so.5: cannot open shared object file"), Not(HasSubstr("OK "))));
}

TEST(HipMissingRuntime, TgDevicesListsHipWithTheLoadError) {
  SKIP_UNDER_ASAN();
  const ChildRun r = run("env -u TG_DEVICE LD_AUDIT='" TG_HIP_HIDE_RUNTIME "' '" TG_TOOL "' devices");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("libamdhip64.so.5: cannot open shared object file"));
  EXPECT_THAT(r.output, testing::ContainsRegex("\nref +0 +yes "));  // the other plugins still load
}
