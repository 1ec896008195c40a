// libtg-cuda.so through the C ABI only (no libtg): its table, and device_count without a usable
// GPU. And the caching allocator's policy (plugins/cuda/device_allocator.hpp) against a scripted
// driver: reuse by size, release-and-retry on out of memory, and the error that follows.
// TG_CUDA_PLUGIN overrides the built plugin's path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "device_allocator.hpp"
#include "plugin_test_host.hpp"

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {
std::string cuda_plugin() { return plugintest::plugin_path("TG_CUDA_PLUGIN", TG_CUDA_PLUGIN_PATH); }

bool driver_has_gpu() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return false;
  auto init = reinterpret_cast<int (*)(unsigned)>(dlsym(h, "cuInit"));
  auto count = reinterpret_cast<int (*)(int*)>(dlsym(h, "cuDeviceGetCount"));
  int n = 0;
  return init && count && init(0) == 0 && count(&n) == 0 && n > 0;
}
}  // namespace

TEST(CudaPluginAbi, TableNamesTheCudaPlugin) {
  plugintest::Plugin p(cuda_plugin());
  ASSERT_TRUE(p.load_error().empty()) << p.load_error();
  ASSERT_NE(p.api(), nullptr);
  EXPECT_STREQ(p.api()->name, "cuda");
  EXPECT_EQ(p.api()->abi_major, uint32_t{TG_ABI_MAJOR});
  EXPECT_EQ(p.api()->priority, 100);  // above onednn (50)
  EXPECT_THAT(p.api()->version, HasSubstr("built with CUDA "));
  EXPECT_EQ(p.get_api()(TG_ABI_MAJOR + 1, 0), nullptr);
  // No probe: the core must ask device_count, so the reason reaches `tg devices`.
  EXPECT_EQ(dlsym(p.handle(), "tg_plugin_probe"), nullptr);
  EXPECT_TRUE(p.init_status().ok()) << p.init_status();
}

TEST(CudaPluginAbi, NoGpuIsUnavailableWithTheReason) {
  if (driver_has_gpu()) GTEST_SKIP() << "this machine has an NVIDIA GPU: gpu-check.sh runs the device";
  plugintest::Plugin p(cuda_plugin());
  ASSERT_TRUE(p.load_error().empty()) << p.load_error();
  ASSERT_TRUE(p.init_status().ok()) << p.init_status();
  uint32_t count = 99;
  const plugintest::Status s = plugintest::take(p.api()->device_count(p.plugin(), &count));
  EXPECT_EQ(s.code, TG_ERR_UNAVAILABLE) << s;
  EXPECT_EQ(count, 0u);
  EXPECT_THAT(s.message, StartsWith("cuda: "));
  // Opening a device that is not there says the same, not something vaguer.
  tg_device* dev = nullptr;
  const plugintest::Status open = plugintest::take(p.api()->device_open(p.plugin(), 0, &dev));
  EXPECT_EQ(open.code, TG_ERR_UNAVAILABLE) << open;
  EXPECT_EQ(open.message, s.message);
  EXPECT_EQ(dev, nullptr);
}

// ---- the caching allocator, against a scripted driver ----

namespace {

// A device of `capacity` bytes: cuMemAlloc fails with CUDA_ERROR_OUT_OF_MEMORY beyond it.
struct ScriptedDriver {
  uint64_t capacity = 0;
  uint64_t used = 0;
  CUdeviceptr next = 0x100000;
  std::map<CUdeviceptr, uint64_t> live;
  int allocs = 0, frees = 0, waits = 0;

  tg::cuda::CachingAllocator::Backend backend() {
    tg::cuda::CachingAllocator::Backend b;
    b.allocate = [this](CUdeviceptr* out, uint64_t n) {
      if (used + n > capacity) return CUDA_ERROR_OUT_OF_MEMORY;
      ++allocs;
      used += n;
      *out = next;
      live[next] = n;
      next += n;
      return CUDA_SUCCESS;
    };
    b.free = [this](CUdeviceptr p) {
      ++frees;
      used -= live.at(p);
      live.erase(p);
    };
    b.wait_idle = [this] { ++waits; };
    b.mem_info = [this](uint64_t* free_bytes, uint64_t* total) {
      *free_bytes = capacity - used;
      *total = capacity;
      return true;
    };
    b.error_text = [](CUresult r) { return "CUDA error " + std::to_string(static_cast<int>(r)); };
    return b;
  }
};

}  // namespace

TEST(CudaCachingAllocator, RoundsToGranules) {
  using A = tg::cuda::CachingAllocator;
  EXPECT_EQ(A::rounded(1), 512u);
  EXPECT_EQ(A::rounded(512), 512u);
  EXPECT_EQ(A::rounded(513), 1024u);
  EXPECT_EQ(A::rounded((1u << 20) - 1), 1u << 20);
  EXPECT_EQ(A::rounded((1u << 20) + 1), 2u << 20);
  EXPECT_EQ(A::rounded((3u << 20)), 4u << 20);
}

TEST(CudaCachingAllocator, AFreedBlockIsReusedForTheSameSize) {
  ScriptedDriver drv;
  drv.capacity = 1 << 24;
  tg::cuda::CachingAllocator a(drv.backend(), "scripted GPU");
  const CUdeviceptr p = a.allocate(1000);
  a.release(p, 1000);
  EXPECT_EQ(a.cached_bytes(), 1024u);
  EXPECT_EQ(a.allocate(1020), p);  // same granule: the cached block, no driver call
  EXPECT_EQ(drv.allocs, 1);
  EXPECT_EQ(a.cached_bytes(), 0u);
  const CUdeviceptr q = a.allocate(4000);  // another size: a new block
  EXPECT_NE(q, p);
  EXPECT_EQ(drv.allocs, 2);
  EXPECT_EQ(a.in_use_bytes(), 1024u + 4096u);
}

TEST(CudaCachingAllocator, OutOfMemoryReleasesTheCacheAndRetries) {
  ScriptedDriver drv;
  drv.capacity = 8 << 20;
  tg::cuda::CachingAllocator a(drv.backend(), "scripted GPU");
  const CUdeviceptr p = a.allocate(6 << 20);  // 6 MiB held in the cache after release
  a.release(p, 6 << 20);
  const CUdeviceptr q = a.allocate(4 << 20);  // fits only once the cached 6 MiB go back
  EXPECT_NE(q, 0u);
  EXPECT_EQ(drv.waits, 1);  // the stream was waited for before the cached block was freed
  EXPECT_EQ(drv.frees, 1);
  EXPECT_EQ(a.cached_bytes(), 0u);
}

TEST(CudaCachingAllocator, OutOfMemoryAfterTheRetrySaysWhatWasAskedAndWhatIsFree) {
  ScriptedDriver drv;
  drv.capacity = 8 << 20;
  tg::cuda::CachingAllocator a(drv.backend(), "scripted GPU (sm_90, 1 SMs)");
  const CUdeviceptr held = a.allocate(2 << 20);  // in use: stays
  const CUdeviceptr cached = a.allocate(1000);
  a.release(cached, 1000);
  try {
    a.allocate(7 << 20);
    FAIL() << "7 MiB fit on an 8 MiB device with 2 MiB in use";
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_OUT_OF_MEMORY);
    EXPECT_THAT(f.what(), StartsWith("cuda: out of memory on scripted GPU (sm_90, 1 SMs): requested 7340032 bytes, "
                                     "6291456 free of 8388608 bytes on the device"));
    EXPECT_THAT(f.what(), HasSubstr("the caching allocator released 1024 cached bytes and retried"));
    EXPECT_THAT(f.what(), HasSubstr("tg's buffers hold 2097152 bytes"));
  }
  EXPECT_EQ(drv.frees, 1);  // the cached block went back; the one in use did not
  EXPECT_EQ(drv.live.count(held), 1u);
  // The allocator still works after the failure.
  a.release(held, 2 << 20);
  EXPECT_EQ(a.allocate(2 << 20), held);
}

TEST(CudaCachingAllocator, OtherDriverErrorsAreReportedAsThemselves) {
  ScriptedDriver drv;
  tg::cuda::CachingAllocator::Backend b = drv.backend();
  b.allocate = [](CUdeviceptr*, uint64_t) { return CUDA_ERROR_ILLEGAL_ADDRESS; };
  tg::cuda::CachingAllocator a(b, "scripted GPU");
  try {
    a.allocate(100);
    FAIL();
  } catch (const tg::sdk::Failure& f) {
    EXPECT_EQ(f.code(), TG_ERR_DEVICE_LOST);
    EXPECT_THAT(f.what(), HasSubstr("cuda: cuMemAlloc of 512 bytes on scripted GPU failed: CUDA error 700"));
  }
}
