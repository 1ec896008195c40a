// The one exported symbol of libtg-onednn.so: tg_plugin_get_api, made by the SDK helper.
#include "onednn_device.hpp"

#ifndef TG_ONEDNN_VERSION
#define TG_ONEDNN_VERSION "1.0"
#endif

// Priority 50: above ref (1), below a working GPU (~100); the default device on a CPU machine.
TG_SDK_DEFINE_PLUGIN(tg::onednn::Plugin, "onednn", TG_ONEDNN_VERSION,
                     "CPU: oneDNN matmul + run-time compiled C kernels on every core", 50)
