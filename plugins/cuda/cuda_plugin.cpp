// Finding the GPUs: the driver and nvrtc, cuInit, cuDeviceGetCount and each device's attributes,
// and when there are none, exactly why.
#include "cuda_plugin.hpp"

#include <unistd.h>

#include "cuda_error.hpp"

namespace tg::cuda {

using tg::sdk::Failure;

namespace {

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

// What the machine says when the driver finds no GPU.
std::string device_files_hint() {
  if (access("/dev/nvidiactl", F_OK) != 0)
    return "; /dev/nvidiactl does not exist: the nvidia kernel module is not loaded here (or a container was "
           "started without the GPU: docker --gpus all)";
  if (access("/dev/nvidiactl", R_OK | W_OK) != 0) return "; /dev/nvidiactl is not accessible to this user";
  return "";
}

int attribute(const Driver& d, CUdevice dev, CUdevice_attribute a, const char* name) {
  int v = 0;
  cu_check(d, d.cuDeviceGetAttribute(&v, a, dev), std::string("cuDeviceGetAttribute(") + name + ")");
  return v;
}

}  // namespace

CudaPlugin::CudaPlugin(const tg_init_args& args) : host_(*args.host) {
  if (args.options[0] != '\0')
    host_.log(TG_LOG_WARNING, std::string("cuda: this plugin takes no options; ignoring \"") + args.options + "\"");
  find_devices();
  if (devices_.empty()) host_.log(TG_LOG_DEBUG, unavailable_);
}

void CudaPlugin::find_devices() {
  std::string why;
  d_ = driver(&why);
  if (!d_) {
    unavailable_ = "cuda: no NVIDIA driver: " + why;
    return;
  }
  rtc_ = nvrtc(&why);
  if (!rtc_) {
    unavailable_ = "cuda: " + why;
    return;
  }
  int driver_version = 0;
  const CUresult vr = d_->cuDriverGetVersion(&driver_version);
  if (vr != CUDA_SUCCESS) {
    unavailable_ = "cuda: cuDriverGetVersion failed: " + cu_error_text(*d_, vr);
    return;
  }
  int rtc_major = 0, rtc_minor = 0;
  (void)rtc_->nvrtcVersion(&rtc_major, &rtc_minor);
  identity_ = "CUDA driver " + version_text(driver_version) + ", " + nvrtc_version_text(*rtc_);
  // A cubin made by nvrtc X.y loads on drivers of CUDA X.0 and newer (minor version
  // compatibility), not on an older major version.
  if (driver_version / 1000 < rtc_major) {
    unavailable_ = "cuda: the NVIDIA driver is too old: it supports CUDA " + version_text(driver_version) + ", and " +
                   nvrtc_version_text(*rtc_) + " (" + rtc_->path + ") makes code that needs a CUDA " +
                   std::to_string(rtc_major) + ".0 driver or newer; update the driver, or set TG_CUDA_NVRTC to the "
                   "libnvrtc.so of a toolkit no newer than the driver";
    return;
  }
  const CUresult init = d_->cuInit(0);
  if (init != CUDA_SUCCESS) {
    unavailable_ = "cuda: no NVIDIA GPU available: cuInit returned " + cu_error_text(*d_, init) + " (" + identity_ + ")";
    if (init == CUDA_ERROR_SYSTEM_DRIVER_MISMATCH || init == CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE ||
        init == CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER)
      unavailable_ += "; the driver library and the nvidia kernel module do not match, or the driver is too old: "
                      "reinstall or update the NVIDIA driver";
    else if (init == CUDA_ERROR_NO_DEVICE)
      unavailable_ += device_files_hint();
    return;
  }
  int count = 0;
  const CUresult cr = d_->cuDeviceGetCount(&count);
  if (cr != CUDA_SUCCESS || count <= 0) {
    unavailable_ = cr != CUDA_SUCCESS ? "cuda: no NVIDIA GPU available: cuDeviceGetCount returned " + cu_error_text(*d_, cr)
                                      : "cuda: no NVIDIA GPU available: cuDeviceGetCount found 0 devices";
    unavailable_ += " (" + identity_ + ")" + device_files_hint();
    return;
  }
  const std::vector<int> archs = nvrtc_archs(*rtc_);
  std::string skipped;  // GPUs this nvrtc cannot compile for
  for (int i = 0; i < count; ++i) {
    DeviceEntry e;
    e.ordinal = i;
    cu_check(*d_, d_->cuDeviceGet(&e.device, i), "cuDeviceGet(" + std::to_string(i) + ")");
    char name[256] = {0};
    cu_check(*d_, d_->cuDeviceGetName(name, sizeof name - 1, e.device), "cuDeviceGetName");
    size_t memory = 0;
    cu_check(*d_, d_->cuDeviceTotalMem(&memory, e.device), "cuDeviceTotalMem");
    e.memory = memory;
    const int major = attribute(*d_, e.device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, "compute capability major");
    const int minor = attribute(*d_, e.device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, "compute capability minor");
    const int device_sm = major * 10 + minor;
    e.gpu.sm = archs.empty() ? device_sm : pick_arch(device_sm, archs);
    e.gpu.multiprocessors =
        static_cast<uint32_t>(std::max(1, attribute(*d_, e.device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, "SM count")));
    e.gpu.max_threads_per_block = static_cast<uint32_t>(
        std::max(32, attribute(*d_, e.device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, "max threads per block")));
    e.gpu.shared_mem_per_block = static_cast<uint64_t>(
        attribute(*d_, e.device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, "shared memory per block"));
    e.name = std::string(name[0] ? name : "NVIDIA GPU") + " (" + arch_name(device_sm) +
             (e.gpu.sm != device_sm && e.gpu.sm != 0 ? ", code for " + arch_name(e.gpu.sm) : std::string()) + ", " +
             std::to_string(e.gpu.multiprocessors) + " SMs)";
    if (e.gpu.sm == 0) {
      skipped += (skipped.empty() ? "" : "; ") + std::string("device ") + std::to_string(i) + ", " + e.name + ": " +
                 nvrtc_version_text(*rtc_) + " compiles for " + arch_name(archs.front()) + " to " +
                 arch_name(archs.back()) + " only";
      continue;
    }
    host_.log(TG_LOG_DEBUG, "cuda: device " + std::to_string(i) + ": " + e.name + "; " + identity_);
    devices_.push_back(std::move(e));
  }
  if (!devices_.empty() && !skipped.empty())
    host_.log(TG_LOG_WARNING, "cuda: leaving out " + skipped + " (TG_CUDA_NVRTC can name another nvrtc)");
  if (devices_.empty())
    unavailable_ = "cuda: no NVIDIA GPU this nvrtc can compile for (" + skipped + "): set TG_CUDA_NVRTC to the "
                   "libnvrtc.so of a CUDA toolkit that supports it";
}

uint32_t CudaPlugin::device_count() {
  if (devices_.empty()) throw Failure(TG_ERR_UNAVAILABLE, unavailable_);
  return static_cast<uint32_t>(devices_.size());
}

void CudaPlugin::device_props(uint32_t index, tg_device_props& props) {
  const DeviceEntry& e = devices_[index];
  props.name = e.name.c_str();
  props.kind = TG_DEVICE_GPU;
  props.memory_bytes = e.memory;
}

std::unique_ptr<CudaDevice> CudaPlugin::open(uint32_t index) {
  return std::make_unique<CudaDevice>(host_, *d_, *rtc_, devices_[index], identity_);
}

}  // namespace tg::cuda
