#pragma once
// Devices, plugins and the runtime's counters.
#include <cstdint>
#include <string>
#include <vector>

namespace tg {

// One device a plugin offers (or a plugin that offers none, with the reason).
struct DeviceInfo {
  std::string name;          // plugin name: "ref", "onednn", ...
  int index = 0;             // device index within the plugin
  std::string plugin_file;   // the shared library it came from
  std::string abi_version;   // the plugin's ABI version, "1.0"
  std::string description;   // the plugin's and the device's own words
  bool available = false;
  std::string reason;        // why not available (empty when available)
  int priority = 0;          // preference when TG_DEVICE is unset
};

// Every device found in the plugin search path, available or not.
std::vector<DeviceInfo> devices();
// The directories and files searched for plugins, in order.
std::vector<std::string> plugin_search_paths();

class Device {
 public:
  // "ref:0": the device new tensors go to (TG_DEVICE, or the best available).
  static std::string default_device();
  // Changes it for tensors created afterwards; throws tg::Error if the device cannot be had.
  static void set_default(const std::string& name);
};

// Waits for all queued work on every device.
void synchronize();

struct RuntimeStats {
  uint64_t kernels_launched = 0;
  uint64_t kernels_compiled = 0;  // programs compiled by a plugin (cache misses)
  uint64_t bytes_allocated = 0;   // total bytes of device buffers allocated
  uint64_t bytes_in_use = 0;      // device bytes held right now
  uint64_t peak_bytes = 0;        // highest bytes_in_use
  uint64_t copies_in = 0;         // host -> device copies
  uint64_t copies_out = 0;        // device -> host copies
  uint64_t schedules = 0;         // realize() calls that built kernels
};
RuntimeStats runtime_stats();
void reset_runtime_stats();

// The TG_* environment variables tg reads, with their current value and help.
struct EnvVar {
  std::string name, value, default_value, help;
};
std::vector<EnvVar> env_vars();

const char* version();  // "0.1.0"
constexpr int abi_major = 1;
constexpr int abi_minor = 5;  // 1.1: TG_FAST_CONV; 1.2: linear masks (TG_KIR_LINEAR_MASKS); 1.3: scalar args;
                              // 1.4: buffer_host_pointer, GATHER/SCATTER_ADD (TG_KIR_INDEXED); 1.5: sort_rows

}  // namespace tg
