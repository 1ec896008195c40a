#pragma once
// A plugin instance with its first device open, as a host holds it: initialize with this
// suite's host services, device_count, device_open(0), caps and props. Destroying it closes the
// device and shuts the plugin down.
#include <stdexcept>
#include <string>

#include "host.hpp"
#include "tg/plugin.h"

namespace tg::conformance {

// Why a session could not be had (the plugin's error, with the call that failed).
class SessionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Session {
 public:
  // Throws SessionError when a step fails or breaks the ABI's rules.
  Session(const tg_plugin_api* api, const std::string& path, const std::string& options = "");
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const tg_plugin_api* api() const { return api_; }
  tg_plugin* plugin() const { return plugin_; }
  tg_device* device() const { return device_; }
  uint32_t device_count() const { return count_; }
  const tg_device_caps& caps() const { return caps_; }
  const tg_device_props& props() const { return props_; }
  bool claims_op(uint32_t op) const { return op < 64 && ((caps_.ops >> op) & 1u); }
  bool claims_dtype(uint32_t dtype) const { return dtype < 64 && ((caps_.dtypes >> dtype) & 1u); }

 private:
  const tg_plugin_api* api_;
  tg_plugin* plugin_ = nullptr;
  tg_device* device_ = nullptr;
  uint32_t count_ = 0;
  tg_device_caps caps_{};
  tg_device_props props_{};
};

// Initializes a plugin with 1.0 init args and this suite's host services.
Status initialize(const tg_plugin_api* api, const std::string& path, tg_plugin** out, const char* options = "");

}  // namespace tg::conformance
