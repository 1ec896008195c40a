#include "uploads.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "cuda_error.hpp"

namespace tg::cuda {

Uploads::~Uploads() { release_all(); }

void Uploads::release_all() {
  for (Chunk& c : chunks_) {
    (void)d_.cuEventDestroy(c.done);
    (void)d_.cuMemFreeHost(c.host);
  }
  chunks_.clear();
  pinned_ = 0;
}

Uploads::Chunk& Uploads::idle_chunk(CUstream stream, uint64_t nbytes) {
  for (Chunk& c : chunks_) {
    if (c.size < nbytes) continue;
    const CUresult state = d_.cuEventQuery(c.done);
    if (state == CUDA_SUCCESS) return c;
    if (state != CUDA_ERROR_NOT_READY) cu_fail(d_, state, "cuEventQuery of an upload chunk");
  }
  const uint64_t size = std::max(nbytes, kMinChunk);
  if (pinned_ + size > kMaxPinned) {
    // Every chunk is busy and no more may be pinned: wait for the queue, then start over.
    cu_check(d_, d_.cuStreamSynchronize(stream), "cuStreamSynchronize (waiting for upload chunks)");
    release_all();
  }
  Chunk c{nullptr, size, nullptr};
  cu_check(d_, d_.cuMemHostAlloc(reinterpret_cast<void**>(&c.host), size, 0),
           "cuMemHostAlloc of " + std::to_string(size) + " pinned bytes");
  const CUresult e = d_.cuEventCreate(&c.done, CU_EVENT_DISABLE_TIMING);
  if (e != CUDA_SUCCESS) {
    (void)d_.cuMemFreeHost(c.host);
    cu_fail(d_, e, "cuEventCreate");
  }
  chunks_.push_back(c);
  pinned_ += size;
  return chunks_.back();
}

void Uploads::upload(CUstream stream, CUdeviceptr dst, const void* src, uint64_t nbytes) {
  if (nbytes > kMaxPinned) {
    // From pageable memory the driver stages the copy itself; wait so src may be reused.
    cu_check(d_, d_.cuMemcpyHtoDAsync(dst, src, nbytes, stream),
             "cuMemcpyHtoDAsync of " + std::to_string(nbytes) + " bytes to the device");
    cu_check(d_, d_.cuStreamSynchronize(stream), "cuStreamSynchronize after a " + std::to_string(nbytes) + "-byte upload");
    return;
  }
  Chunk& c = idle_chunk(stream, nbytes);
  std::memcpy(c.host, src, nbytes);
  cu_check(d_, d_.cuMemcpyHtoDAsync(dst, c.host, nbytes, stream),
           "cuMemcpyHtoDAsync of " + std::to_string(nbytes) + " bytes to the device");
  cu_check(d_, d_.cuEventRecord(c.done, stream), "cuEventRecord after an upload");
}

}  // namespace tg::cuda
