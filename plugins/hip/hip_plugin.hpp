#pragma once
// The HIP plugin's classes, written against the SDK helper (tg/plugin.hpp): every AMD GPU the
// HIP runtime finds; buffers are hipMalloc memory; executables are kernels rendered by tg::render
// to HIP C++, compiled with hiprtc for the GPU's gcnArchName (hip_codegen.hpp), cached on disk
// (tg/disk_cache.hpp) and loaded with hipModuleLoadData. Every device has one in-order stream.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hip.hpp"
#include "hip_codegen.hpp"
#include "tg/disk_cache.hpp"
#include "tg/plugin.hpp"
#include "tg/render.hpp"
#include "uploads.hpp"

namespace tg::hip {

struct HipBuffer {
  int ordinal = 0;       // the HIP device it lives on
  void* ptr = nullptr;   // nullptr for a 0-byte buffer
  ~HipBuffer();
};

struct HipKernel {
  int ordinal = 0;
  std::string entry;
  hipModule_t module = nullptr;
  hipFunction_t function = nullptr;
  tg::render::Launch launch;
  std::vector<uint32_t> scalar_dtypes;  // per scalar arg (tg::render::Kernel::scalar_dtypes)
  // A two-pass reduction (tg::render::Kernel::finish_entry): the second kernel, launched right
  // after the first on the same stream, and the scratch buffer between them (launches on one
  // stream never overlap, so one buffer serves them all).
  hipFunction_t finish = nullptr;
  std::string finish_entry;
  tg::render::Launch finish_launch;
  std::unique_ptr<HipBuffer> scratch;
  ~HipKernel();
};

// What the plugin learned about one GPU when it enumerated them.
struct DeviceEntry {
  int ordinal = 0;
  std::string name;  // for tg devices: "<marketing name> (<gcnArchName>, <n> CUs)"
  uint64_t memory = 0;
  GpuInfo gpu;
};

class HipDevice {
 public:
  using Buffer = HipBuffer;
  using Executable = HipKernel;

  // runtime: "HIP runtime <n>, hiprtc <a.b>": part of every cache key.
  HipDevice(const tg::sdk::Host& host, const DeviceEntry& entry, const std::string& runtime);
  ~HipDevice();
  HipDevice(const HipDevice&) = delete;
  HipDevice& operator=(const HipDevice&) = delete;

  void caps(tg_device_caps& caps);
  std::unique_ptr<HipBuffer> alloc(uint64_t nbytes);
  void write(HipBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
  void read(HipBuffer& src, uint64_t offset, void* dst, uint64_t nbytes);
  void copy(HipBuffer& dst, uint64_t dst_offset, HipBuffer& src, uint64_t src_offset, uint64_t nbytes);
  std::unique_ptr<HipKernel> compile(const tg_kir_program& program);  // hip_compile.cpp
  void launch(HipKernel& kernel, const std::vector<tg::sdk::LaunchBuffer<HipBuffer>>& buffers, const tg_kir_scalar* scalars);
  void synchronize();

 private:
  void use() const;  // makes this GPU the calling thread's current HIP device
  std::vector<unsigned char> code_object(const tg::render::Kernel& k, const tg_kir_program& program,
                                         const std::string& key_text, bool* from_cache);

  tg::sdk::Host host_;
  DeviceEntry entry_;
  std::string identity_;  // gcnArchName, runtime and hiprtc versions: part of every cache key
  tg::render::Target target_;
  hipStream_t stream_ = nullptr;
  Uploads uploads_;
  // <cache root>/hip/<keyed name>.co, files starting "TGHIPCO2" (tg/disk_cache.hpp); the key
  // text is identity_, the compile options and the kernel source.
  tg::sdk::DiskCache cache_;
};

class HipPlugin {
 public:
  using Device = HipDevice;

  explicit HipPlugin(const tg_init_args& args);
  // No GPU: throws Failure(TG_ERR_UNAVAILABLE) with HIP's own reason.
  uint32_t device_count();
  void device_props(uint32_t index, tg_device_props& props);
  std::unique_ptr<HipDevice> open(uint32_t index);

 private:
  tg::sdk::Host host_;
  std::string runtime_;  // "HIP runtime 50221153, hiprtc 9.0"
  std::vector<DeviceEntry> devices_;
  std::string unavailable_;  // why there are no devices
};

}  // namespace tg::hip
