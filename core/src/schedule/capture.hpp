#pragma once
// Capturing the kernels a piece of code launches (tg::TinyJit, core/src/jit.cpp): while a
// Capture is active on a thread, run_schedule records every launch it makes there, with the
// buffers it bound, its offsets and scalar arguments, so the same work can run again without
// building, walking or scheduling a graph. Work that is not a plain launch of a compiled
// program (a copy between devices, a sort, a kernel on the fallback device, an empty output)
// makes the capture unusable (`refused` says why): the caller then runs the code itself.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tg/plugin.h"

namespace tg::detail {

class Device;
struct Buffer;

struct CapturedLaunch {
  std::shared_ptr<Device> device;
  tg_executable* exe = nullptr;
  std::string name;
  std::vector<std::shared_ptr<Buffer>> buffers;  // as bound for the launch, param 0 first
  std::vector<bool> fresh;                        // per param: allocated just before the launch
  std::vector<uint64_t> offsets;                  // per param, bytes
  std::vector<tg_kir_scalar> scalars;
};

struct Capture {
  std::vector<CapturedLaunch> launches;
  std::string refused;  // non-empty: something ran that a replay could not repeat
};

// The capture active on this thread (null: none). CaptureScope makes c active for its lifetime.
Capture* active_capture();
class CaptureScope {
 public:
  explicit CaptureScope(Capture& c);
  ~CaptureScope();
  CaptureScope(const CaptureScope&) = delete;
  CaptureScope& operator=(const CaptureScope&) = delete;

 private:
  Capture* previous_;
};

}  // namespace tg::detail
