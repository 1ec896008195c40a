// One opened AMD GPU: its stream, buffers, copies, launches. Compiling is in hip_compile.cpp.
#include <cstdint>

#include "hip_error.hpp"
#include "hip_plugin.hpp"

namespace tg::hip {

using tg::sdk::Failure;

// Destructors must not throw: a failing hipFree/hipModuleUnload here has nobody to tell.
HipBuffer::~HipBuffer() {
  if (!ptr) return;
  (void)hipSetDevice(ordinal);
  (void)hipFree(ptr);  // waits for work still using it
}

HipKernel::~HipKernel() {
  if (!module) return;
  (void)hipSetDevice(ordinal);
  (void)hipModuleUnload(module);
}

HipDevice::HipDevice(const tg::sdk::Host& host, const DeviceEntry& entry, const std::string& runtime)
    : host_(host), entry_(entry), identity_(entry.gpu.arch + "|" + runtime), target_(target_for(entry.gpu)),
      cache_(tg::sdk::DiskCache::from_environment("hip", "TGHIPCO2", ".co")) {
  use();
  hip_check(hipStreamCreate(&stream_), "hipStreamCreate on " + entry_.name);  // in order: the ABI's ordering
  if (!cache_.enabled()) host_.log(TG_LOG_DEBUG, "hip: code object cache disabled: " + cache_.why_disabled());
}

HipDevice::~HipDevice() {
  (void)hipSetDevice(entry_.ordinal);
  (void)hipStreamSynchronize(stream_);  // the upload chunks must be idle before uploads_ frees them
  (void)hipStreamDestroy(stream_);
}

void HipDevice::use() const { hip_check(hipSetDevice(entry_.ordinal), "hipSetDevice(" + std::to_string(entry_.ordinal) + ")"); }

void HipDevice::caps(tg_device_caps& caps) {
  // float16 and bfloat16 are stored as 16-bit patterns and computed in float by the rendered
  // code; every AMD GPU has float64.
  caps.dtypes = (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1;
  caps.ops = (uint64_t{1} << TG_KIR_OP_COUNT_1_0) - 1;
  caps.fast_paths = TG_FAST_MATMUL;  // the renderer's tiled matmul
  caps.kir_features = TG_KIR_SCALAR_ARGS;  // (kernel arguments after the buffers, render.hpp)
  caps.max_alloc = entry_.memory;
}

std::unique_ptr<HipBuffer> HipDevice::alloc(uint64_t nbytes) {
  auto b = std::make_unique<HipBuffer>();
  b->ordinal = entry_.ordinal;
  if (nbytes == 0) return b;  // never read or written
  use();
  hip_check(hipMalloc(&b->ptr, nbytes), "hipMalloc of " + std::to_string(nbytes) + " bytes on " + entry_.name);
  return b;  // hipMalloc aligns to at least 256 bytes
}

void HipDevice::write(HipBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes) {
  use();
  uploads_.upload(stream_, static_cast<char*>(dst.ptr) + offset, src, nbytes);
}

void HipDevice::read(HipBuffer& src, uint64_t offset, void* dst, uint64_t nbytes) {
  use();
  hip_check(hipMemcpyAsync(dst, static_cast<const char*>(src.ptr) + offset, nbytes, hipMemcpyDeviceToHost, stream_),
            "hipMemcpyAsync of " + std::to_string(nbytes) + " bytes to the host");
  hip_check(hipStreamSynchronize(stream_), "hipStreamSynchronize after a read");
}

void HipDevice::copy(HipBuffer& dst, uint64_t dst_offset, HipBuffer& src, uint64_t src_offset, uint64_t nbytes) {
  use();
  hip_check(hipMemcpyAsync(static_cast<char*>(dst.ptr) + dst_offset, static_cast<const char*>(src.ptr) + src_offset,
                           nbytes, hipMemcpyDeviceToDevice, stream_),
            "hipMemcpyAsync of " + std::to_string(nbytes) + " bytes within the device");
}

void HipDevice::launch(HipKernel& k, const std::vector<tg::sdk::LaunchBuffer<HipBuffer>>& buffers,
                       const tg_kir_scalar* scalars) {
  for (uint32_t d = 0; d < k.launch.dims; ++d)
    if (k.launch.global[d] == 0) return;  // an empty output: nothing to compute
  // HIP dialect: one pointer per param, already offset (no offset arguments), then the scratch
  // buffer of a two-pass kernel.
  std::vector<void*> pointers(buffers.size()), args;
  for (size_t q = 0; q < buffers.size(); ++q) pointers[q] = static_cast<char*>(buffers[q].buffer->ptr) + buffers[q].offset;
  if (k.scratch) pointers.push_back(k.scratch->ptr);
  for (void*& p : pointers) args.push_back(&p);
  // Then the scalar args, each in the type the renderer declared for its dtype (render.hpp).
  std::vector<double> doubles(k.scalar_dtypes.size());
  std::vector<float> floats(k.scalar_dtypes.size());
  std::vector<int64_t> ints(k.scalar_dtypes.size());
  for (size_t j = 0; j < k.scalar_dtypes.size(); ++j) {
    const uint32_t dt = k.scalar_dtypes[j];
    doubles[j] = scalars[j].fvalue;
    floats[j] = static_cast<float>(scalars[j].fvalue);
    ints[j] = scalars[j].ivalue;
    args.push_back(dt == TG_DTYPE_FLOAT64 ? static_cast<void*>(&doubles[j])
                   : tg::sdk::is_float_dtype(dt) ? static_cast<void*>(&floats[j]) : static_cast<void*>(&ints[j]));
  }
  auto run = [&](hipFunction_t function, const tg::render::Launch& l, const std::string& name) {
    unsigned grid[3] = {1, 1, 1}, block[3] = {1, 1, 1};
    for (uint32_t d = 0; d < l.dims; ++d) {
      // An AMD dispatch packet counts work-items per dimension in 32 bits.
      if (l.global[d] > UINT32_MAX)
        throw Failure(TG_ERR_UNSUPPORTED, "hip: kernel " + name + " needs " + std::to_string(l.global[d]) +
                                              " work-items in dimension " + std::to_string(d) +
                                              "; an AMD GPU dispatch allows at most 4294967295");
      block[d] = l.local[d];
      grid[d] = static_cast<unsigned>(l.global[d] / l.local[d]);
    }
    hip_check(hipModuleLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, stream_,
                                    args.empty() ? nullptr : args.data(), nullptr),
              "hipModuleLaunchKernel of " + name);
  };
  use();
  run(k.function, k.launch, k.entry);
  if (k.finish) run(k.finish, k.finish_launch, k.finish_entry);
}

void HipDevice::synchronize() {
  use();
  hip_check(hipStreamSynchronize(stream_), "hipStreamSynchronize");
}

}  // namespace tg::hip
