// Tensors as host memory for MPI: the device's own buffers where they are host memory, else a
// staging copy (host_memory.hpp).
#include "host_memory.hpp"

#include <cstring>

#include "graph/build.hpp"
#include "graph/node.hpp"
#include "runtime/runtime.hpp"
#include "schedule/schedule.hpp"
#include "tensor/impl.hpp"

namespace tg::dist::detail {

using tg::detail::Buffer;
using tg::detail::Device;
using tg::detail::NodePtr;

HostSources::HostSources(const std::vector<Tensor>& tensors) : tensors_(tensors) {
  std::vector<NodePtr> nodes;
  nodes.reserve(tensors.size());
  for (const Tensor& t : tensors) nodes.push_back(tg::detail::node_of(t));
  tg::detail::realize(nodes);
  staging_.resize(nodes.size());
  std::vector<std::shared_ptr<Device>> synced;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodePtr& n = nodes[i];
    nbytes_.push_back(n->nbytes());
    // A realized node's buffer holds exactly its elements, row-major, from offset 0.
    if (void* p = n->nbytes() ? n->device->host_pointer(*n->buffer) : nullptr) {
      bool seen = false;
      for (auto& d : synced) seen = seen || d == n->device;
      if (!seen) {  // kernels may still be running: read only after the device has finished
        n->device->synchronize();
        synced.push_back(n->device);
      }
      data_.push_back(p);
    } else {
      staging_[i].resize(static_cast<size_t>(n->nbytes()));
      if (n->nbytes()) n->device->read(*n->buffer, staging_[i].data(), n->nbytes());
      data_.push_back(staging_[i].data());
    }
  }
}

void HostSources::copy_to(size_t i, void* dst) const {
  if (nbytes_[i]) std::memcpy(dst, data_[i], static_cast<size_t>(nbytes_[i]));
}

HostResult::HostResult(const Shape& shape, DType dtype, const std::string& device)
    : shape_(shape), dtype_(dtype), device_(tg::detail::get_device(device)) {
  nbytes_ = static_cast<uint64_t>(shape.numel() * dtype_size(dtype));
  buffer_ = device_->alloc(nbytes_);
  data_ = nbytes_ ? device_->host_pointer(*buffer_) : nullptr;
  // A buffer from the device's cache may still be read or written by queued kernels: MPI
  // writes it only after they finished.
  if (data_) device_->synchronize();
  if (!data_) {
    buffer_.reset();
    staging_.resize(static_cast<size_t>(nbytes_));
    data_ = staging_.data();
  }
}

Tensor HostResult::tensor() {
  if (!buffer_) return Tensor(tg::detail::buffer_node(staging_.data(), shape_.dims(), dtype_, device_));
  tg::detail::Node n;
  n.op = tg::detail::Op::BUFFER;
  n.dtype = dtype_;
  n.shape = shape_.dims();
  n.device = device_;
  n.buffer = std::move(buffer_);
  return Tensor(tg::detail::intern(std::move(n)));
}

bool zero_copy(const std::string& device) {
  auto dev = tg::detail::get_device(device);
  auto probe = dev->alloc(64);
  return dev->host_pointer(*probe) != nullptr;
}

}  // namespace tg::dist::detail
