#include "opencl_plugin.hpp"

#include <algorithm>
#include <cstdlib>

#include "cl_error.hpp"

namespace tg::opencl {

using tg::sdk::Failure;

std::string device_string(cl_device_id device, cl_device_info what) {
  size_t n = 0;
  if (clGetDeviceInfo(device, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetDeviceInfo(device, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  s.resize(s.find('\0') == std::string::npos ? n : s.find('\0'));
  return s;
}

std::string platform_string(cl_platform_id platform, cl_platform_info what) {
  size_t n = 0;
  if (clGetPlatformInfo(platform, what, 0, nullptr, &n) != CL_SUCCESS || n == 0) return "";
  std::string s(n, '\0');
  if (clGetPlatformInfo(platform, what, n, s.data(), nullptr) != CL_SUCCESS) return "";
  s.resize(s.find('\0') == std::string::npos ? n : s.find('\0'));
  return s;
}

namespace {

std::string no_platform_reason(cl_int code) {
  const char* vendors = std::getenv("OCL_ICD_VENDORS");
  return "opencl: no OpenCL platform found (clGetPlatformIDs returned " + cl_error_text(code) +
         "): the ICD loader found no vendor driver. Install one (Debian: pocl-opencl-icd for CPUs, or your GPU "
         "vendor's ICD)" +
         (vendors ? std::string(", or check OCL_ICD_VENDORS (now \"") + vendors + "\")" : std::string("")) + ".";
}

uint32_t kind_of(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU) return TG_DEVICE_GPU;
  if (type & CL_DEVICE_TYPE_CPU) return TG_DEVICE_CPU;
  return TG_DEVICE_ACCELERATOR;
}

// TG_PLUGIN_OPTIONS_OPENCL: `kernels=cpu|gpu` renders every device's kernels in that style
// instead of by device type (the test suite runs the GPU kernels on PoCL this way).
KernelStyle parse_options(const std::string& text) {
  KernelStyle style = KernelStyle::by_device;
  for (const auto& [key, value] : tg::sdk::option_items(text)) {
    if (key == "kernels" && (value == "cpu" || value == "gpu")) {
      style = value == "cpu" ? KernelStyle::cpu : KernelStyle::gpu;
      continue;
    }
    throw Failure(TG_ERR_INVALID_ARGUMENT, "opencl: unknown option \"" + key + (value.empty() ? "" : "=" + value) +
                                               "\" in TG_PLUGIN_OPTIONS_OPENCL; it takes kernels=cpu|gpu");
  }
  return style;
}

}  // namespace

OpenclPlugin::OpenclPlugin(const tg_init_args& args) : host_(*args.host), style_(parse_options(args.options)) {
  cl_uint n_platforms = 0;
  cl_int err = clGetPlatformIDs(0, nullptr, &n_platforms);
  if (err != CL_SUCCESS || n_platforms == 0) {
    unavailable_ = no_platform_reason(err == CL_SUCCESS ? -1001 : err);
    host_.log(TG_LOG_DEBUG, unavailable_);
    return;
  }
  std::vector<cl_platform_id> platforms(n_platforms);
  cl_check(clGetPlatformIDs(n_platforms, platforms.data(), nullptr), "clGetPlatformIDs");
  std::string empty_platforms;
  for (cl_platform_id platform : platforms) {
    const std::string pname = platform_string(platform, CL_PLATFORM_NAME);
    cl_uint n = 0;
    err = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &n);
    if (err != CL_SUCCESS || n == 0) {
      empty_platforms += (empty_platforms.empty() ? "" : "; ") + pname + " (" + cl_error_text(err) + ")";
      continue;
    }
    std::vector<cl_device_id> ids(n);
    cl_check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, n, ids.data(), nullptr), "clGetDeviceIDs");
    for (cl_device_id id : ids) {
      DeviceEntry e{platform, id, "", kind_of(device_value<cl_device_type>(id, CL_DEVICE_TYPE)),
                    device_value<cl_ulong>(id, CL_DEVICE_GLOBAL_MEM_SIZE)};
      e.name = device_string(id, CL_DEVICE_NAME) + " (" + pname + ")";
      host_.log(TG_LOG_DEBUG, "opencl: device " + std::to_string(devices_.size()) + ": " + e.name);
      devices_.push_back(std::move(e));
    }
  }
  if (devices_.empty())
    unavailable_ = "opencl: OpenCL platforms were found but none has a device: " + empty_platforms;
}

uint32_t OpenclPlugin::device_count() {
  if (devices_.empty()) throw Failure(TG_ERR_UNAVAILABLE, unavailable_);
  return static_cast<uint32_t>(devices_.size());
}

void OpenclPlugin::device_props(uint32_t index, tg_device_props& props) {
  const DeviceEntry& e = devices_[index];
  props.name = e.name.c_str();
  props.kind = e.kind;
  props.memory_bytes = e.memory;
}

std::unique_ptr<OpenclDevice> OpenclPlugin::open(uint32_t index) {
  return std::make_unique<OpenclDevice>(host_, devices_[index], style_);
}

}  // namespace tg::opencl
