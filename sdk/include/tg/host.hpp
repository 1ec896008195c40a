// tg/host.hpp -- the host's side of the ABI in C++: the error object a host defines, a plugin's
// errors taken back as values, and the names of the status codes. Header-only, part of the SDK.
// For programs that load plugins (the core, the conformance suite, tests that talk to a plugin
// file), not for plugins, which see tg_error only as an opaque pointer.
//
//   const tg_host_services services{sizeof services, tg::sdk::host_error_create, my_log};
//   tg::sdk::Status s = tg::sdk::take(api->device_count(plugin, &n));   // frees the error
//   tg::sdk::check<std::runtime_error>(api->synchronize(dev), "synchronize");  // throws on error
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "tg/plugin.h"

// What a tg_error* points to in a host built with this header: a code and a message.
struct tg_error {
  int32_t code;
  std::string message;
};

namespace tg::sdk {

// "INVALID_ARGUMENT", ...; nullptr for a value outside the ABI's list.
constexpr const char* status_name(int32_t code) {
  switch (code) {
    case TG_OK: return "OK";
    case TG_ERR_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case TG_ERR_UNSUPPORTED: return "UNSUPPORTED";
    case TG_ERR_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case TG_ERR_UNAVAILABLE: return "UNAVAILABLE";
    case TG_ERR_DEVICE_LOST: return "DEVICE_LOST";
    case TG_ERR_INTERNAL: return "INTERNAL";
  }
  return nullptr;
}
// status_name, or "code <n>" for a value outside the ABI's list.
inline std::string status_text(int32_t code) {
  const char* name = status_name(code);
  return name ? name : "code " + std::to_string(code);
}

// An error taken back from a plugin: code TG_OK and "" for success. The message is as the
// plugin gave it (possibly empty: the conformance suite checks that it is not).
struct Status {
  int32_t code = TG_OK;
  std::string message;
  bool ok() const { return code == TG_OK; }
  // The message, or "(no message)" for an empty one.
  std::string what() const { return message.empty() ? "(no message)" : message; }
  // "OK", or "INVALID_ARGUMENT: <message>".
  std::string str() const { return ok() ? "OK" : status_text(code) + ": " + what(); }
  // "<call> failed (INVALID_ARGUMENT): <message>", what a host says of a call that failed.
  std::string failed(const std::string& call) const { return call + " failed (" + status_text(code) + "): " + what(); }
};
inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.str(); }

// The error_create of a host's tg_host_services.
inline tg_error* host_error_create(int32_t code, const char* message) {
  return new tg_error{code, message ? message : ""};
}

// Takes back what a call returned and frees it: NULL is success. An error object with code
// TG_OK is still a failure (the plugin's bug): TG_ERR_INTERNAL, with its message.
inline Status take(tg_error* error) {
  if (!error) return {};
  Status s{error->code == TG_OK ? int32_t{TG_ERR_INTERNAL} : error->code, std::move(error->message)};
  delete error;
  return s;
}

// Takes back what a call returned; on an error throws E("<call> failed (CODE): <message>").
template <class E>
void check(tg_error* error, const std::string& call) {
  const Status s = take(error);
  if (!s.ok()) throw E(s.failed(call));
}

}  // namespace tg::sdk
