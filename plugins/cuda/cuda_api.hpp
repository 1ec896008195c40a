#pragma once
// The CUDA driver API (libcuda.so.1) and NVRTC (libnvrtc.so.<major>), opened with dlopen at run
// time. The plugin links neither: a machine without the NVIDIA driver or without the toolkit's
// nvrtc still loads libtg-cuda.so, and `tg devices` shows exactly which part is missing.
//
// Types and prototypes come from cuda.h and nvrtc.h (headers only). cuda.h maps many names to
// versioned symbols (cuMemAlloc -> cuMemAlloc_v2); the tables below are written with the plain
// names, so the preprocessor applies the same mapping to the members, to their types and to the
// symbol names looked up, and a call reads like the documented API: driver.cuMemAlloc(&p, n).
#include <cuda.h>
#include <nvrtc.h>

#include <string>
#include <vector>

namespace tg::cuda {

// X-lists of the symbols the plugin uses.
#define TG_CUDA_DRIVER_FUNCTIONS(X)                                                                                   \
  X(cuGetErrorName) X(cuGetErrorString) X(cuInit) X(cuDriverGetVersion) X(cuDeviceGetCount) X(cuDeviceGet)            \
  X(cuDeviceGetName) X(cuDeviceTotalMem) X(cuDeviceGetAttribute) X(cuDevicePrimaryCtxRetain)                          \
  X(cuDevicePrimaryCtxRelease) X(cuCtxSetCurrent) X(cuStreamCreate) X(cuStreamDestroy) X(cuStreamSynchronize)         \
  X(cuMemAlloc) X(cuMemFree) X(cuMemGetInfo) X(cuMemHostAlloc) X(cuMemFreeHost) X(cuMemcpyHtoDAsync)                  \
  X(cuMemcpyDtoHAsync) X(cuMemcpyDtoDAsync) X(cuEventCreate) X(cuEventDestroy) X(cuEventRecord) X(cuEventQuery)       \
  X(cuModuleLoadData) X(cuModuleUnload) X(cuModuleGetFunction) X(cuLaunchKernel)

#define TG_CUDA_NVRTC_FUNCTIONS(X)                                                                                    \
  X(nvrtcVersion) X(nvrtcGetErrorString) X(nvrtcCreateProgram) X(nvrtcDestroyProgram) X(nvrtcCompileProgram)          \
  X(nvrtcGetProgramLogSize) X(nvrtcGetProgramLog) X(nvrtcGetCUBINSize) X(nvrtcGetCUBIN)                              \
  X(nvrtcGetNumSupportedArchs) X(nvrtcGetSupportedArchs)

#define TG_CUDA_MEMBER(f) decltype(&::f) f = nullptr;

// The driver's entry points. cuInit has not been called by load(): the plugin does that.
struct Driver {
  void* handle = nullptr;
  TG_CUDA_DRIVER_FUNCTIONS(TG_CUDA_MEMBER)
};

struct Nvrtc {
  void* handle = nullptr;
  std::string path;  // the file dlopen found ("libnvrtc.so.13" or a full path)
  TG_CUDA_NVRTC_FUNCTIONS(TG_CUDA_MEMBER)
};

#undef TG_CUDA_MEMBER

// The process's driver, opened once: nullptr when libcuda.so.1 cannot be opened or lacks a
// symbol, with *why saying which ("libcuda.so.1: cannot open shared object file: ..." from the
// loader, or "libcuda.so.1 has no cuMemAlloc_v2: the NVIDIA driver is too old").
const Driver* driver(std::string* why);

// The process's nvrtc, opened once. Tried in order: $TG_CUDA_NVRTC (a file), libnvrtc.so.<the
// CUDA major version tg was built with>, libnvrtc.so, then the toolkit's own copy found at
// configure time (TG_CUDA_NVRTC_FALLBACK, e.g. /usr/local/cuda/lib64/libnvrtc.so.13): a toolkit
// outside the loader's path still works. nullptr with *why listing each attempt's error.
const Nvrtc* nvrtc(std::string* why);

// "nvrtc 13.0"
std::string nvrtc_version_text(const Nvrtc& rtc);

// The sm_XX numbers this nvrtc compiles cubins for (75, 80, 86, ... for nvrtc 13), ascending.
std::vector<int> nvrtc_archs(const Nvrtc& rtc);

}  // namespace tg::cuda
