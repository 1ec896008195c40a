/* A stand-in for the NVIDIA driver's libcuda.so.1, for test_cuda_unavailable: a machine whose
 * driver is present but finds no GPU, or is too old, cannot be had here (no driver at all is the
 * real case on this machine). Built as <build>/tests/fake-cuda/libcuda.so.1 and put first on a
 * child process's LD_LIBRARY_PATH, so the plugin's dlopen("libcuda.so.1") finds it. It exports
 * every symbol the plugin resolves (plugins/cuda/cuda_api.hpp, with cuda.h's versioned names);
 * TG_FAKE_CUDA chooses what it says:
 *   nodevice  cuInit returns CUDA_ERROR_NO_DEVICE (the driver of CUDA 13.0, no GPU)
 *   old       cuDriverGetVersion says CUDA 12.4
 *   zero      cuInit succeeds and cuDeviceGetCount finds 0 devices
 *   volta     one Tesla V100 (sm_70), which CUDA 13's nvrtc no longer compiles for
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

static int initializes(void) { return strcmp(mode(), "zero") == 0 || strcmp(mode(), "volta") == 0; }

int cuInit(unsigned flags) {
  (void)flags;
  return initializes() ? FAKE_SUCCESS : FAKE_NO_DEVICE;
}

int cuDeviceGetCount(int* count) {
  *count = strcmp(mode(), "volta") == 0 ? 1 : 0;
  return initializes() ? FAKE_SUCCESS : FAKE_NOT_INITIALIZED;
}

/* The one device of "volta": what the driver reports of a Tesla V100. */
int cuDeviceGet(int* device, int ordinal) {
  *device = ordinal;
  return strcmp(mode(), "volta") == 0 && ordinal == 0 ? FAKE_SUCCESS : FAKE_NOT_INITIALIZED;
}

int cuDeviceGetName(char* name, int len, int device) {
  (void)device;
  strncpy(name, "Tesla V100-SXM2-16GB", (size_t)len);
  return FAKE_SUCCESS;
}

int cuDeviceTotalMem_v2(size_t* bytes, int device) {
  (void)device;
  *bytes = (size_t)16 << 30;
  return FAKE_SUCCESS;
}

int cuDeviceGetAttribute(int* value, int attribute, int device) {
  (void)device;
  switch (attribute) {
    case 75: *value = 7; break;     /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
    case 76: *value = 0; break;     /* ..._MINOR */
    case 16: *value = 80; break;    /* ..._MULTIPROCESSOR_COUNT */
    case 1: *value = 1024; break;   /* ..._MAX_THREADS_PER_BLOCK */
    case 8: *value = 49152; break;  /* ..._MAX_SHARED_MEMORY_PER_BLOCK */
    default: return FAKE_NOT_INITIALIZED;
  }
  return FAKE_SUCCESS;
}

#define FAKE_UNREACHED(name) \
  int name(void) { return FAKE_NOT_INITIALIZED; }
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
