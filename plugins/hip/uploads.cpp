#include "uploads.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "hip_error.hpp"

namespace tg::hip {

Uploads::~Uploads() { release_all(); }

void Uploads::release_all() {
  for (Chunk& c : chunks_) {
    (void)hipEventDestroy(c.done);
    (void)hipHostFree(c.host);
  }
  chunks_.clear();
  pinned_ = 0;
}

Uploads::Chunk& Uploads::idle_chunk(hipStream_t stream, uint64_t nbytes) {
  for (Chunk& c : chunks_) {
    if (c.size < nbytes) continue;
    const hipError_t state = hipEventQuery(c.done);
    if (state == hipSuccess) return c;
    if (state != hipErrorNotReady) hip_fail(state, "hipEventQuery of an upload chunk");
  }
  const uint64_t size = std::max(nbytes, kMinChunk);
  if (pinned_ + size > kMaxPinned) {
    // Every chunk is busy and no more may be pinned: wait for the queue, then start over.
    hip_check(hipStreamSynchronize(stream), "hipStreamSynchronize (waiting for upload chunks)");
    release_all();
  }
  Chunk c{nullptr, size, nullptr};
  hip_check(hipHostMalloc(reinterpret_cast<void**>(&c.host), size, hipHostMallocDefault),
            "hipHostMalloc of " + std::to_string(size) + " pinned bytes");
  const hipError_t e = hipEventCreateWithFlags(&c.done, hipEventDisableTiming);
  if (e != hipSuccess) {
    (void)hipHostFree(c.host);
    hip_fail(e, "hipEventCreateWithFlags");
  }
  chunks_.push_back(c);
  pinned_ += size;
  return chunks_.back();
}

void Uploads::upload(hipStream_t stream, void* dst, const void* src, uint64_t nbytes) {
  if (nbytes > kMaxPinned) {
    hip_check(hipMemcpyAsync(dst, src, nbytes, hipMemcpyHostToDevice, stream),
              "hipMemcpyAsync of " + std::to_string(nbytes) + " bytes to the device");
    hip_check(hipStreamSynchronize(stream), "hipStreamSynchronize after a " + std::to_string(nbytes) + "-byte upload");
    return;
  }
  Chunk& c = idle_chunk(stream, nbytes);
  std::memcpy(c.host, src, nbytes);
  hip_check(hipMemcpyAsync(dst, c.host, nbytes, hipMemcpyHostToDevice, stream),
            "hipMemcpyAsync of " + std::to_string(nbytes) + " bytes to the device");
  hip_check(hipEventRecord(c.done, stream), "hipEventRecord after an upload");
}

}  // namespace tg::hip
