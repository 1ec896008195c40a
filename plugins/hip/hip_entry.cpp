// The one exported symbol of libtg-hip.so: tg_plugin_get_api, made by the SDK helper.
// No tg_plugin_probe: asking HIP for devices starts its runtime (threads, the KFD driver), which
// a probe must not do; and without a probe the core asks device_count, so `tg devices` shows
// HIP's own reason when there is no GPU. Priority 100: a GPU is preferred over the CPU devices.
#include <hip/hip_version.h>

#include "hip_plugin.hpp"

#ifndef TG_HIP_VERSION
#define TG_HIP_VERSION "1.0"
#endif

#define TG_HIP_STR2(x) #x
#define TG_HIP_STR(x) TG_HIP_STR2(x)

TG_SDK_DEFINE_PLUGIN(tg::hip::HipPlugin, "hip",
                     TG_HIP_VERSION " (built with HIP " TG_HIP_STR(HIP_VERSION_MAJOR) "." TG_HIP_STR(
                         HIP_VERSION_MINOR) "." TG_HIP_STR(HIP_VERSION_PATCH) ", hiprtc)",
                     "AMD GPUs through HIP/ROCm (tg.kir rendered to HIP C++, compiled with hiprtc)", 100)
