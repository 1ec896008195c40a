#pragma once
// What the HIP runtime itself says about this machine, asked directly (the tests link
// libamdhip64): the reference the plugin's answers are checked against. Here, without an AMD
// GPU, hipGetDeviceCount returns hipErrorNoDevice; on a machine with one, the same tests check
// that the plugin offers every GPU instead.
#include <hip/hip_runtime_api.h>

#include <string>

namespace hiptest {

struct HipStatus {
  hipError_t error = hipSuccess;
  int count = 0;
  bool has_gpu() const { return error == hipSuccess && count > 0; }
  std::string error_name() const { return hipGetErrorName(error); }
};

inline HipStatus hip_status() {
  HipStatus s;
  s.error = hipGetDeviceCount(&s.count);
  if (s.error != hipSuccess) s.count = 0;
  return s;
}

}  // namespace hiptest
