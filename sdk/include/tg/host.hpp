// tg/host.hpp -- the host's side of the ABI in C++: the error object a host defines, a plugin's
// errors taken back as values, the names of the status codes, opening a plugin file, and
// initialize with the init args of this header's ABI. Header-only, part of the SDK.
// For programs that load plugins (the core, the conformance suite, tests that talk to a plugin
// file), not for plugins, which see tg_error only as an opaque pointer.
//
//   const tg_host_services services{sizeof services, tg::sdk::host_error_create, my_log};
//   tg::sdk::Status s = tg::sdk::initialize(api, services, "my host 1.0", path, "", &plugin);
//   s = tg::sdk::take(api->device_count(plugin, &n));                     // frees the error
//   tg::sdk::check<std::runtime_error>(api->synchronize(dev), "synchronize");  // throws on error
#pragma once

#include <dlfcn.h>

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

// A plugin file opened as the core opens it: dlopen(RTLD_NOW | RTLD_LOCAL), never closed (a
// plugin's code may be referenced until exit), and its entry points; `error` says why not.
struct PluginLibrary {
  void* handle = nullptr;
  tg_plugin_get_api_fn get_api = nullptr;
  tg_plugin_probe_fn probe = nullptr;  // optional
  std::string error;
};
inline PluginLibrary open_plugin_library(const std::string& path) {
  PluginLibrary lib;
  // A path without '/' would make dlopen search the library path instead of opening the file.
  lib.handle = dlopen((path.find('/') == std::string::npos ? "./" + path : path).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib.handle) {
    const char* why = dlerror();
    lib.error = why ? why : "dlopen failed";
    return lib;
  }
  lib.get_api = reinterpret_cast<tg_plugin_get_api_fn>(dlsym(lib.handle, "tg_plugin_get_api"));
  lib.probe = reinterpret_cast<tg_plugin_probe_fn>(dlsym(lib.handle, "tg_plugin_probe"));
  if (!lib.get_api) lib.error = path + " does not export tg_plugin_get_api";
  return lib;
}

// Initializes a plugin as every host first does: init args of this header's ABI version. *out is
// NULL unless the plugin gives a handle.
inline Status initialize(const tg_plugin_api* api, const tg_host_services& host, const char* host_version,
                         const std::string& path, const char* options, tg_plugin** out) {
  const tg_init_args args{sizeof(tg_init_args), TG_ABI_MAJOR, TG_ABI_MINOR, host_version, path.c_str(), options, &host};
  *out = nullptr;
  return take(api->initialize(&args, out));
}

}  // namespace tg::sdk
