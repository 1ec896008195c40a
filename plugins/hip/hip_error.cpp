#include "hip_error.hpp"

namespace tg::hip {

std::string hip_error_text(hipError_t code) {
  const char* name = hipGetErrorName(code);
  const char* text = hipGetErrorString(code);
  std::string out = name ? name : "HIP error " + std::to_string(static_cast<int>(code));
  if (text && *text && out != text) out += std::string(" (") + text + ")";
  return out;
}

std::string hiprtc_error_text(hiprtcResult code) {
  const char* text = hiprtcGetErrorString(code);
  return text ? text : "hiprtc error " + std::to_string(static_cast<int>(code));
}

int32_t tg_code_of(hipError_t code) {
  switch (code) {
    case hipErrorOutOfMemory:
      return TG_ERR_OUT_OF_MEMORY;
    case hipErrorNoDevice:
    case hipErrorInsufficientDriver:
    case hipErrorNotInitialized:
      return TG_ERR_UNAVAILABLE;
    case hipErrorLaunchFailure:
    case hipErrorIllegalAddress:
    case hipErrorLaunchTimeOut:
    case hipErrorECCNotCorrectable:
    case hipErrorAssert:
      return TG_ERR_DEVICE_LOST;
    default:
      return TG_ERR_INTERNAL;
  }
}

void hip_fail(hipError_t code, const std::string& what) {
  throw tg::sdk::Failure(tg_code_of(code), "hip: " + what + " failed: " + hip_error_text(code));
}

}  // namespace tg::hip
