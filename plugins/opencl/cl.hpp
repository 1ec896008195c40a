#pragma once
// The OpenCL headers as this plugin uses them: the 1.2 API (every OpenCL 1.2+ ICD has it).
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
