#pragma once
// The HIP runtime and hiprtc headers as this plugin uses them: AMD's platform (ROCm), HIP 5.2+.
#ifndef __HIP_PLATFORM_AMD__
#error "build the hip plugin with -D__HIP_PLATFORM_AMD__ (plugins/hip/CMakeLists.txt sets it)"
#endif
#include <hip/hip_runtime_api.h>
#include <hip/hiprtc.h>
