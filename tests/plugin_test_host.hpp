#pragma once
// A minimal plugin host for tests that talk to a plugin file through the C ABI directly, without
// libtg: dlopen, host services (the SDK's errors, tg/host.hpp; log lines recorded), RAII for
// plugin/device/buffers, and a small builder for tg.kir programs.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../sdk/conformance/program.hpp"  // the conformance suite's program builder
#include "tg/host.hpp"
#include "tg/plugin.h"
#include "tg/plugin.hpp"  // tg::sdk::dtype_size

namespace plugintest {

inline std::vector<std::string>& log_lines() {
  static std::vector<std::string> lines;
  return lines;
}
inline void log(int32_t, const char* message) { log_lines().push_back(message); }
inline const tg_host_services& host_services() {
  static const tg_host_services services{sizeof(tg_host_services), &tg::sdk::host_error_create, &log};
  return services;
}

// An error taken out of the ABI: code TG_OK and "" for success.
using tg::sdk::Status;
using tg::sdk::take;
#define TG_ASSERT_OK(expr)                 \
  do {                                     \
    ::plugintest::Status s_ = (expr);      \
    ASSERT_TRUE(s_.ok()) << s_;            \
  } while (0)

// The plugin file named by an environment variable, else the build's default.
inline std::string plugin_path(const char* env, const char* fallback) {
  const char* v = std::getenv(env);
  return v && *v ? v : fallback;
}

// A loaded and initialized plugin with its first device open. The file stays loaded.
class Plugin {
 public:
  explicit Plugin(const std::string& path, const char* options = "") {
    const tg::sdk::PluginLibrary lib = tg::sdk::open_plugin_library(path);
    handle_ = lib.handle;
    load_error_ = lib.error;
    get_api_ = lib.get_api;
    if (!get_api_) return;
    api_ = get_api_(TG_ABI_MAJOR, TG_ABI_MINOR);
    if (!api_) return;
    init_status_ = tg::sdk::initialize(api_, host_services(), "test", path, options, &plugin_);
  }
  ~Plugin() {
    if (device_) api_->device_close(device_);
    if (plugin_) api_->shutdown(plugin_);
  }
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  void* handle() const { return handle_; }
  const std::string& load_error() const { return load_error_; }
  tg_plugin_get_api_fn get_api() const { return get_api_; }
  const tg_plugin_api* api() const { return api_; }
  tg_plugin* plugin() const { return plugin_; }
  const Status& init_status() const { return init_status_; }

  Status open(uint32_t index = 0) { return take(api_->device_open(plugin_, index, &device_)); }
  tg_device* device() const { return device_; }

 private:
  void* handle_ = nullptr;
  std::string load_error_;
  tg_plugin_get_api_fn get_api_ = nullptr;
  const tg_plugin_api* api_ = nullptr;
  tg_plugin* plugin_ = nullptr;
  tg_device* device_ = nullptr;
  Status init_status_;
};

// A tg.kir program under construction: the conformance suite's builder (sdk/conformance),
// named "test".
struct Program : tg::conformance::Program {
  Program() { name = "test"; }
};

// Bytes of a vector of T (for buffers).
template <class T>
std::vector<std::byte> bytes_of(const std::vector<T>& v) {
  std::vector<std::byte> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}
template <class T>
std::vector<T> values_of(const std::vector<std::byte>& b) {
  std::vector<T> v(b.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

// Compiles and launches a program on a device: one buffer per param, inputs written from
// `inputs[q]` (read params), written params read back into the result (empty for read ones).
struct RunResult {
  Status status;  // the first failing step's error
  std::vector<std::vector<std::byte>> outputs;
};
inline RunResult run_program(const tg_plugin_api* api, tg_device* dev, const Program& prog,
                             const std::vector<std::vector<std::byte>>& inputs) {
  RunResult r;
  tg_kir_program p = prog.abi();
  tg_executable* exe = nullptr;
  r.status = take(api->program_compile(dev, &p, &exe));
  if (!r.status.ok()) return r;
  std::vector<tg_buffer*> bufs(prog.params.size(), nullptr);
  std::vector<uint64_t> offsets(prog.params.size(), 0);
  r.outputs.resize(prog.params.size());
  for (size_t q = 0; q < prog.params.size() && r.status.ok(); ++q) {
    uint64_t bytes = static_cast<uint64_t>(prog.params[q].numel) * tg::sdk::dtype_size(prog.params[q].dtype);
    r.status = take(api->buffer_alloc(dev, bytes, &bufs[q]));
    if (r.status.ok() && q < inputs.size() && !inputs[q].empty())
      r.status = take(api->buffer_write(dev, bufs[q], 0, inputs[q].data(), inputs[q].size()));
    if (prog.params[q].access == TG_PARAM_WRITE) r.outputs[q].resize(bytes);
  }
  if (r.status.ok()) {
    tg_launch_args args{sizeof(tg_launch_args), static_cast<uint32_t>(bufs.size()), bufs.data(), offsets.data()};
    r.status = take(api->launch(dev, exe, &args));
  }
  if (r.status.ok()) r.status = take(api->synchronize(dev));
  for (size_t q = 0; q < prog.params.size() && r.status.ok(); ++q)
    if (!r.outputs[q].empty())
      r.status = take(api->buffer_read(dev, bufs[q], 0, r.outputs[q].data(), r.outputs[q].size()));
  for (tg_buffer* b : bufs)
    if (b) api->buffer_free(dev, b);
  api->executable_free(dev, exe);
  return r;
}

}  // namespace plugintest
