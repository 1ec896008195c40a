#pragma once
// The OpenCL plugin's classes, written against the SDK helper (tg/plugin.hpp): every device of
// every platform the ICD loader finds; buffers are cl_mem; executables are kernels rendered by
// tg::render to OpenCL C, built with clBuildProgram and cached on disk (tg/disk_cache.hpp).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cl.hpp"
#include "tg/disk_cache.hpp"
#include "tg/plugin.hpp"
#include "tg/render.hpp"

namespace tg::opencl {

struct ClBuffer {
  cl_mem mem = nullptr;
  ~ClBuffer();
};

struct ClKernel {
  std::string entry;
  cl_program program = nullptr;
  cl_kernel kernel = nullptr;
  tg::render::Launch launch;
  std::vector<uint64_t> elem_size;  // per param, to turn byte offsets into element offsets
  std::vector<uint32_t> scalar_dtypes;  // per scalar arg (tg::render::Kernel::scalar_dtypes)
  // A two-pass reduction (tg::render::Kernel::finish_entry): the second kernel, launched right
  // after the first, and the scratch buffer between them (the queue is in order, so launches of
  // this kernel never overlap and one buffer serves them all).
  cl_kernel finish = nullptr;
  std::string finish_entry;
  tg::render::Launch finish_launch;
  std::unique_ptr<ClBuffer> scratch;
  ~ClKernel();
};

// What the plugin learned about one device when it enumerated them.
struct DeviceEntry {
  cl_platform_id platform;
  cl_device_id device;
  std::string name;  // for tg devices: "<device> (<platform>)"
  uint32_t kind;     // TG_DEVICE_*
  uint64_t memory;
};

// Which kernels the renderer writes (tg::render::Target::cpu): by the device's type, or forced.
enum class KernelStyle { by_device, cpu, gpu };

class OpenclDevice {
 public:
  using Buffer = ClBuffer;
  using Executable = ClKernel;

  OpenclDevice(const tg::sdk::Host& host, const DeviceEntry& entry, KernelStyle style);
  ~OpenclDevice();
  OpenclDevice(const OpenclDevice&) = delete;
  OpenclDevice& operator=(const OpenclDevice&) = delete;

  void caps(tg_device_caps& caps);
  std::unique_ptr<ClBuffer> alloc(uint64_t nbytes);
  void write(ClBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
  void read(ClBuffer& src, uint64_t offset, void* dst, uint64_t nbytes);
  void copy(ClBuffer& dst, uint64_t dst_offset, ClBuffer& src, uint64_t src_offset, uint64_t nbytes);
  std::unique_ptr<ClKernel> compile(const tg_kir_program& program);  // cl_compile.cpp
  void launch(ClKernel& kernel, const std::vector<tg::sdk::LaunchBuffer<ClBuffer>>& buffers, const tg_kir_scalar* scalars);
  void synchronize();

 private:
  cl_program build_from_source(const tg::render::Kernel& k, const tg_kir_program& program);
  cl_program build_from_binary(const std::vector<unsigned char>& binary, std::string* why);
  std::vector<unsigned char> binary_of(cl_program program);
  cl_kernel create_kernel(cl_program program, const std::string& entry, const tg::render::Launch& launch,
                          const char* strategy);

  tg::sdk::Host host_;
  std::string name_;
  cl_device_id device_;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  tg::render::Target target_;
  std::string build_options_;
  std::string identity_;  // device, driver and platform versions: part of every cache key
  uint64_t max_alloc_ = 0;
  // <cache root>/opencl/<keyed name>.bin, files starting "TGCLBIN2" (tg/disk_cache.hpp); the
  // key text is identity_, the build options and the kernel source.
  tg::sdk::DiskCache cache_;
};

class OpenclPlugin {
 public:
  using Device = OpenclDevice;

  explicit OpenclPlugin(const tg_init_args& args);
  uint32_t device_count();
  void device_props(uint32_t index, tg_device_props& props);
  std::unique_ptr<OpenclDevice> open(uint32_t index);

 private:
  tg::sdk::Host host_;
  KernelStyle style_;
  std::vector<DeviceEntry> devices_;
  std::string unavailable_;  // why there are no devices
};

// clGetDeviceInfo / clGetPlatformInfo as values.
std::string device_string(cl_device_id device, cl_device_info what);
std::string platform_string(cl_platform_id platform, cl_platform_info what);
template <class T>
T device_value(cl_device_id device, cl_device_info what) {
  T v{};
  if (clGetDeviceInfo(device, what, sizeof v, &v, nullptr) != CL_SUCCESS) return T{};
  return v;
}

}  // namespace tg::opencl
