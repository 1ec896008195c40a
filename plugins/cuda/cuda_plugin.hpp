#pragma once
// The CUDA plugin's classes, written against the SDK helper (tg/plugin.hpp): every NVIDIA GPU the
// driver finds; buffers come from a caching allocator over cuMemAlloc; executables are kernels
// rendered by tg::render to CUDA C++, compiled with nvrtc to a cubin for the GPU's own sm_XX
// (cuda_codegen.hpp), cached on disk (tg/disk_cache.hpp) and loaded with cuModuleLoadData. Every
// device has one in-order stream. The driver and nvrtc are opened with dlopen (cuda_api.hpp).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cuda_api.hpp"
#include "cuda_codegen.hpp"
#include "device_allocator.hpp"
#include "tg/disk_cache.hpp"
#include "tg/plugin.hpp"
#include "tg/render.hpp"
#include "uploads.hpp"

namespace tg::cuda {

// What the plugin learned about one GPU when it enumerated them.
struct DeviceEntry {
  int ordinal = 0;
  CUdevice device = 0;
  std::string name;  // for tg devices: "<name> (sm_90, 132 SMs)"
  uint64_t memory = 0;
  GpuInfo gpu;
};

// One opened GPU's driver state, shared by the device and everything allocated on it, so a
// buffer or kernel freed after device_close still finds its context (the ABI does not order
// those calls). Destroyed with the last of them: waits for the stream, frees the cached blocks
// and pinned chunks, destroys the stream, releases the primary context.
struct DeviceState {
  DeviceState(const Driver& driver, const DeviceEntry& entry);
  ~DeviceState();
  DeviceState(const DeviceState&) = delete;
  DeviceState& operator=(const DeviceState&) = delete;
  void use() const;  // makes the context current on the calling thread

  const Driver& d;
  DeviceEntry entry;
  CUcontext context = nullptr;  // the device's primary context (shared with the CUDA runtime, PyTorch)
  CUstream stream = nullptr;
  std::optional<CachingAllocator> allocator;
  std::optional<Uploads> uploads;
};

struct CudaBuffer {
  std::shared_ptr<DeviceState> state;
  CUdeviceptr ptr = 0;  // 0 for a 0-byte buffer
  uint64_t nbytes = 0;
  ~CudaBuffer();  // back to the caching allocator
};

struct CudaKernel {
  std::shared_ptr<DeviceState> state;
  std::string entry;
  CUmodule module = nullptr;
  CUfunction function = nullptr;
  tg::render::Launch launch;
  std::vector<uint32_t> scalar_dtypes;  // per scalar arg (tg::render::Kernel::scalar_dtypes)
  // A two-pass reduction (tg::render::Kernel::finish_entry): the second kernel, launched right
  // after the first on the same stream, and the scratch buffer between them.
  CUfunction finish = nullptr;
  std::string finish_entry;
  tg::render::Launch finish_launch;
  std::unique_ptr<CudaBuffer> scratch;
  ~CudaKernel();
};

class CudaDevice {
 public:
  using Buffer = CudaBuffer;
  using Executable = CudaKernel;

  // identity: driver and nvrtc versions, part of every cache key.
  CudaDevice(const tg::sdk::Host& host, const Driver& driver, const Nvrtc& rtc, const DeviceEntry& entry,
             const std::string& identity);
  ~CudaDevice();
  CudaDevice(const CudaDevice&) = delete;
  CudaDevice& operator=(const CudaDevice&) = delete;

  void caps(tg_device_caps& caps);
  std::unique_ptr<CudaBuffer> alloc(uint64_t nbytes);
  void write(CudaBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
  void read(CudaBuffer& src, uint64_t offset, void* dst, uint64_t nbytes);
  void copy(CudaBuffer& dst, uint64_t dst_offset, CudaBuffer& src, uint64_t src_offset, uint64_t nbytes);
  std::unique_ptr<CudaKernel> compile(const tg_kir_program& program);  // cuda_compile.cpp
  void launch(CudaKernel& kernel, const std::vector<tg::sdk::LaunchBuffer<CudaBuffer>>& buffers, const tg_kir_scalar* scalars);
  void synchronize();

 private:
  std::vector<unsigned char> cubin(const tg::render::Kernel& k, const tg_kir_program& program,
                                   const std::string& key_text, bool* from_cache);
  // Checks a status of a call that waits for the stream: an asynchronous fault of an earlier
  // kernel surfaces here, so the error names the kernels launched since the last wait.
  void check_wait(CUresult r, const std::string& what);

  tg::sdk::Host host_;
  const Driver& d_;
  const Nvrtc& rtc_;
  std::shared_ptr<DeviceState> state_;
  std::string identity_;  // sm_XX, driver and nvrtc versions: part of every cache key
  tg::render::Target target_;
  // Kernels launched since the stream was last waited for: the first and last names and a count.
  std::string first_unwaited_, last_unwaited_;
  uint64_t unwaited_ = 0;
  // <cache root>/cuda/<keyed name>.cubin, files starting "TGCUBIN1" (tg/disk_cache.hpp); the key
  // text is identity_, the compile options and the kernel source.
  tg::sdk::DiskCache cache_;
};

class CudaPlugin {
 public:
  using Device = CudaDevice;

  explicit CudaPlugin(const tg_init_args& args);
  // No GPU (or no driver, no nvrtc, an old driver): throws Failure(TG_ERR_UNAVAILABLE) with the
  // reason.
  uint32_t device_count();
  void device_props(uint32_t index, tg_device_props& props);
  std::unique_ptr<CudaDevice> open(uint32_t index);

 private:
  void find_devices();

  tg::sdk::Host host_;
  const Driver* d_ = nullptr;
  const Nvrtc* rtc_ = nullptr;
  std::string identity_;  // "CUDA driver 13.0, nvrtc 13.0"
  std::vector<DeviceEntry> devices_;
  std::string unavailable_;  // why there are no devices
};

}  // namespace tg::cuda
