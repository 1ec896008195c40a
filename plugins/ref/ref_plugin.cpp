#include "ref_plugin.hpp"

#include <unistd.h>

#include <cstring>


namespace tg::ref {

using tg::sdk::Failure;

namespace {

uint64_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

}  // namespace

// ---- buffers ------------------------------------------------------------------------------------

RefBuffer::RefBuffer(uint64_t nbytes)
    : data_(static_cast<std::byte*>(::operator new(nbytes ? nbytes : 1, std::align_val_t{kAlign}))) {
  std::memset(data_.get(), 0, nbytes);
}

// ---- the device ---------------------------------------------------------------------------------

void RefDevice::caps(tg_device_caps& caps) {
  caps.dtypes = (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1;  // every dtype of tg.kir 1.0
  caps.ops = (uint64_t{1} << TG_KIR_OP_COUNT_1_4) - 1;    // every op of tg.kir 1.4
  caps.fast_paths = 0;                                     // it runs every program as written
  caps.kir_features = TG_KIR_SCALAR_ARGS | TG_KIR_INDEXED;  // (it reads linear masks but keeps copying padding)
  caps.max_alloc = max_alloc_;
}

std::unique_ptr<RefBuffer> RefDevice::alloc(uint64_t nbytes) {
  if (nbytes > max_alloc_)
    throw Failure(TG_ERR_OUT_OF_MEMORY, "ref: cannot allocate " + std::to_string(nbytes) +
                                            " bytes: the largest buffer is " + std::to_string(max_alloc_) +
                                            " bytes (the machine's memory)");
  try {
    return std::make_unique<RefBuffer>(nbytes);
  } catch (const std::bad_alloc&) {
    throw Failure(TG_ERR_OUT_OF_MEMORY, "ref: out of host memory allocating " + std::to_string(nbytes) + " bytes");
  }
}

void RefDevice::write(RefBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes) {
  std::memcpy(dst.data() + offset, src, nbytes);
}

void RefDevice::read(RefBuffer& src, uint64_t offset, void* dst, uint64_t nbytes) {
  std::memcpy(dst, src.data() + offset, nbytes);
}

void RefDevice::copy(RefBuffer& dst, uint64_t dst_offset, RefBuffer& src, uint64_t src_offset, uint64_t nbytes) {
  std::memcpy(dst.data() + dst_offset, src.data() + src_offset, nbytes);
}

void RefDevice::sort_rows(const tg_sort_args& a, RefBuffer& keys, RefBuffer& indices) {
  tg::sdk::sort_rows_on_host(a, keys.data() + a.keys_offset, reinterpret_cast<int32_t*>(indices.data() + a.indices_offset));
}

std::unique_ptr<Kernel> RefDevice::compile(const tg_kir_program& program) {
  return std::make_unique<Kernel>(program);  // validates it first
}

void RefDevice::launch(Kernel& kernel, const std::vector<tg::sdk::LaunchBuffer<RefBuffer>>& buffers,
                       const tg_kir_scalar* scalars) {
  std::vector<std::byte*> base;
  base.reserve(buffers.size());
  for (const auto& b : buffers) base.push_back(b.buffer->data() + b.offset);
  kernel.run(base, scalars);
}

// ---- the plugin ---------------------------------------------------------------------------------

RefPlugin::RefPlugin(const tg_init_args& args) : host_(*args.host), memory_bytes_(physical_memory()) {
  if (args.options[0] != '\0')
    host_.log(TG_LOG_WARNING, std::string("ref: this plugin takes no options; ignoring \"") + args.options + "\"");
}

void RefPlugin::device_props(uint32_t, tg_device_props& props) {
  props.name = "tg reference interpreter (host memory, 1 thread)";
  props.kind = TG_DEVICE_CPU;
  props.memory_bytes = memory_bytes_;
}

std::unique_ptr<RefDevice> RefPlugin::open(uint32_t) {
  // Without a known memory size, stay below what sanitizers and the allocator accept (1 TiB).
  const uint64_t max_alloc = memory_bytes_ ? memory_bytes_ : uint64_t{1} << 40;
  return std::make_unique<RefDevice>(max_alloc);
}

}  // namespace tg::ref
