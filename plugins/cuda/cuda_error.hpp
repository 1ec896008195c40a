#pragma once
// CUDA driver and NVRTC status codes as text, and the one place a CUresult becomes a tg error.
#include <string>

#include "cuda_api.hpp"
#include "tg/plugin.hpp"

namespace tg::cuda {

// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)": the driver's name and description.
std::string cu_error_text(const Driver& d, CUresult code);
std::string nvrtc_error_text(const Nvrtc& rtc, nvrtcResult code);

// The tg error code for a driver status: OUT_OF_MEMORY, UNAVAILABLE (no device, no or an old
// driver), DEVICE_LOST (a kernel faulted: the context is unusable), INTERNAL otherwise.
int32_t tg_code_of(CUresult code);

// Throws tg::sdk::Failure "cuda: <what> failed: <cu_error_text>" with tg_code_of's code.
[[noreturn]] void cu_fail(const Driver& d, CUresult code, const std::string& what);

inline void cu_check(const Driver& d, CUresult code, const std::string& what) {
  if (code != CUDA_SUCCESS) cu_fail(d, code, what);
}

}  // namespace tg::cuda
