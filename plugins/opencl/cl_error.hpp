#pragma once
// OpenCL error codes by name, and the one place a cl* status becomes a tg error.
#include <string>

#include "cl.hpp"
#include "tg/plugin.hpp"

namespace tg::opencl {

// "CL_OUT_OF_RESOURCES", ...; nullptr for a code it does not know.
const char* cl_error_name(cl_int code);
// The name, or "OpenCL error <n>" for an unknown code.
std::string cl_error_text(cl_int code);

// Throws tg::sdk::Failure "opencl: <what> failed: <CL_NAME>": OUT_OF_MEMORY for allocation
// failures (CL_MEM_OBJECT_ALLOCATION_FAILURE, CL_OUT_OF_RESOURCES, CL_OUT_OF_HOST_MEMORY),
// INTERNAL otherwise.
[[noreturn]] void cl_fail(cl_int code, const std::string& what);

inline void cl_check(cl_int code, const std::string& what) {
  if (code != CL_SUCCESS) cl_fail(code, what);
}

}  // namespace tg::opencl
