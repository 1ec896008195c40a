/* A stand-in for the NVIDIA driver's libcuda.so.1, for test_cuda_unavailable: a machine whose
 * driver is present but finds no GPU, or is too old, cannot be had here (no driver at all is the
 * real case on this machine). Built as <build>/tests/fake-cuda/libcuda.so.1 and put first on a
 * child process's LD_LIBRARY_PATH, so the plugin's dlopen("libcuda.so.1") finds it. It exports
 * every symbol the plugin resolves (plugins/cuda/cuda_api.hpp, with cuda.h's versioned names);
 * TG_FAKE_CUDA chooses what it says:
 *   nodevice  cuInit returns CUDA_ERROR_NO_DEVICE (the driver of CUDA 13.0, no GPU)
 *   old       cuDriverGetVersion says CUDA 12.4
 *   zero      cuInit succeeds and cuDeviceGetCount finds 0 devices
 * Everything else returns CUDA_ERROR_NOT_INITIALIZED: the plugin must not get further. */
#include <stdlib.h>
#include <string.h>

#define FAKE_SUCCESS 0
#define FAKE_NOT_INITIALIZED 3
#define FAKE_NO_DEVICE 100

static const char* mode(void) {
  const char* m = getenv("TG_FAKE_CUDA");
  return m ? m : "nodevice";
}

int cuGetErrorName(int code, const char** name) {
  *name = code == FAKE_NO_DEVICE ? "CUDA_ERROR_NO_DEVICE" : code == FAKE_NOT_INITIALIZED ? "CUDA_ERROR_NOT_INITIALIZED" : "CUDA_ERROR_UNKNOWN";
  return FAKE_SUCCESS;
}

int cuGetErrorString(int code, const char** text) {
  *text = code == FAKE_NO_DEVICE ? "no CUDA-capable device is detected" : "initialization error";
  return FAKE_SUCCESS;
}

int cuDriverGetVersion(int* version) {
  *version = strcmp(mode(), "old") == 0 ? 12040 : 13000;
  return FAKE_SUCCESS;
}

int cuInit(unsigned flags) {
  (void)flags;
  return strcmp(mode(), "zero") == 0 ? FAKE_SUCCESS : FAKE_NO_DEVICE;
}

int cuDeviceGetCount(int* count) {
  *count = 0;
  return strcmp(mode(), "zero") == 0 ? FAKE_SUCCESS : FAKE_NOT_INITIALIZED;
}

#define FAKE_UNREACHED(name) \
  int name(void) { return FAKE_NOT_INITIALIZED; }
FAKE_UNREACHED(cuDeviceGet)
FAKE_UNREACHED(cuDeviceGetName)
FAKE_UNREACHED(cuDeviceTotalMem_v2)
FAKE_UNREACHED(cuDeviceGetAttribute)
FAKE_UNREACHED(cuDevicePrimaryCtxRetain)
FAKE_UNREACHED(cuDevicePrimaryCtxRelease_v2)
FAKE_UNREACHED(cuCtxSetCurrent)
FAKE_UNREACHED(cuStreamCreate)
FAKE_UNREACHED(cuStreamDestroy_v2)
FAKE_UNREACHED(cuStreamSynchronize)
FAKE_UNREACHED(cuMemAlloc_v2)
FAKE_UNREACHED(cuMemFree_v2)
FAKE_UNREACHED(cuMemGetInfo_v2)
FAKE_UNREACHED(cuMemHostAlloc)
FAKE_UNREACHED(cuMemFreeHost)
FAKE_UNREACHED(cuMemcpyHtoDAsync_v2)
FAKE_UNREACHED(cuMemcpyDtoHAsync_v2)
FAKE_UNREACHED(cuMemcpyDtoDAsync_v2)
FAKE_UNREACHED(cuEventCreate)
FAKE_UNREACHED(cuEventDestroy_v2)
FAKE_UNREACHED(cuEventRecord)
FAKE_UNREACHED(cuEventQuery)
FAKE_UNREACHED(cuModuleLoadData)
FAKE_UNREACHED(cuModuleUnload)
FAKE_UNREACHED(cuModuleGetFunction)
FAKE_UNREACHED(cuLaunchKernel)
