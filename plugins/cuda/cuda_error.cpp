#include "cuda_error.hpp"

namespace tg::cuda {

std::string cu_error_text(const Driver& d, CUresult code) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (d.cuGetErrorName(code, &name) != CUDA_SUCCESS) name = nullptr;
  if (d.cuGetErrorString(code, &text) != CUDA_SUCCESS) text = nullptr;
  std::string out = name ? name : "CUDA error " + std::to_string(static_cast<int>(code));
  if (text && *text && out != text) out += std::string(" (") + text + ")";
  return out;
}

std::string nvrtc_error_text(const Nvrtc& rtc, nvrtcResult code) {
  const char* text = rtc.nvrtcGetErrorString(code);
  return text ? text : "nvrtc error " + std::to_string(static_cast<int>(code));
}

int32_t tg_code_of(CUresult code) {
  switch (code) {
    case CUDA_ERROR_OUT_OF_MEMORY:
      return TG_ERR_OUT_OF_MEMORY;
    case CUDA_ERROR_NO_DEVICE:
    case CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER:
    case CUDA_ERROR_SYSTEM_NOT_READY:
    case CUDA_ERROR_NOT_INITIALIZED:
    case CUDA_ERROR_DEINITIALIZED:
    case CUDA_ERROR_SYSTEM_DRIVER_MISMATCH:
    case CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE:
      return TG_ERR_UNAVAILABLE;
    case CUDA_ERROR_LAUNCH_FAILED:
    case CUDA_ERROR_ILLEGAL_ADDRESS:
    case CUDA_ERROR_LAUNCH_TIMEOUT:
    case CUDA_ERROR_ECC_UNCORRECTABLE:
    case CUDA_ERROR_ASSERT:
    case CUDA_ERROR_HARDWARE_STACK_ERROR:
    case CUDA_ERROR_ILLEGAL_INSTRUCTION:
    case CUDA_ERROR_MISALIGNED_ADDRESS:
    case CUDA_ERROR_INVALID_ADDRESS_SPACE:
    case CUDA_ERROR_INVALID_PC:
      return TG_ERR_DEVICE_LOST;
    default:
      return TG_ERR_INTERNAL;
  }
}

void cu_fail(const Driver& d, CUresult code, const std::string& what) {
  throw tg::sdk::Failure(tg_code_of(code), "cuda: " + what + " failed: " + cu_error_text(d, code));
}

}  // namespace tg::cuda
