#include "template_plugin.hpp"

#include <cstring>
#include <new>
#include <string>

namespace tmpl {

using tg::sdk::Failure;

// The largest buffer this device hands out; larger requests are OUT_OF_MEMORY (naming the size).
constexpr uint64_t kMaxAlloc = uint64_t{1} << 34;

Buffer::Buffer(uint64_t nbytes) : bytes(nbytes + 64) {
  pad = (64 - reinterpret_cast<uintptr_t>(bytes.data()) % 64) % 64;
}

void Device::caps(tg_device_caps& caps) {
  caps.dtypes = (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1;  // every dtype of tg.kir 1.0
  caps.ops = (uint64_t{1} << TG_KIR_OP_COUNT_1_0) - 1;    // every op of tg.kir 1.0
  caps.fast_paths = 0;                                     // no TG_FAST_* pattern is accelerated
  caps.max_alloc = kMaxAlloc;
}

std::unique_ptr<Buffer> Device::alloc(uint64_t nbytes) {
  if (nbytes > kMaxAlloc)
    throw Failure(TG_ERR_OUT_OF_MEMORY, "template: cannot allocate " + std::to_string(nbytes) + " bytes (at most " +
                                            std::to_string(kMaxAlloc) + ")");
  return std::make_unique<Buffer>(nbytes);  // std::bad_alloc becomes OUT_OF_MEMORY in the helper
}

void Device::write(Buffer& dst, uint64_t offset, const void* src, uint64_t nbytes) {
  std::memcpy(dst.data() + offset, src, nbytes);
}

void Device::read(Buffer& src, uint64_t offset, void* dst, uint64_t nbytes) {
  std::memcpy(dst, src.data() + offset, nbytes);
}

void Device::copy(Buffer& dst, uint64_t dst_offset, Buffer& src, uint64_t src_offset, uint64_t nbytes) {
  std::memcpy(dst.data() + dst_offset, src.data() + src_offset, nbytes);
}

std::unique_ptr<Interpreter> Device::compile(const tg_kir_program& program) {
  return std::make_unique<Interpreter>(program);  // validates; throws UNSUPPORTED/INVALID_ARGUMENT
}

void Device::launch(Interpreter& program, const std::vector<tg::sdk::LaunchBuffer<Buffer>>& buffers) {
  std::vector<std::byte*> base;
  for (const auto& b : buffers) base.push_back(b.buffer->data() + b.offset);
  program.run(base);
}

Plugin::Plugin(const tg_init_args& args) : host_(*args.host) {
  host_.log(TG_LOG_DEBUG, std::string("template: initialized by tg ") + args.core_version);
}

void Plugin::device_props(uint32_t, tg_device_props& props) {
  props.name = "template device (host memory)";
  props.kind = TG_DEVICE_CPU;
  props.memory_bytes = 0;  // unknown
}

std::unique_ptr<Device> Plugin::open(uint32_t) { return std::make_unique<Device>(); }

}  // namespace tmpl
