// The one exported symbol of libtg-opencl.so: tg_plugin_get_api, made by the SDK helper.
// No tg_plugin_probe: asking the ICD loader for devices loads vendor drivers (threads, device
// contexts), which a probe must not do; the priority ranks it below the CPU plugin instead.
#include "opencl_plugin.hpp"

#ifndef TG_OPENCL_VERSION
#define TG_OPENCL_VERSION "1.0"
#endif

TG_SDK_DEFINE_PLUGIN(tg::opencl::OpenclPlugin, "opencl", TG_OPENCL_VERSION " (OpenCL 1.2 API through the ICD loader)",
                     "any OpenCL 1.2+ device through the ICD loader (tg.kir rendered to OpenCL C)", 5)
