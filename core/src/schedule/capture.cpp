#include "schedule/capture.hpp"

namespace tg::detail {
namespace {
thread_local Capture* t_capture = nullptr;
}  // namespace

Capture* active_capture() { return t_capture; }
CaptureScope::CaptureScope(Capture& c) : previous_(t_capture) { t_capture = &c; }
CaptureScope::~CaptureScope() { t_capture = previous_; }

}  // namespace tg::detail
