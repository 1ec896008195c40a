// One opened NVIDIA GPU: its context and stream, buffers, copies, launches. Compiling is in
// cuda_compile.cpp.
#include <algorithm>
#include <cstdint>

#include "cuda_error.hpp"
#include "cuda_plugin.hpp"

namespace tg::cuda {

using tg::sdk::Failure;

DeviceState::DeviceState(const Driver& driver, const DeviceEntry& e) : d(driver), entry(e) {
  cu_check(d, d.cuDevicePrimaryCtxRetain(&context, entry.device), "cuDevicePrimaryCtxRetain on " + entry.name);
  const CUresult set = d.cuCtxSetCurrent(context);
  // In order: the ABI's ordering. Non-blocking: no implicit waits on the legacy default stream
  // that other code in the process (PyTorch) may use.
  const CUresult made = set == CUDA_SUCCESS ? d.cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING) : set;
  if (made != CUDA_SUCCESS) {
    (void)d.cuDevicePrimaryCtxRelease(entry.device);
    cu_fail(d, made, "cuStreamCreate on " + entry.name);
  }
  CachingAllocator::Backend b;
  b.allocate = [this](CUdeviceptr* out, uint64_t n) {
    use();
    return d.cuMemAlloc(out, n);
  };
  b.free = [this](CUdeviceptr p) { (void)d.cuMemFree(p); };  // destructors and cache releases: nobody to tell
  b.wait_idle = [this] { cu_check(d, d.cuStreamSynchronize(stream), "cuStreamSynchronize before releasing cached memory"); };
  b.mem_info = [this](uint64_t* free_bytes, uint64_t* total) {
    size_t f = 0, t = 0;
    if (d.cuMemGetInfo(&f, &t) != CUDA_SUCCESS) return false;
    *free_bytes = f;
    *total = t;
    return true;
  };
  b.error_text = [this](CUresult r) { return cu_error_text(d, r); };
  allocator.emplace(std::move(b), entry.name);
  uploads.emplace(d);
}

// Destructors must not throw: failures here have nobody to tell.
DeviceState::~DeviceState() {
  if (d.cuCtxSetCurrent(context) == CUDA_SUCCESS) {
    (void)d.cuStreamSynchronize(stream);  // pinned chunks and cached blocks must be idle
    uploads.reset();
    allocator.reset();
    (void)d.cuStreamDestroy(stream);
  }
  (void)d.cuDevicePrimaryCtxRelease(entry.device);
}

void DeviceState::use() const { cu_check(d, d.cuCtxSetCurrent(context), "cuCtxSetCurrent on " + entry.name); }

CudaBuffer::~CudaBuffer() {
  if (ptr) state->allocator->release(ptr, nbytes);
}

CudaKernel::~CudaKernel() {
  scratch.reset();
  if (!module) return;
  if (state->d.cuCtxSetCurrent(state->context) == CUDA_SUCCESS) (void)state->d.cuModuleUnload(module);
}

CudaDevice::CudaDevice(const tg::sdk::Host& host, const Driver& driver, const Nvrtc& rtc, const DeviceEntry& entry,
                       const std::string& identity)
    : host_(host), d_(driver), rtc_(rtc), state_(std::make_shared<DeviceState>(driver, entry)),
      identity_(arch_name(entry.gpu.sm) + "|" + identity), target_(target_for(entry.gpu)),
      cache_(tg::sdk::DiskCache::from_environment("cuda", "TGCUBIN1", ".cubin")) {
  if (!cache_.enabled()) host_.log(TG_LOG_DEBUG, "cuda: kernel cache disabled: " + cache_.why_disabled());
}

CudaDevice::~CudaDevice() = default;  // state_ goes with the last buffer or kernel that holds it

void CudaDevice::caps(tg_device_caps& caps) {
  // float16 and bfloat16 are stored as 16-bit patterns and computed in float by the rendered
  // code; every NVIDIA GPU has float64.
  caps.dtypes = (uint64_t{1} << TG_DTYPE_COUNT_1_0) - 1;
  caps.ops = (uint64_t{1} << TG_KIR_OP_COUNT_1_0) - 1;
  caps.fast_paths = TG_FAST_MATMUL;        // the renderer's tiled shared-memory matmul
  caps.kir_features = TG_KIR_SCALAR_ARGS;  // (kernel arguments after the buffers, render.hpp)
  caps.max_alloc = state_->entry.memory;
}

std::unique_ptr<CudaBuffer> CudaDevice::alloc(uint64_t nbytes) {
  auto b = std::make_unique<CudaBuffer>();
  b->state = state_;
  if (nbytes == 0) return b;  // never read or written
  state_->use();
  b->ptr = state_->allocator->allocate(nbytes);  // 512-byte granules: aligned for every dtype
  b->nbytes = nbytes;
  return b;
}

void CudaDevice::write(CudaBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes) {
  state_->use();
  state_->uploads->upload(state_->stream, dst.ptr + offset, src, nbytes);
}

void CudaDevice::check_wait(CUresult r, const std::string& what) {
  if (r == CUDA_SUCCESS) {
    unwaited_ = 0;
    first_unwaited_.clear();
    last_unwaited_.clear();
    return;
  }
  std::string msg = "cuda: " + what + " failed: " + cu_error_text(d_, r);
  if (unwaited_ > 0) {
    msg += "; kernels run asynchronously, so the fault may be in any of the " + std::to_string(unwaited_) +
           " launched since the stream was last waited for (";
    msg += unwaited_ == 1 ? last_unwaited_ : "from " + first_unwaited_ + " to " + last_unwaited_;
    msg += "); run with CUDA_LAUNCH_BLOCKING=1 to have the faulting launch name its kernel";
  }
  unwaited_ = 0;
  throw Failure(tg_code_of(r), msg);
}

void CudaDevice::read(CudaBuffer& src, uint64_t offset, void* dst, uint64_t nbytes) {
  state_->use();
  const CUresult r = d_.cuMemcpyDtoHAsync(dst, src.ptr + offset, nbytes, state_->stream);
  if (r != CUDA_SUCCESS) check_wait(r, "cuMemcpyDtoHAsync of " + std::to_string(nbytes) + " bytes to the host");
  check_wait(d_.cuStreamSynchronize(state_->stream), "cuStreamSynchronize after a read");
}

void CudaDevice::copy(CudaBuffer& dst, uint64_t dst_offset, CudaBuffer& src, uint64_t src_offset, uint64_t nbytes) {
  state_->use();
  cu_check(d_, d_.cuMemcpyDtoDAsync(dst.ptr + dst_offset, src.ptr + src_offset, nbytes, state_->stream),
           "cuMemcpyDtoDAsync of " + std::to_string(nbytes) + " bytes within the device");
}

void CudaDevice::launch(CudaKernel& k, const std::vector<tg::sdk::LaunchBuffer<CudaBuffer>>& buffers,
                        const tg_kir_scalar* scalars) {
  for (uint32_t dim = 0; dim < k.launch.dims; ++dim)
    if (k.launch.global[dim] == 0) return;  // an empty output: nothing to compute
  // One value per kernel argument, kept alive until cuLaunchKernel has read them: pointers
  // already offset (the CUDA dialect takes no offset arguments), the scratch buffer of a two-pass
  // kernel, then the scalar args in the types the renderer declared (launch_arg_kinds).
  const std::vector<ArgKind> kinds = launch_arg_kinds(buffers.size(), k.scratch != nullptr, k.scalar_dtypes);
  std::vector<CUdeviceptr> pointers;
  std::vector<double> doubles;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  pointers.reserve(kinds.size());  // no reallocation: args point into these vectors
  doubles.reserve(kinds.size());
  floats.reserve(kinds.size());
  ints.reserve(kinds.size());
  std::vector<void*> args;
  for (size_t a = 0, scalar = 0; a < kinds.size(); ++a) {
    switch (kinds[a]) {
      case ArgKind::pointer:
        pointers.push_back(a < buffers.size() ? buffers[a].buffer->ptr + buffers[a].offset : k.scratch->ptr);
        args.push_back(&pointers.back());
        break;
      case ArgKind::f64:
        doubles.push_back(scalars[scalar++].fvalue);
        args.push_back(&doubles.back());
        break;
      case ArgKind::f32:
        floats.push_back(static_cast<float>(scalars[scalar++].fvalue));
        args.push_back(&floats.back());
        break;
      case ArgKind::i64:
        ints.push_back(scalars[scalar++].ivalue);
        args.push_back(&ints.back());
        break;
    }
  }
  auto run = [&](CUfunction function, const tg::render::Launch& l, const std::string& name) {
    unsigned grid[3], block[3];
    grid_of(l, name, grid, block);
    const CUresult r = d_.cuLaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0,
                                         state_->stream, args.empty() ? nullptr : args.data(), nullptr);
    if (r != CUDA_SUCCESS)
      cu_fail(d_, r, "cuLaunchKernel of kernel " + name + " (grid " + std::to_string(grid[0]) + "x" +
                         std::to_string(grid[1]) + "x" + std::to_string(grid[2]) + ", block " + std::to_string(block[0]) +
                         "x" + std::to_string(block[1]) + "x" + std::to_string(block[2]) + ")");
    if (unwaited_++ == 0) first_unwaited_ = name;
    last_unwaited_ = name;
  };
  state_->use();
  run(k.function, k.launch, k.entry);
  if (k.finish) run(k.finish, k.finish_launch, k.finish_entry);
}

void CudaDevice::synchronize() {
  state_->use();
  check_wait(d_.cuStreamSynchronize(state_->stream), "cuStreamSynchronize");
}

}  // namespace tg::cuda
