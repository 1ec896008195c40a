#pragma once
// Tensors as host memory that MPI reads and writes. Uses the core's private graph and runtime
// (libtg-dist is built with libtg and ships with it).
//
// A device whose buffers are host memory (onednn, ref: tg_plugin_api.buffer_host_pointer) lets
// MPI read a realized tensor's buffer and write into a fresh device buffer directly: no copy.
// Any other device goes through host memory: one buffer_read before MPI, one buffer_write after.
#include <cstdint>
#include <memory>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::detail {
class Device;
struct Buffer;
}  // namespace tg::detail

namespace tg::dist::detail {

// Realizes the tensors together (one schedule) and makes each one's bytes readable on the host.
class HostSources {
 public:
  explicit HostSources(const std::vector<Tensor>& tensors);
  const void* data(size_t i) const { return data_[i]; }
  uint64_t nbytes(size_t i) const { return nbytes_[i]; }
  // Copies tensor i's bytes to dst (a memcpy on a host device, else a buffer_read).
  void copy_to(size_t i, void* dst) const;

 private:
  std::vector<Tensor> tensors_;
  std::vector<std::vector<uint8_t>> staging_;  // devices that are not host memory
  std::vector<const void*> data_;
  std::vector<uint64_t> nbytes_;
};

// Host memory for a result that becomes a realized tensor on a device: the device's own buffer
// when it is host memory, else a host array written to the device by tensor().
class HostResult {
 public:
  HostResult(const Shape& shape, DType dtype, const std::string& device);
  HostResult(HostResult&&) = default;  // (data() stays: a moved vector keeps its array)
  HostResult(const HostResult&) = delete;
  HostResult& operator=(const HostResult&) = delete;
  void* data() { return data_; }
  uint64_t nbytes() const { return nbytes_; }
  Tensor tensor();  // once, after MPI wrote data()

 private:
  Shape shape_;
  DType dtype_;
  std::shared_ptr<tg::detail::Device> device_;
  std::shared_ptr<tg::detail::Buffer> buffer_;  // host-visible device buffer, or null
  std::vector<uint8_t> staging_;
  void* data_ = nullptr;
  uint64_t nbytes_ = 0;
};

// Whether tensors on this device are read and written by MPI without a copy.
bool zero_copy(const std::string& device);

}  // namespace tg::dist::detail
