#pragma once
// HIP and hiprtc status codes as text, and the one place a hip* status becomes a tg error.
#include <string>

#include "hip.hpp"
#include "tg/plugin.hpp"

namespace tg::hip {

// "hipErrorNoDevice", or "hipErrorOutOfMemory (out of memory)" where HIP's description adds to
// the name.
std::string hip_error_text(hipError_t code);
std::string hiprtc_error_text(hiprtcResult code);

// The tg error code for a HIP status: OUT_OF_MEMORY, UNAVAILABLE (no device, no driver),
// DEVICE_LOST (the device faulted), INTERNAL otherwise.
int32_t tg_code_of(hipError_t code);

// Throws tg::sdk::Failure "hip: <what> failed: <hip_error_text>" with tg_code_of's code.
[[noreturn]] void hip_fail(hipError_t code, const std::string& what);

inline void hip_check(hipError_t code, const std::string& what) {
  if (code != hipSuccess) hip_fail(code, what);
}

}  // namespace tg::hip
