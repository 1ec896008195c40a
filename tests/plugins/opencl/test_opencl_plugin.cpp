// libtg-opencl.so as a plugin: devices and caps, errors (named cl* codes, out of memory with
// the size, misaligned offsets), the on-disk binary cache across processes (a second process
// compiles nothing; a corrupt entry is ignored and rebuilt), and a machine with no OpenCL
// platform (the plugin loads and says why it has no device; TG_DEVICE=opencl fails saying so).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cl_error.hpp"
#include "plugin_test_host.hpp"

using namespace plugintest;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

namespace {

std::string opencl_path() { return plugin_path("TG_OPENCL_PLUGIN", TG_OPENCL_PLUGIN_PATH); }

struct Child {
  std::string output;
  int exit_code = -1;
  double seconds = 0;
};

// Runs `command` with extra environment assignments ("A=b C=d") in a shell; stdout+stderr.
Child run(const std::string& env, const std::string& command) {
  Child c;
  const auto start = std::chrono::steady_clock::now();
  FILE* p = popen(("env " + env + " " + command + " 2>&1").c_str(), "r");
  if (!p) return c;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) c.output.append(buf, n);
  const int status = pclose(p);
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return c;
}

// A fresh directory under the system's temporary directory.
std::string fresh_dir(const std::string& tag) {
  fs::path d = fs::temp_directory_path() / ("tg-opencl-" + tag + "-" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

class Opencl : public ::testing::Test {
 protected:
  void SetUp() override {
    plugin_ = std::make_unique<Plugin>(opencl_path());
    ASSERT_NE(plugin_->api(), nullptr) << plugin_->load_error();
    TG_ASSERT_OK(plugin_->init_status());
    TG_ASSERT_OK(plugin_->open());
  }
  const tg_plugin_api* api() { return plugin_->api(); }
  tg_device* dev() { return plugin_->device(); }
  std::unique_ptr<Plugin> plugin_;
};

}  // namespace

TEST(OpenclErrors, EveryCodeHasItsName) {
  EXPECT_STREQ(tg::opencl::cl_error_name(-5), "CL_OUT_OF_RESOURCES");
  EXPECT_STREQ(tg::opencl::cl_error_name(-4), "CL_MEM_OBJECT_ALLOCATION_FAILURE");
  EXPECT_STREQ(tg::opencl::cl_error_name(-11), "CL_BUILD_PROGRAM_FAILURE");
  EXPECT_STREQ(tg::opencl::cl_error_name(-1001), "CL_PLATFORM_NOT_FOUND_KHR");
  for (int code = -1; code >= -72; --code)
    if (code > -20 || code <= -30) {
      EXPECT_NE(tg::opencl::cl_error_name(code), nullptr) << code;
    }
  EXPECT_EQ(tg::opencl::cl_error_text(-12345), "OpenCL error -12345");
}

TEST(OpenclErrors, AllocationFailuresAreOutOfMemory) {
  for (int code : {-4, -5, -6}) {
    try {
      tg::opencl::cl_fail(code, "clCreateBuffer of 123 bytes");
    } catch (const tg::sdk::Failure& f) {
      EXPECT_EQ(f.code(), TG_ERR_OUT_OF_MEMORY);
      EXPECT_THAT(f.what(), HasSubstr("123 bytes"));
      EXPECT_THAT(f.what(), HasSubstr(tg::opencl::cl_error_name(code)));
    }
  }
  try {
    tg::opencl::cl_fail(-46, "clCreateKernel x");
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_INTERNAL);
    EXPECT_THAT(f.what(), HasSubstr("CL_INVALID_KERNEL_NAME"));
  }
}

TEST(OpenclOptions, KernelStyleIsTakenAndAnythingElseIsAnErrorNamingTheOptions) {
  for (const char* good : {"kernels=gpu", "kernels=cpu", ""}) {
    Plugin plugin(opencl_path(), good);
    ASSERT_NE(plugin.api(), nullptr) << plugin.load_error();
    EXPECT_TRUE(plugin.init_status().ok()) << good << ": " << plugin.init_status();
  }
  Plugin bad(opencl_path(), "kernels=tpu");
  ASSERT_NE(bad.api(), nullptr) << bad.load_error();
  const Status s = bad.init_status();
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_THAT(s.message, HasSubstr("unknown option \"kernels=tpu\""));
  EXPECT_THAT(s.message, HasSubstr("kernels=cpu|gpu"));
}

TEST_F(Opencl, DevicesHaveNamesAndCaps) {
  uint32_t count = 0;
  TG_ASSERT_OK(take(api()->device_count(plugin_->plugin(), &count)));
  ASSERT_GE(count, 1u);
  for (uint32_t i = 0; i < count; ++i) {
    tg_device_props props{sizeof props, nullptr, 0, 0, 0};
    TG_ASSERT_OK(take(api()->device_get_props(plugin_->plugin(), i, &props)));
    ASSERT_NE(props.name, nullptr);
    EXPECT_GT(std::strlen(props.name), 0u);
  }
  tg_device_caps caps{sizeof caps, 0, 0, 0, 0};
  TG_ASSERT_OK(take(api()->device_get_caps(dev(), &caps)));
  EXPECT_TRUE(caps.fast_paths & TG_FAST_MATMUL);
  EXPECT_TRUE(caps.dtypes & (1u << TG_DTYPE_FLOAT16)) << "float16 is emulated on every device";
  EXPECT_TRUE(caps.dtypes & (1u << TG_DTYPE_BFLOAT16));
  // every op of 1.0 and GATHER; SCATTER_ADD only for float32 and int32, so not claimed
  EXPECT_EQ(caps.ops, ((uint64_t{1} << TG_KIR_OP_COUNT_1_0) - 1) | (uint64_t{1} << TG_KIR_GATHER));
  EXPECT_TRUE(caps.kir_features & TG_KIR_INDEXED);
  EXPECT_GT(caps.max_alloc, 0u);
}

TEST_F(Opencl, TooLargeAllocationIsOutOfMemoryWithTheSize) {
  tg_device_caps caps{sizeof caps, 0, 0, 0, 0};
  TG_ASSERT_OK(take(api()->device_get_caps(dev(), &caps)));
  const uint64_t too_big = caps.max_alloc + 1;
  tg_buffer* b = nullptr;
  Status s = take(api()->buffer_alloc(dev(), too_big, &b));
  EXPECT_EQ(s.code, TG_ERR_OUT_OF_MEMORY) << s;
  EXPECT_THAT(s.message, HasSubstr(std::to_string(too_big)));
  EXPECT_EQ(b, nullptr);
}

TEST_F(Opencl, EmptyBuffersAndEmptyOutputsWork) {
  tg_buffer* b = nullptr;
  TG_ASSERT_OK(take(api()->buffer_alloc(dev(), 0, &b)));
  api()->buffer_free(dev(), b);
  Program p;
  p.shape = {0, 4};
  int x = p.param(TG_DTYPE_FLOAT32, TG_PARAM_READ, 0);
  p.store(p.param(TG_DTYPE_FLOAT32, TG_PARAM_WRITE, 0), p.view({4, 1}), p.load(x, p.view({4, 1})));
  RunResult r = run_program(api(), dev(), p, {});
  EXPECT_TRUE(r.status.ok()) << r.status;
}

TEST_F(Opencl, OffsetsMustBeWholeElements) {
  Program p;
  p.shape = {4};
  int x = p.param(TG_DTYPE_FLOAT32, TG_PARAM_READ, 4);
  p.store(p.param(TG_DTYPE_FLOAT32, TG_PARAM_WRITE, 4), p.view({1}), p.load(x, p.view({1})));
  tg_kir_program prog = p.abi();
  tg_executable* exe = nullptr;
  TG_ASSERT_OK(take(api()->program_compile(dev(), &prog, &exe)));
  tg_buffer *in = nullptr, *out = nullptr;
  TG_ASSERT_OK(take(api()->buffer_alloc(dev(), 64, &in)));
  TG_ASSERT_OK(take(api()->buffer_alloc(dev(), 64, &out)));
  std::vector<float> data = {1, 2, 3, 4, 5, 6, 7, 8};
  TG_ASSERT_OK(take(api()->buffer_write(dev(), in, 0, data.data(), 32)));
  tg_buffer* bufs[] = {in, out};
  uint64_t good[] = {8, 16}, bad[] = {2, 0};
  tg_launch_args args{sizeof args, 2, bufs, good};
  TG_ASSERT_OK(take(api()->launch(dev(), exe, &args)));
  std::vector<float> got(4);
  TG_ASSERT_OK(take(api()->buffer_read(dev(), out, 16, got.data(), 16)));
  EXPECT_EQ(got, (std::vector<float>{3, 4, 5, 6}));
  args.offsets = bad;
  Status s = take(api()->launch(dev(), exe, &args));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  EXPECT_THAT(s.message, HasSubstr("byte offset 2"));
  api()->buffer_free(dev(), in);
  api()->buffer_free(dev(), out);
  api()->executable_free(dev(), exe);
}

// ---- the binary cache, across processes ---------------------------------------------------------

TEST(OpenclCache, ASecondProcessCompilesNothingAndACorruptEntryIsRebuilt) {
  const std::string dir = fresh_dir("cache");
  const std::string env = "TG_DEVICE=opencl TG_PLUGIN_DEBUG=1 TG_CACHE_DIR='" + dir + "'";
  const std::string probe = std::string("'") + TG_ENV_PROBE + "'";

  Child first = run(env, probe);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("OK opencl"));
  EXPECT_THAT(first.output, HasSubstr("compiled from source"));

  Child second = run(env, probe);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("loaded from the binary cache"));
  EXPECT_THAT(second.output, Not(HasSubstr("compiled from source"))) << second.output;
  std::printf("first run %.3f s, second run (cached) %.3f s\n", first.seconds, second.seconds);

  // Damage every entry two ways: garbage, and a valid header over a truncated payload.
  int damaged = 0;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "opencl")) {
    if (damaged++ % 2 == 0) {
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "not a binary";
    } else {
      fs::resize_file(e.path(), fs::file_size(e.path()) / 2);
    }
  }
  ASSERT_GT(damaged, 0);
  Child third = run(env, probe);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_THAT(third.output, HasSubstr("OK opencl"));
  EXPECT_THAT(third.output, HasSubstr("ignoring corrupt cache entry"));
  EXPECT_THAT(third.output, HasSubstr("compiled from source"));

  Child fourth = run(env, probe);  // rebuilt by the third
  ASSERT_EQ(fourth.exit_code, 0) << fourth.output;
  EXPECT_THAT(fourth.output, Not(HasSubstr("compiled from source"))) << fourth.output;
  EXPECT_THAT(fourth.output, Not(HasSubstr("corrupt"))) << fourth.output;
  fs::remove_all(dir);
}

// ---- no OpenCL platform -------------------------------------------------------------------------

// With OCL_ICD_VENDORS naming an empty directory, the ICD loader finds no driver.
TEST(OpenclNoPlatform, TgDeviceOpenclFailsSayingWhy) {
  const std::string vendors = fresh_dir("no-icd");
  Child c = run("TG_DEVICE=opencl OCL_ICD_VENDORS='" + vendors + "'", std::string("'") + TG_ENV_PROBE + "'");
  EXPECT_EQ(c.exit_code, 3) << c.output;  // a tg::Error, not a fallback to another device
  EXPECT_THAT(c.output, HasSubstr("TG_ERROR"));
  EXPECT_THAT(c.output, HasSubstr("no OpenCL platform found"));
  EXPECT_THAT(c.output, HasSubstr("CL_PLATFORM_NOT_FOUND_KHR"));
  EXPECT_THAT(c.output, Not(HasSubstr("OK ")));
  fs::remove_all(vendors);
}

TEST(OpenclNoPlatform, ThePluginLoadsAndReportsUnavailable) {
  // This process already loaded the ICD loader's vendors; ask a fresh one (this test binary,
  // running only the disabled child test below) with the empty vendor directory.
  const std::string vendors = fresh_dir("no-icd-abi");
  Child c = run("OCL_ICD_VENDORS='" + vendors + "'",
                "/proc/" + std::to_string(getpid()) + "/exe --gtest_also_run_disabled_tests "
                "--gtest_filter=OpenclNoPlatformChild.DISABLED_DeviceCountIsUnavailable");
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("[  PASSED  ] 1 test")) << c.output;
  fs::remove_all(vendors);
}

// Run only by the test above, in a process whose ICD loader sees no vendor.
TEST(OpenclNoPlatformChild, DISABLED_DeviceCountIsUnavailable) {
  ASSERT_NE(std::getenv("OCL_ICD_VENDORS"), nullptr) << "run by OpenclNoPlatform.ThePluginLoadsAndReportsUnavailable";
  Plugin plugin(opencl_path());
  ASSERT_NE(plugin.api(), nullptr) << plugin.load_error();
  TG_ASSERT_OK(plugin.init_status());
  uint32_t count = 7;
  Status s = take(plugin.api()->device_count(plugin.plugin(), &count));
  EXPECT_EQ(s.code, TG_ERR_UNAVAILABLE) << s;
  EXPECT_EQ(count, 0u);
  EXPECT_THAT(s.message, HasSubstr("no OpenCL platform found"));
  EXPECT_THAT(s.message, HasSubstr("CL_PLATFORM_NOT_FOUND_KHR"));
}
