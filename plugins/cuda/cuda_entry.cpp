// The one exported symbol of libtg-cuda.so: tg_plugin_get_api, made by the SDK helper.
// No tg_plugin_probe: asking the driver for devices starts it (cuInit: threads, the kernel
// module), which a probe must not do; and without a probe the core asks device_count, so
// `tg devices` shows the reason when there is no GPU. Priority 100: a GPU is preferred over the
// CPU devices (onednn is 50).
#include <cuda.h>

#include "cuda_plugin.hpp"

#ifndef TG_CUDA_VERSION
#define TG_CUDA_VERSION "1.0"
#endif

#define TG_CUDA_STR2(x) #x
#define TG_CUDA_STR(x) TG_CUDA_STR2(x)

TG_SDK_DEFINE_PLUGIN(tg::cuda::CudaPlugin, "cuda",
                     TG_CUDA_VERSION " (built with CUDA " TG_CUDA_STR(CUDA_VERSION) " headers; libcuda.so.1 and nvrtc "
                                     "loaded at run time)",
                     "NVIDIA GPUs through the CUDA driver API (tg.kir rendered to CUDA C++, compiled with nvrtc)", 100)
