#include "device_allocator.hpp"

#include <utility>

#include "cuda_error.hpp"

namespace tg::cuda {

using tg::sdk::Failure;

uint64_t CachingAllocator::rounded(uint64_t nbytes) {
  const uint64_t g = nbytes < kSmallLimit ? kSmallGranule : kLargeGranule;
  if (nbytes > UINT64_MAX - g) return nbytes;  // cannot be rounded; the driver refuses it anyway
  return (nbytes + g - 1) / g * g;
}

CachingAllocator::CachingAllocator(Backend backend, std::string device_name)
    : backend_(std::move(backend)), device_name_(std::move(device_name)) {}

CachingAllocator::~CachingAllocator() {
  for (auto& [size, block] : free_) backend_.free(block);
}

void CachingAllocator::empty_cache() {
  if (free_.empty()) return;
  backend_.wait_idle();
  for (auto& [size, block] : free_) backend_.free(block);
  free_.clear();
  cached_bytes_ = 0;
}

CUdeviceptr CachingAllocator::allocate(uint64_t nbytes) {
  const uint64_t size = rounded(nbytes);
  if (auto it = free_.find(size); it != free_.end()) {
    const CUdeviceptr block = it->second;
    free_.erase(it);
    cached_bytes_ -= size;
    in_use_bytes_ += size;
    return block;
  }
  CUdeviceptr block = 0;
  CUresult r = backend_.allocate(&block, size);
  uint64_t released = 0;
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    // Blocks this allocator keeps for reuse are memory the driver could hand out: give them
    // back and ask again.
    released = cached_bytes_;
    empty_cache();
    r = backend_.allocate(&block, size);
  }
  if (r == CUDA_ERROR_OUT_OF_MEMORY) {
    uint64_t free_bytes = 0, total = 0;
    const bool known = backend_.mem_info(&free_bytes, &total);
    throw Failure(TG_ERR_OUT_OF_MEMORY,
                  "cuda: out of memory on " + device_name_ + ": requested " + std::to_string(nbytes) + " bytes, " +
                      (known ? std::to_string(free_bytes) + " free of " + std::to_string(total) + " bytes on the device"
                             : std::string("free memory unknown")) +
                      " (tg's buffers hold " + std::to_string(in_use_bytes_) + " bytes; the caching allocator released " +
                      std::to_string(released) + " cached bytes and retried). Free tensors you no longer need, or use "
                      "smaller batches");
  }
  if (r != CUDA_SUCCESS)
    throw Failure(tg_code_of(r), "cuda: cuMemAlloc of " + std::to_string(size) + " bytes on " + device_name_ +
                                     " failed: " + backend_.error_text(r));
  in_use_bytes_ += size;
  return block;
}

void CachingAllocator::release(CUdeviceptr block, uint64_t nbytes) {
  const uint64_t size = rounded(nbytes);
  in_use_bytes_ -= size;
  cached_bytes_ += size;
  free_.emplace(size, block);
}

}  // namespace tg::cuda
