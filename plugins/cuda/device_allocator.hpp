#pragma once
// A caching device allocator: cuMemAlloc and cuMemFree synchronize the whole device and cost
// tens of microseconds, and a training step frees and allocates the same sizes every step. So a
// freed block goes to a free list by its rounded size and the next request of that size takes it
// back. Reuse is safe without events because every use of a block (kernels, copies) is queued on
// the device's one in-order stream: work queued after the reuse runs after work queued before
// the free.
//
// When the driver runs out of memory, the allocator waits for the stream, returns every cached
// block to the driver and tries once more; if that fails too, the error says how much was asked
// and how much the device has free:
//   cuda: out of memory on <device>: requested N bytes, M free of T bytes on the device (...)
//
// The driver is reached through Backend, so the policy is tested without a GPU
// (tests/test_cuda_allocator.cpp).
#include <cuda.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace tg::cuda {

class CachingAllocator {
 public:
  struct Backend {
    std::function<CUresult(CUdeviceptr* out, uint64_t nbytes)> allocate;  // cuMemAlloc
    std::function<void(CUdeviceptr)> free;                                 // cuMemFree
    std::function<void()> wait_idle;  // waits for the device's stream (cuStreamSynchronize)
    std::function<bool(uint64_t* free, uint64_t* total)> mem_info;         // cuMemGetInfo
    std::function<std::string(CUresult)> error_text;                       // cu_error_text
  };

  // Sizes below this are rounded up to kSmallGranule, others to kLargeGranule.
  static constexpr uint64_t kSmallLimit = uint64_t{1} << 20;
  static constexpr uint64_t kSmallGranule = 512;
  static constexpr uint64_t kLargeGranule = uint64_t{2} << 20;
  static uint64_t rounded(uint64_t nbytes);

  CachingAllocator(Backend backend, std::string device_name);
  ~CachingAllocator();  // returns every cached block to the driver
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least nbytes (> 0), 256-byte aligned. Throws tg::sdk::Failure:
  // TG_ERR_OUT_OF_MEMORY with the message above, or the driver's error.
  CUdeviceptr allocate(uint64_t nbytes);
  // Gives back a block allocate(nbytes) returned; it is cached, not freed.
  void release(CUdeviceptr block, uint64_t nbytes);
  // Waits for the stream and returns every cached block to the driver.
  void empty_cache();

  uint64_t cached_bytes() const { return cached_bytes_; }
  uint64_t in_use_bytes() const { return in_use_bytes_; }

 private:
  Backend backend_;
  std::string device_name_;
  std::multimap<uint64_t, CUdeviceptr> free_;  // by rounded size
  uint64_t cached_bytes_ = 0;
  uint64_t in_use_bytes_ = 0;
};

}  // namespace tg::cuda
