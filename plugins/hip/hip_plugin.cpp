// Finding the GPUs: hipGetDeviceCount and hipGetDeviceProperties, and why there are none.
#include "hip_plugin.hpp"

#include <unistd.h>

#include "hip_error.hpp"

namespace tg::hip {

using tg::sdk::Failure;

namespace {

// Why the HIP runtime sees no GPU: its own status first, then what the machine says.
std::string no_device_reason(hipError_t code, const std::string& runtime) {
  std::string why = "hip: no AMD GPU available: hipGetDeviceCount returned " + hip_error_text(code) + " (" + runtime + ")";
  if (access("/dev/kfd", F_OK) != 0)
    why += "; /dev/kfd does not exist: the amdgpu kernel driver is not loaded here (or a container was started "
           "without --device=/dev/kfd --device=/dev/dri)";
  else if (access("/dev/kfd", R_OK | W_OK) != 0)
    why += "; /dev/kfd is not accessible to this user: add it to the 'render' and 'video' groups";
  return why;
}

std::string runtime_text() {
  int version = 0;
  const std::string hip = hipRuntimeGetVersion(&version) == hipSuccess ? "HIP runtime " + std::to_string(version)
                                                                       : std::string("HIP runtime (version unknown)");
  return hip + ", " + hiprtc_version_text();
}

}  // namespace

HipPlugin::HipPlugin(const tg_init_args& args) : host_(*args.host), runtime_(runtime_text()) {
  if (args.options[0] != '\0')
    host_.log(TG_LOG_WARNING, std::string("hip: this plugin takes no options; ignoring \"") + args.options + "\"");
  int count = 0;
  const hipError_t err = hipGetDeviceCount(&count);
  if (err != hipSuccess || count <= 0) {
    unavailable_ = err != hipSuccess ? no_device_reason(err, runtime_)
                                     : "hip: no AMD GPU available: hipGetDeviceCount found 0 devices (" + runtime_ + ")";
    host_.log(TG_LOG_DEBUG, unavailable_);
    return;
  }
  for (int i = 0; i < count; ++i) {
    hipDeviceProp_t p;
    hip_check(hipGetDeviceProperties(&p, i), "hipGetDeviceProperties of device " + std::to_string(i));
    DeviceEntry e;
    e.ordinal = i;
    e.memory = p.totalGlobalMem;
    e.gpu.arch = p.gcnArchName;
    e.gpu.compute_units = static_cast<uint32_t>(p.multiProcessorCount > 0 ? p.multiProcessorCount : 1);
    e.gpu.max_threads_per_block = static_cast<uint32_t>(p.maxThreadsPerBlock > 0 ? p.maxThreadsPerBlock : 256);
    e.gpu.shared_mem_per_block = p.sharedMemPerBlock;
    e.name = std::string(p.name[0] ? p.name : "AMD GPU") + " (" + e.gpu.arch + ", " +
             std::to_string(e.gpu.compute_units) + " CUs)";
    host_.log(TG_LOG_DEBUG, "hip: device " + std::to_string(i) + ": " + e.name);
    devices_.push_back(std::move(e));
  }
}

uint32_t HipPlugin::device_count() {
  if (devices_.empty()) throw Failure(TG_ERR_UNAVAILABLE, unavailable_);
  return static_cast<uint32_t>(devices_.size());
}

void HipPlugin::device_props(uint32_t index, tg_device_props& props) {
  const DeviceEntry& e = devices_[index];
  props.name = e.name.c_str();
  props.kind = TG_DEVICE_GPU;
  props.memory_bytes = e.memory;
}

std::unique_ptr<HipDevice> HipPlugin::open(uint32_t index) {
  return std::make_unique<HipDevice>(host_, devices_[index], runtime_);
}

}  // namespace tg::hip
