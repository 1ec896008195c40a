// program_compile: render tg.kir to CUDA C++, then a cubin from the disk cache, or nvrtc (stored
// in the cache for the next process), loaded with cuModuleLoadData.
#include <chrono>

#include "cuda_error.hpp"
#include "cuda_plugin.hpp"

namespace tg::cuda {

namespace {
// nvrtc hands out chars; the cache keeps bytes.
std::vector<unsigned char> bytes_of(const std::vector<char>& code) { return {code.begin(), code.end()}; }
}  // namespace

std::vector<unsigned char> CudaDevice::cubin(const tg::render::Kernel& k, const tg_kir_program& program,
                                             const std::string& key_text, bool* from_cache) {
  std::string corrupt;
  if (auto code = cache_.load(key_text, &corrupt)) {
    *from_cache = true;
    host_.log(TG_LOG_DEBUG, "cuda: " + k.entry + ": loaded from the kernel cache " + cache_.path_of(key_text));
    return *code;
  }
  if (!corrupt.empty())
    host_.log(TG_LOG_WARNING, "cuda: ignoring corrupt cache entry " + cache_.path_of(key_text) + ": " + corrupt + "; rebuilding it");
  *from_cache = false;
  const auto start = std::chrono::steady_clock::now();
  std::vector<unsigned char> code = bytes_of(compile_kernel(rtc_, k, state_->entry.gpu.sm, program));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const std::string stored = cache_.store(key_text, code);
  host_.log(TG_LOG_DEBUG, "cuda: " + k.entry + ": compiled with nvrtc for " + arch_name(state_->entry.gpu.sm) + " (" +
                              k.strategy + ") in " + std::to_string(ms) + " ms" +
                              (stored.empty() ? ", cached as " + cache_.path_of(key_text) : "; not cached: " + stored));
  return code;
}

std::unique_ptr<CudaKernel> CudaDevice::compile(const tg_kir_program& program) {
  const tg::render::Kernel k = tg::render::render(program, target_);
  auto out = std::make_unique<CudaKernel>();
  out->state = state_;
  out->entry = k.entry;
  out->launch = k.launch;
  out->scalar_dtypes = k.scalar_dtypes;

  unsigned grid[3], block[3];
  grid_of(k.launch, k.entry, grid, block);  // too large a grid: UNSUPPORTED now, not at launch
  if (!k.finish_entry.empty()) grid_of(k.finish_launch, k.finish_entry, grid, block);

  std::string key_text = "tg-cuda-1|" + identity_ + "|";
  for (const std::string& o : compile_options(state_->entry.gpu.sm)) key_text += o + " ";
  key_text += "|" + k.source;

  bool from_cache = false;
  std::vector<unsigned char> code = cubin(k, program, key_text, &from_cache);
  state_->use();
  CUresult err = d_.cuModuleLoadData(&out->module, code.data());
  if (err != CUDA_SUCCESS && from_cache) {
    // A cached cubin the driver will not load (a changed driver, a damaged file that kept its
    // checksum): compile again rather than fail.
    host_.log(TG_LOG_WARNING, "cuda: the driver rejected cached cubin " + cache_.path_of(key_text) + " (" +
                                  cu_error_text(d_, err) + "); compiling it again");
    code = bytes_of(compile_kernel(rtc_, k, state_->entry.gpu.sm, program));
    cache_.store(key_text, code);
    err = d_.cuModuleLoadData(&out->module, code.data());
  }
  if (err != CUDA_SUCCESS) {
    out->module = nullptr;
    cu_fail(d_, err, "cuModuleLoadData of kernel " + k.entry + " (compiled for " + arch_name(state_->entry.gpu.sm) + ")");
  }
  // The kernel carries __launch_bounds__ of its block size, so the compiler made it fit: no
  // per-kernel block limit to check here.
  cu_check(d_, d_.cuModuleGetFunction(&out->function, out->module, k.entry.c_str()), "cuModuleGetFunction " + k.entry);
  if (!k.finish_entry.empty()) {
    cu_check(d_, d_.cuModuleGetFunction(&out->finish, out->module, k.finish_entry.c_str()),
             "cuModuleGetFunction " + k.finish_entry);
    out->finish_entry = k.finish_entry;
    out->finish_launch = k.finish_launch;
    out->scratch = alloc(k.scratch_bytes);
  }
  return out;
}

}  // namespace tg::cuda
