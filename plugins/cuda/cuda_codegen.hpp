#pragma once
// tg.kir -> a cubin for one NVIDIA architecture, without a GPU: the render target an NVIDIA GPU
// gets, and nvrtc. Shared by the plugin (for the device it opened) and by the tests (for sm_80 and
// sm_90 with no device at all), so both compile exactly the same way.
#include <cstdint>
#include <string>
#include <vector>

#include "cuda_api.hpp"
#include "tg/plugin.h"
#include "tg/render.hpp"

namespace tg::cuda {

// What the renderer and the compiler need to know of one NVIDIA GPU.
struct GpuInfo {
  int sm = 80;                            // compute capability major * 10 + minor: 80, 86, 90, ...
  uint32_t multiprocessors = 1;
  uint32_t max_threads_per_block = 1024;
  // Static __shared__ memory a block may declare: 48 KiB on every GPU (more needs the dynamic
  // opt-in, which the renderer's static arrays cannot use).
  uint64_t shared_mem_per_block = 48 * 1024;
};

// "sm_90"
std::string arch_name(int sm);

// The architecture to compile for on a GPU of compute capability `device_sm`, given what nvrtc
// supports (nvrtc_archs): the device's own when supported, else the newest supported one of the
// same major version and no newer minor (a cubin runs on later minors of its major: sm_80 code on
// an sm_86 GPU); 0 when there is none (a GPU too old or too new for this nvrtc).
int pick_arch(int device_sm, const std::vector<int>& supported);

// The render target of a GPU: the CUDA dialect, float64 (every NVIDIA GPU has it), its limits,
// two-pass reductions (CudaDevice::launch runs Kernel::finish_entry right after the main kernel).
tg::render::Target target_for(const GpuInfo& gpu);

// The kernel arguments CudaDevice::launch passes, in order (render.hpp, KERNEL ARGUMENTS): a
// device pointer per program param, the scratch buffer's pointer for a two-pass kernel, then per
// scalar arg a double (float64), a float (other float dtypes) or a 64-bit integer. The compile
// tests check every rendered kernel's signature against it.
enum class ArgKind { pointer, f64, f32, i64 };
std::vector<ArgKind> launch_arg_kinds(size_t n_params, bool scratch, const std::vector<uint32_t>& scalar_dtypes);

// The grid and block of a launch. A grid beyond CUDA's limits (65535 blocks in y or z) throws
// Failure(TG_ERR_UNSUPPORTED) naming the kernel: compile() checks it, so the core can fall back
// before anything runs.
void grid_of(const tg::render::Launch& launch, const std::string& kernel, unsigned grid[3], unsigned block[3]);

// nvrtc's options for an architecture: --gpu-architecture=sm_XX (a cubin for exactly that GPU,
// no PTX JIT at load time) and --fmad=false (a*b+c rounds twice, as the reference computes it).
std::vector<std::string> compile_options(int sm);

// Compiles a rendered kernel with nvrtc for sm and returns the cubin cuModuleLoadData takes.
// Throws tg::sdk::Failure(TG_ERR_INTERNAL) with nvrtc's status, its log, the options and the
// source when nvrtc refuses it: the renderer wrote code the compiler rejects.
std::vector<char> compile_kernel(const Nvrtc& rtc, const tg::render::Kernel& kernel, int sm,
                                 const tg_kir_program& program);

// The nvrtc call under compile_kernel, for any translation unit: `unit` names it in the log,
// `what` in the error, which carries nvrtc's status, the options and its log (not the source).
std::vector<char> compile_source(const Nvrtc& rtc, const std::string& source, const std::string& unit, int sm,
                                 const std::string& what);

}  // namespace tg::cuda
