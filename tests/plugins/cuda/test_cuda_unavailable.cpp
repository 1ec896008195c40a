// The cuda device as an application sees it when it cannot run, with each reason the plugin
// knows, checked through libtg, a fresh process with TG_DEVICE=cuda, and `tg devices`:
//   - no NVIDIA driver (this machine: libcuda.so.1 is not installed): the loader's own words;
//     on a machine with a GPU the same tests check that cuda is available instead;
//   - a driver that finds no GPU, one too old for nvrtc's code, one that finds 0 devices, a GPU
//     nvrtc cannot compile for: a
//     stand-in libcuda.so.1 (cuda_fake_driver.c) first on the child's LD_LIBRARY_PATH;
//   - no nvrtc: an LD_AUDIT module (cuda_hide_nvrtc.c) hides every libnvrtc.so* from the loader.
// Other plugins stay usable in every case.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <tg/tg.hpp>

using ::testing::AllOf;
using ::testing::ContainsRegex;
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

// What this process's loader says of libcuda.so.1, and whether the driver has a GPU to offer:
// the reference the plugin's answers are checked against.
struct DriverStatus {
  std::string load_error;  // "" when libcuda.so.1 loads
  bool has_gpu = false;
};

DriverStatus driver_status() {
  DriverStatus s;
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    s.load_error = e ? e : "dlopen failed";
    return s;
  }
  using Init = int (*)(unsigned);
  using Count = int (*)(int*);
  auto init = reinterpret_cast<Init>(dlsym(h, "cuInit"));
  auto count = reinterpret_cast<Count>(dlsym(h, "cuDeviceGetCount"));
  int n = 0;
  s.has_gpu = init && count && init(0) == 0 && count(&n) == 0 && n > 0;
  return s;  // the driver stays loaded, as it would in the plugin
}

const tg::DeviceInfo* find_cuda(const std::vector<tg::DeviceInfo>& all) {
  for (const tg::DeviceInfo& d : all)
    if (d.name == "cuda") return &d;
  return nullptr;
}

// A child's environment with the stand-in driver first on the library path, in one mode.
std::string with_fake_driver(const std::string& mode) {
  const char* old = std::getenv("LD_LIBRARY_PATH");
  return "env TG_FAKE_CUDA=" + mode + " LD_LIBRARY_PATH='" TG_CUDA_FAKE_DRIVER_DIR + (old && *old ? std::string(":") + old : "") + "' ";
}

}  // namespace

TEST(CudaUnavailable, DevicesListsCudaWithTheDriversReason) {
  const DriverStatus driver = driver_status();
  const std::vector<tg::DeviceInfo> all = tg::devices();
  const tg::DeviceInfo* d = find_cuda(all);
  ASSERT_NE(d, nullptr) << "libtg-cuda.so was not found in the plugin search path";
  EXPECT_THAT(d->plugin_file, HasSubstr("libtg-cuda.so"));
  if (driver.has_gpu) {
    EXPECT_TRUE(d->available) << d->reason;
    return;
  }
  EXPECT_FALSE(d->available);
  if (!driver.load_error.empty()) {
    EXPECT_THAT(d->reason, HasSubstr("cuda: no NVIDIA driver: " + driver.load_error));
  } else {
    EXPECT_THAT(d->reason, HasSubstr("cuda: "));
  }
}

TEST(CudaUnavailable, SetDefaultCudaFailsWithTheReason) {
  const DriverStatus driver = driver_status();
  if (driver.has_gpu) {
    EXPECT_NO_THROW(tg::Device::set_default("cuda"));
    return;
  }
  try {
    tg::Device::set_default("cuda");
    FAIL() << "set_default(\"cuda\") succeeded without a GPU";
  } catch (const tg::Error& e) {
    if (!driver.load_error.empty()) {
      EXPECT_THAT(e.what(), HasSubstr("cuda: no NVIDIA driver: " + driver.load_error));
    } else {
      EXPECT_THAT(e.what(), HasSubstr("cuda"));
    }
  }
}

TEST(CudaUnavailable, TgDeviceCudaFailsInAFreshProcess) {
  const DriverStatus driver = driver_status();
  const ChildRun r = run("env TG_DEVICE=cuda '" TG_ENV_PROBE "'");
  if (driver.has_gpu) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("OK cuda:0"));
    return;
  }
  EXPECT_EQ(r.exit_code, 3) << r.output;  // a tg::Error, not a result computed elsewhere
  EXPECT_THAT(r.output, AllOf(HasSubstr("TG_ERROR: "), HasSubstr("libtg-cuda.so"), Not(HasSubstr("OK "))));
  if (!driver.load_error.empty()) {
    EXPECT_THAT(r.output, HasSubstr("cuda: no NVIDIA driver: " + driver.load_error));
  }
}

TEST(CudaUnavailable, TgDevicesPrintsTheReason) {
  const DriverStatus driver = driver_status();
  const ChildRun r = run("env -u TG_DEVICE '" TG_TOOL "' devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  if (driver.has_gpu) {
    EXPECT_THAT(r.output, ContainsRegex("\ncuda +0 +yes +100 "));
    return;
  }
  EXPECT_THAT(r.output, ContainsRegex("\ncuda +0 +no +100 "));
  if (!driver.load_error.empty()) {
    EXPECT_THAT(r.output, HasSubstr("cuda:0: cuda: no NVIDIA driver: " + driver.load_error));
  }
  EXPECT_THAT(r.output, ContainsRegex("\nref +0 +yes "));
}

// A driver is installed but finds no GPU (a machine without one, a container started without it).
TEST(CudaFakeDriver, NoGpuNamesCuInitsError) {
  const ChildRun r = run(with_fake_driver("nodevice") + "'" TG_TOOL "' devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ContainsRegex("\ncuda +0 +no "));
  EXPECT_THAT(r.output, HasSubstr("cuda:0: cuda: no NVIDIA GPU available: cuInit returned CUDA_ERROR_NO_DEVICE "
                                  "(no CUDA-capable device is detected) (CUDA driver 13.0, nvrtc "));
  EXPECT_THAT(r.output, ContainsRegex("\nref +0 +yes "));
  const ChildRun probe = run(with_fake_driver("nodevice") + "TG_DEVICE=cuda '" TG_ENV_PROBE "'");
  EXPECT_EQ(probe.exit_code, 3) << probe.output;
  EXPECT_THAT(probe.output, AllOf(HasSubstr("TG_ERROR: "), HasSubstr("CUDA_ERROR_NO_DEVICE"), Not(HasSubstr("OK "))));
}

// The driver is older than the CUDA major version nvrtc compiles for: its cubins would not load.
TEST(CudaFakeDriver, AnOldDriverIsNamedTooOld) {
  const ChildRun r = run(with_fake_driver("old") + "'" TG_TOOL "' devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ContainsRegex("\ncuda +0 +no "));
  EXPECT_THAT(r.output, HasSubstr("cuda: the NVIDIA driver is too old: it supports CUDA 12.4, and nvrtc "));
  EXPECT_THAT(r.output, HasSubstr("update the driver"));
}

TEST(CudaFakeDriver, ZeroDevicesIsSaid) {
  const ChildRun r = run(with_fake_driver("zero") + "'" TG_TOOL "' devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cuda: no NVIDIA GPU available: cuDeviceGetCount found 0 devices (CUDA driver 13.0"));
}

// A GPU this nvrtc cannot compile for (CUDA 13 dropped sm_70): named, with what nvrtc supports.
TEST(CudaFakeDriver, AGpuNvrtcCannotCompileForIsNamed) {
  const ChildRun r = run(with_fake_driver("volta") + "'" TG_TOOL "' devices");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ContainsRegex("\ncuda +0 +no "));
  EXPECT_THAT(r.output, HasSubstr("cuda: no NVIDIA GPU this nvrtc can compile for (device 0, Tesla V100-SXM2-16GB "
                                  "(sm_70, 80 SMs): nvrtc 13."));
  EXPECT_THAT(r.output, ContainsRegex("compiles for sm_[0-9]+ to sm_[0-9]+ only"));
  EXPECT_THAT(r.output, HasSubstr("set TG_CUDA_NVRTC to the libnvrtc.so of a CUDA toolkit that supports it"));
  EXPECT_THAT(r.output, Not(HasSubstr("skipping")));  // no warning besides the reason
}

// AddressSanitizer cannot start in a process with an LD_AUDIT module (the module's mappings land
// where ASan's shadow memory must go), so a sanitizer build skips this one.
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_ASAN() GTEST_SKIP() << "LD_AUDIT and AddressSanitizer cannot share a process"
#else
#define SKIP_UNDER_ASAN() (void)0
#endif
// A driver but no nvrtc: the kernels could not be compiled, so the device is unavailable.
TEST(CudaMissingNvrtc, TgDevicesSaysNvrtcIsMissing) {
  SKIP_UNDER_ASAN();
  const ChildRun r =
      run(with_fake_driver("nodevice") + "LD_AUDIT='" TG_CUDA_HIDE_NVRTC "' '" TG_TOOL "' devices");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ContainsRegex("\ncuda +0 +no "));
  EXPECT_THAT(r.output, HasSubstr("cuda:0: cuda: nvrtc (the CUDA toolkit's run-time compiler) could not be loaded: "));
  EXPECT_THAT(r.output, HasSubstr("TG_CUDA_NVRTC"));
  EXPECT_THAT(r.output, ContainsRegex("\nref +0 +yes "));
}
