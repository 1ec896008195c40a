#pragma once
// Host -> device copies that return before the copy is done. The ABI lets the caller reuse its
// memory as soon as buffer_write returns, so the bytes are first copied into pinned host memory
// (cuMemHostAlloc) and the DMA from there is queued on the device's stream
// (cuMemcpyHtoDAsync); an event per chunk says when the chunk may be reused. At most kMaxPinned
// bytes stay pinned; a larger write is queued from the caller's memory and waited for (same
// result, no overlap). The same scheme as plugins/hip/uploads.hpp, on the driver API.
#include <cstdint>
#include <vector>

#include "cuda_api.hpp"

namespace tg::cuda {

class Uploads {
 public:
  static constexpr uint64_t kMaxPinned = uint64_t{64} << 20;
  static constexpr uint64_t kMinChunk = uint64_t{1} << 20;

  explicit Uploads(const Driver& driver) : d_(driver) {}
  // Frees the pinned chunks; the stream must be idle and the context current (the device
  // synchronizes first).
  ~Uploads();
  Uploads(const Uploads&) = delete;
  Uploads& operator=(const Uploads&) = delete;

  // Queues a copy of nbytes from host src to device dst on stream; src may be reused on return.
  void upload(CUstream stream, CUdeviceptr dst, const void* src, uint64_t nbytes);

 private:
  struct Chunk {
    char* host;
    uint64_t size;
    CUevent done;  // recorded after the last copy out of this chunk
  };
  Chunk& idle_chunk(CUstream stream, uint64_t nbytes);
  void release_all();

  const Driver& d_;
  std::vector<Chunk> chunks_;
  uint64_t pinned_ = 0;
};

}  // namespace tg::cuda
