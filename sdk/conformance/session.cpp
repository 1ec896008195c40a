#include "session.hpp"

#include "case.hpp"

namespace tg::conformance {

Status initialize(const tg_plugin_api* api, const std::string& path, tg_plugin** out, const char* options) {
  return tg::sdk::initialize(api, host_services(), "conformance", path, options, out);
}

Session::Session(const tg_plugin_api* api, const std::string& path, const std::string& options) : api_(api) {
  if (!api_) throw SessionError("the plugin gave no table for ABI 1 (tg_plugin_get_api returned NULL)");
  Status s = initialize(api_, path, &plugin_, options.c_str());
  if (!s.ok()) throw SessionError("initialize: " + s.str());
  if (!plugin_) throw SessionError("initialize succeeded but gave no plugin handle");
  s = take(api_->device_count(plugin_, &count_));
  if (!s.ok()) {
    api_->shutdown(plugin_);
    throw SessionError("device_count: " + s.str() + " (this plugin has no device here)");
  }
  if (count_ == 0) {
    api_->shutdown(plugin_);
    throw SessionError("device_count returned 0 devices without an error; with none it must return UNAVAILABLE");
  }
  s = take(api_->device_open(plugin_, 0, &device_));
  if (!s.ok() || !device_) {
    api_->shutdown(plugin_);
    throw SessionError("device_open(0): " + (s.ok() ? std::string("no handle") : s.str()));
  }
  caps_.struct_size = sizeof caps_;
  s = take(api_->device_get_caps(device_, &caps_));
  props_.struct_size = sizeof props_;
  if (s.ok()) s = take(api_->device_get_props(plugin_, 0, &props_));
  if (!s.ok()) {
    api_->device_close(device_);
    api_->shutdown(plugin_);
    throw SessionError("device_get_caps/props: " + s.str());
  }
}

Session::~Session() {
  if (device_) api_->device_close(device_);
  if (plugin_) api_->shutdown(plugin_);
}

Session& Context::session() {
  if (!session_) session_ = std::make_unique<Session>(file_.api, file_.path, options_);
  return *session_;
}

std::mt19937_64 Context::rng_for(const std::string& case_name) const {
  uint64_t h = 1469598103934665603ull ^ seed_;  // FNV-1a over the name
  for (unsigned char c : case_name) h = (h ^ c) * 1099511628211ull;
  return std::mt19937_64(h);
}

const char* level_name(Level level) {
  switch (level) {
    case Level::Abi: return "abi";
    case Level::Quick: return "quick";
    case Level::Standard: return "standard";
    case Level::Full: return "full";
  }
  return "?";
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  add_loading_cases(cases);
  add_struct_cases(cases);
  add_error_cases(cases);
  add_memory_cases(cases);
  add_sort_cases(cases);
  add_op_cases(cases);
  add_rule_cases(cases);
  add_view_cases(cases);
  add_random_cases(cases);
  add_lifecycle_cases(cases);
  return cases;
}

}  // namespace tg::conformance
