// tg/plugin.hpp -- implement the tg plugin ABI (tg/plugin.h) as two C++ classes.
//
// tg/plugin.h is a C ABI: opaque handles, function tables, error objects, and no exception may
// cross it. This header-only helper (C++17) writes that side for you, as dnnl.hpp wraps dnnl.h.
// You write a plugin class and a device class; one macro emits the exported entry point and a
// static table of `extern "C"`-callable trampolines that
//   - check every handle and out-pointer, and every buffer range, before your code runs
//     (TG_ERR_INVALID_ARGUMENT with a message that names the call and the argument);
//   - read in-structs only up to the caller's struct_size and hand you a zero-padded copy of
//     today's size; fill out-structs (props, caps) only up to the caller's struct_size;
//   - turn every exception into an error object created through the host's error_create:
//       tg::sdk::Failure(code, msg)  -> that code and message
//       std::bad_alloc                -> TG_ERR_OUT_OF_MEMORY
//       any other std::exception      -> TG_ERR_INTERNAL, "<call> threw: <what()>"
//       anything else                 -> TG_ERR_INTERNAL
//     so nothing ever unwinds into the host.
//
// THE CLASSES YOU WRITE (names are yours; the shape is what the helper calls)
//
//   class MyDevice {
//    public:
//     using Buffer = MyBuffer;          // any type; owned through std::unique_ptr
//     using Executable = MyExecutable;  // any type; owned through std::unique_ptr
//     void caps(tg_device_caps& caps);                         // fill fields; struct_size is set
//     std::unique_ptr<Buffer> alloc(uint64_t nbytes);          // nbytes may be 0; align >= 64
//     void write(Buffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
//     void read(Buffer& src, uint64_t offset, void* dst, uint64_t nbytes);
//     void copy(Buffer& dst, uint64_t dst_offset, Buffer& src, uint64_t src_offset,
//               uint64_t nbytes);
//     std::unique_ptr<Executable> compile(const tg_kir_program& program);
//     void launch(Executable& executable, const std::vector<tg::sdk::LaunchBuffer<Buffer>>& buffers);
//     // Optional (ABI 1.3): a device that declares TG_KIR_SCALAR_ARGS also (or instead) has
//     // void launch(Executable&, const std::vector<LaunchBuffer<Buffer>>&, const tg_kir_scalar* scalars);
//     // scalars[k] is the value of the program's scalar_args[k] (ProgramInfo::scalar_slot).
//     void synchronize();
//     // Optional (ABI 1.4): a device whose buffers are host memory also has
//     // void* host_pointer(Buffer& buffer);   // the buffer's first byte (buffer_host_pointer)
//     // Optional (ABI 1.5): a device that orders rows of keys itself (sort_rows; without it the
//     // table's slot is NULL and the core sorts on the host) has
//     // void sort_rows(const tg_sort_args& args, Buffer& keys, Buffer& indices);
//     // with args checked (tg::sdk::sort_args_problem); tg/sort_rows.hpp orders a row on the CPU.
//   };
//
//   class MyPlugin {
//    public:
//     using Device = MyDevice;
//     explicit MyPlugin(const tg_init_args& args);   // may throw (initialize then fails)
//     uint32_t device_count();   // none here: throw Failure(TG_ERR_UNAVAILABLE, "why")
//     void device_props(uint32_t index, tg_device_props& props);
//     std::unique_ptr<Device> open(uint32_t index);
//   };
//
//   TG_SDK_DEFINE_PLUGIN(MyPlugin, "my", "1.0 (vendor runtime 3.2)", "one line for tg devices", 10)
//   TG_SDK_DEFINE_PROBE(my_probe)   // optional: int32_t my_probe(); see below
//
// Write the macros in exactly one .cpp file of the plugin, at global scope. Destroying a plugin,
// device, buffer or executable is its destructor: destructors must not throw.
//
// WHAT THE HELPER GUARANTEES YOUR METHODS (so they need not check it again)
//   - Handles are never NULL and belong to the device they are passed with; indices are below
//     device_count(); write/read/copy ranges lie inside the buffers (sizes as allocated), copy
//     ranges do not overlap, and calls with nbytes == 0 never reach write/read/copy.
//   - tg_init_args and tg_kir_program are copies of today's size, zero where the caller's
//     struct_size ended; NULL strings in tg_init_args are "" and args.host is non-NULL (keep a
//     tg::sdk::Host(*args.host) to log). The program's arrays are non-NULL
//     where their count is non-zero (they still belong to the core: copy what you keep).
//   - props/caps are zeroed with struct_size = sizeof of today's struct before you fill them.
//   - launch: as many buffers as the program has params, each holding the param's numel
//     elements from its offset on, and no written param overlapping a read one. It does not
//     validate the program itself: call tg::sdk::check_program (tg/kir.hpp) in compile.
//   - Out-structs: the caller's struct_size becomes min(caller's, today's), so the caller knows
//     what was filled; bytes past today's size up to the caller's are zeroed (their default).
//
// ERRORS WITHOUT A HANDLE
//   Errors are created through the tg_host_services given to initialize. A call whose handle is
//   NULL has no plugin to ask, so it uses the error_create of the latest initialize; if none has
//   run, there is no way to make an error and the call returns NULL after doing nothing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tg/plugin.h"
#include "tg/sort_rows.hpp"

namespace tg::sdk {

// ---- what plugin code throws and uses ---------------------------------------------------------

// Throw this to return an error with a chosen code (TG_ERR_*) and message.
class Failure : public std::exception {
 public:
  Failure(int32_t code, std::string message) : code_(code), message_(std::move(message)) {}
  int32_t code() const noexcept { return code_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  int32_t code_;
  std::string message_;
};

// Bytes per element of a TG_DTYPE_* value; 0 for a value this header does not know.
constexpr uint64_t dtype_size(uint32_t dtype) {
  switch (dtype) {
    case TG_DTYPE_BOOL: case TG_DTYPE_INT8: case TG_DTYPE_UINT8: return 1;
    case TG_DTYPE_INT16: case TG_DTYPE_FLOAT16: case TG_DTYPE_BFLOAT16: return 2;
    case TG_DTYPE_INT32: case TG_DTYPE_FLOAT32: return 4;
    case TG_DTYPE_INT64: case TG_DTYPE_FLOAT64: return 8;
  }
  return 0;
}

// The items of tg_init_args::options (TG_PLUGIN_OPTIONS_<NAME>: "key=value;key=value"), in order,
// as {key, value} (value "" where an item has no '='); empty items are skipped.
inline std::vector<std::pair<std::string, std::string>> option_items(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> items;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    items.emplace_back(item.substr(0, eq), eq == std::string::npos ? "" : item.substr(eq + 1));
  }
  return items;
}

// The host's services as a value: a plugin may keep one (from tg_init_args::host) to log.
class Host {
 public:
  Host() = default;
  // Reads only the fields that lie inside services.struct_size.
  explicit Host(const tg_host_services& services) noexcept {
    constexpr size_t end_error = offsetof(tg_host_services, error_create) + sizeof(void*);
    constexpr size_t end_log = offsetof(tg_host_services, log) + sizeof(void*);
    if (services.struct_size >= end_error) error_create_ = services.error_create;
    if (services.struct_size >= end_log) log_ = services.log;
  }
  bool can_report() const noexcept { return error_create_ != nullptr; }
  auto error_create_fn() const noexcept { return error_create_; }

  // A host-owned error; NULL only if the host gave no error_create.
  tg_error* error(int32_t code, const char* message) const noexcept {
    return error_create_ ? error_create_(code, message) : nullptr;
  }
  // Prints a line when the user asked for diagnostics (TG_PLUGIN_DEBUG); never throws.
  void log(int32_t level, const char* message) const noexcept {
    if (log_) log_(level, message);
  }
  void log(int32_t level, const std::string& message) const noexcept { log(level, message.c_str()); }

 private:
  tg_error* (*error_create_)(int32_t, const char*) = nullptr;
  void (*log_)(int32_t, const char*) = nullptr;
};

// One param's buffer at launch.
template <class Buffer>
struct LaunchBuffer {
  Buffer* buffer;   // never NULL, allocated by this device
  uint64_t offset;  // byte offset of the param's element 0 in the buffer
  uint64_t nbytes;  // numel * dtype size of the param: fits in the buffer from offset on
};

// ---- the machinery (read on if curious; plugin code does not touch it) -------------------------

namespace detail {

template <class P> using DeviceOf = typename P::Device;
template <class P> using BufferOf = typename P::Device::Buffer;
template <class P> using ExecutableOf = typename P::Device::Executable;

#if TG_ABI_MINOR >= 3
// Whether device class D takes scalar launch arguments (ABI 1.3, TG_KIR_SCALAR_ARGS):
//   void launch(Executable&, const std::vector<LaunchBuffer<Buffer>>&, const tg_kir_scalar* scalars);
template <class D, class E, class B>
constexpr auto takes_scalars(int) -> decltype(std::declval<D&>().launch(std::declval<E&>(),
                                                                         std::declval<const std::vector<LaunchBuffer<B>>&>(),
                                                                         std::declval<const tg_kir_scalar*>()),
                                              bool()) {
  return true;
}
template <class D, class E, class B>
constexpr bool takes_scalars(...) {
  return false;
}
#endif

#if TG_ABI_MINOR >= 4
// Whether device class D says where its buffers lie in host memory (ABI 1.4):
//   void* host_pointer(Buffer&);
template <class D, class B>
constexpr auto has_host_pointer(int) -> decltype(std::declval<D&>().host_pointer(std::declval<B&>()), bool()) {
  return true;
}
template <class D, class B>
constexpr bool has_host_pointer(...) {
  return false;
}
#endif

#if TG_ABI_MINOR >= 5
// Whether device class D orders rows of keys itself (ABI 1.5):
//   void sort_rows(const tg_sort_args&, Buffer& keys, Buffer& indices);
template <class D, class B>
constexpr auto has_sort_rows(int) -> decltype(std::declval<D&>().sort_rows(std::declval<const tg_sort_args&>(),
                                                                          std::declval<B&>(), std::declval<B&>()),
                                              bool()) {
  return true;
}
template <class D, class B>
constexpr bool has_sort_rows(...) {
  return false;
}
#endif

// What the opaque handles point to.
template <class P>
struct PluginBox {
  Host host;
  P impl;
  PluginBox(const Host& h, const tg_init_args& args) : host(h), impl(args) {}
};
template <class P>
struct DeviceBox {
  PluginBox<P>* plugin;
  std::unique_ptr<DeviceOf<P>> impl;
};
template <class P>
struct BufferBox {
  DeviceBox<P>* device;
  uint64_t nbytes;
  std::unique_ptr<BufferOf<P>> impl;
};
template <class P>
struct ExecutableBox {
  DeviceBox<P>* device;
  std::vector<tg_kir_param> params;  // for the launch checks
  uint32_t n_scalars = 0;            // the program's scalar args (ABI 1.3)
  std::unique_ptr<ExecutableOf<P>> impl;
};

// The error_create of the latest initialize: the only way to report a NULL handle.
inline std::atomic<tg_error* (*)(int32_t, const char*)>& latest_error_create() noexcept {
  static std::atomic<tg_error* (*)(int32_t, const char*)> slot{nullptr};
  return slot;
}

// An error for a call that has no usable handle (see ERRORS WITHOUT A HANDLE above).
inline tg_error* error_without_handle(int32_t code, const char* message) noexcept {
  auto create = latest_error_create().load();
  return create ? create(code, message) : nullptr;
}

// "<a><b>" built without letting an exception out; falls back to `a` alone.
inline tg_error* error_joined(const Host& host, int32_t code, const char* a, const char* b) noexcept {
  try {
    return host.error(code, (std::string(a) + b).c_str());
  } catch (...) {
    return host.error(code, a);
  }
}

// Runs body and turns whatever it throws into an error for the host. `call` names the ABI slot.
template <class Body>
tg_error* guarded(const Host& host, const char* call, Body&& body) noexcept {
  try {
    body();
    return nullptr;
  } catch (const Failure& f) {
    if (f.code() == TG_OK)  // a Failure must fail: treat a TG_OK one as the plugin's bug
      return error_joined(host, TG_ERR_INTERNAL, call, ": Failure thrown with code TG_OK");
    return host.error(f.code(), f.what());
  } catch (const std::bad_alloc&) {
    return error_joined(host, TG_ERR_OUT_OF_MEMORY, call, ": out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    try {
      return host.error(TG_ERR_INTERNAL, (std::string(call) + " threw: " + e.what()).c_str());
    } catch (...) {
      return host.error(TG_ERR_INTERNAL, call);
    }
  } catch (...) {
    return error_joined(host, TG_ERR_INTERNAL, call, " threw an exception not derived from std::exception");
  }
}

// Throws Failure(TG_ERR_INVALID_ARGUMENT, pieces...) -- used inside guarded bodies.
template <class... Parts>
[[noreturn]] void invalid(const Parts&... parts) {
  std::string message;
  (message += ... += parts);
  throw Failure(TG_ERR_INVALID_ARGUMENT, message);
}
inline std::string str(uint64_t v) { return std::to_string(v); }

// Reads an in-struct (struct_size first) into a zeroed copy of today's size.
template <class T>
T read_in(const T& in) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  T copy;
  std::memset(&copy, 0, sizeof copy);
  size_t n = in.struct_size < sizeof(T) ? in.struct_size : sizeof(T);
  std::memcpy(&copy, &in, n);
  copy.struct_size = sizeof(T);
  return copy;
}

// Copies a filled out-struct to the caller's, only up to the caller's struct_size.
template <class T>
void write_out(T* out, const T& filled) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  size_t caller = out->struct_size;
  size_t n = caller < sizeof(T) ? caller : sizeof(T);
  auto* dst = reinterpret_cast<unsigned char*>(out);
  std::memcpy(dst + sizeof(size_t), reinterpret_cast<const unsigned char*>(&filled) + sizeof(size_t),
              n - sizeof(size_t));
  if (caller > sizeof(T)) std::memset(dst + sizeof(T), 0, caller - sizeof(T));
  out->struct_size = n;
}

// [offset, offset + nbytes) inside a buffer of `size` bytes, without overflow.
inline bool in_range(uint64_t offset, uint64_t nbytes, uint64_t size) noexcept {
  return offset <= size && nbytes <= size - offset;
}

// The trampolines: one static function per table slot.
template <class P>
struct Api {
  using Device = DeviceOf<P>;
  using Buffer = BufferOf<P>;
  using Executable = ExecutableOf<P>;
  static_assert(std::is_constructible_v<P, const tg_init_args&>,
                "the plugin class needs a constructor taking const tg_init_args&");

  static PluginBox<P>* box(tg_plugin* p) { return reinterpret_cast<PluginBox<P>*>(p); }
  static DeviceBox<P>* box(tg_device* d) { return reinterpret_cast<DeviceBox<P>*>(d); }
  static BufferBox<P>* box(tg_buffer* b) { return reinterpret_cast<BufferBox<P>*>(b); }
  static ExecutableBox<P>* box(tg_executable* e) { return reinterpret_cast<ExecutableBox<P>*>(e); }
  static const Host& host(tg_device* d) { return box(d)->plugin->host; }

  static tg_error* initialize(const tg_init_args* args, tg_plugin** out_plugin) noexcept {
    if (out_plugin) *out_plugin = nullptr;
    if (!args) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "initialize: args is NULL");
    tg_init_args a = read_in(*args);
    if (!a.host) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "initialize: args->host is NULL");
    Host h(*a.host);
    if (!h.can_report()) return nullptr;  // a host without error_create cannot be answered
    latest_error_create().store(h.error_create_fn());
    if (!out_plugin) return h.error(TG_ERR_INVALID_ARGUMENT, "initialize: out_plugin is NULL");
    return guarded(h, "initialize", [&] {
      if (a.host_abi_major != TG_ABI_MAJOR)
        invalid("initialize: the host speaks tg ABI ", str(a.host_abi_major), ".", str(a.host_abi_minor),
                ", this plugin was built for ABI ", str(TG_ABI_MAJOR), ".", str(TG_ABI_MINOR));
      if (!a.core_version) a.core_version = "";
      if (!a.plugin_path) a.plugin_path = "";
      if (!a.options) a.options = "";
      auto made = std::make_unique<PluginBox<P>>(h, a);
      *out_plugin = reinterpret_cast<tg_plugin*>(made.release());
    });
  }

  static void shutdown(tg_plugin* plugin) noexcept { delete box(plugin); }

  static tg_error* device_count(tg_plugin* plugin, uint32_t* out_count) noexcept {
    if (out_count) *out_count = 0;
    if (!plugin) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "device_count: plugin is NULL");
    PluginBox<P>* p = box(plugin);
    if (!out_count) return p->host.error(TG_ERR_INVALID_ARGUMENT, "device_count: out_count is NULL");
    return guarded(p->host, "device_count", [&] { *out_count = p->impl.device_count(); });
  }

  static void check_index(PluginBox<P>* p, uint32_t index, const char* call) {
    uint32_t count = p->impl.device_count();
    if (index >= count)
      invalid(call, ": device index ", str(index), " is out of range (", str(count), " devices)");
  }

  static tg_error* device_get_props(tg_plugin* plugin, uint32_t index, tg_device_props* out_props) noexcept {
    if (!plugin) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "device_get_props: plugin is NULL");
    PluginBox<P>* p = box(plugin);
    if (!out_props) return p->host.error(TG_ERR_INVALID_ARGUMENT, "device_get_props: out_props is NULL");
    return guarded(p->host, "device_get_props", [&] {
      if (out_props->struct_size < sizeof(size_t))
        invalid("device_get_props: out_props->struct_size is ", str(out_props->struct_size),
                ", too small for the struct_size field itself");
      check_index(p, index, "device_get_props");
      tg_device_props props;
      std::memset(&props, 0, sizeof props);
      props.struct_size = sizeof props;
      p->impl.device_props(index, props);
      write_out(out_props, props);
    });
  }

  static tg_error* device_open(tg_plugin* plugin, uint32_t index, tg_device** out_device) noexcept {
    if (out_device) *out_device = nullptr;
    if (!plugin) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "device_open: plugin is NULL");
    PluginBox<P>* p = box(plugin);
    if (!out_device) return p->host.error(TG_ERR_INVALID_ARGUMENT, "device_open: out_device is NULL");
    return guarded(p->host, "device_open", [&] {
      check_index(p, index, "device_open");
      std::unique_ptr<Device> device = p->impl.open(index);
      if (!device) throw Failure(TG_ERR_INTERNAL, "device_open: the plugin's open() returned no device");
      auto made = std::make_unique<DeviceBox<P>>(DeviceBox<P>{p, std::move(device)});
      *out_device = reinterpret_cast<tg_device*>(made.release());
    });
  }

  static void device_close(tg_device* device) noexcept { delete box(device); }

  static tg_error* device_get_caps(tg_device* device, tg_device_caps* out_caps) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "device_get_caps: device is NULL");
    if (!out_caps) return host(device).error(TG_ERR_INVALID_ARGUMENT, "device_get_caps: out_caps is NULL");
    return guarded(host(device), "device_get_caps", [&] {
      if (out_caps->struct_size < sizeof(size_t))
        invalid("device_get_caps: out_caps->struct_size is ", str(out_caps->struct_size),
                ", too small for the struct_size field itself");
      tg_device_caps caps;
      std::memset(&caps, 0, sizeof caps);
      caps.struct_size = sizeof caps;
      box(device)->impl->caps(caps);
      write_out(out_caps, caps);
    });
  }

  static tg_error* buffer_alloc(tg_device* device, uint64_t nbytes, tg_buffer** out_buffer) noexcept {
    if (out_buffer) *out_buffer = nullptr;
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "buffer_alloc: device is NULL");
    if (!out_buffer) return host(device).error(TG_ERR_INVALID_ARGUMENT, "buffer_alloc: out_buffer is NULL");
    return guarded(host(device), "buffer_alloc", [&] {
      std::unique_ptr<Buffer> buffer;
      try {
        buffer = box(device)->impl->alloc(nbytes);
      } catch (const std::bad_alloc&) {
        throw Failure(TG_ERR_OUT_OF_MEMORY, "buffer_alloc: out of memory allocating " + str(nbytes) + " bytes");
      }
      if (!buffer) throw Failure(TG_ERR_INTERNAL, "buffer_alloc: the device's alloc() returned no buffer");
      auto made = std::make_unique<BufferBox<P>>(BufferBox<P>{box(device), nbytes, std::move(buffer)});
      *out_buffer = reinterpret_cast<tg_buffer*>(made.release());
    });
  }

  static void buffer_free(tg_device*, tg_buffer* buffer) noexcept { delete box(buffer); }

  // The checks every transfer shares. `role` is "dst", "src".
  static void check_buffer(tg_device* device, tg_buffer* buffer, uint64_t offset, uint64_t nbytes,
                           const char* call, const char* role) {
    if (!buffer) invalid(call, ": ", role, " buffer is NULL");
    BufferBox<P>* b = box(buffer);
    if (b->device != box(device)) invalid(call, ": ", role, " buffer belongs to another device");
    if (!in_range(offset, nbytes, b->nbytes))
      invalid(call, ": ", role, " range [", str(offset), ", ", str(offset), " + ", str(nbytes),
              ") lies outside its buffer of ", str(b->nbytes), " bytes");
  }

  static tg_error* buffer_write(tg_device* device, tg_buffer* dst, uint64_t offset, const void* src,
                                uint64_t nbytes) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "buffer_write: device is NULL");
    return guarded(host(device), "buffer_write", [&] {
      check_buffer(device, dst, offset, nbytes, "buffer_write", "dst");
      if (nbytes == 0) return;
      if (!src) invalid("buffer_write: src is NULL");
      box(device)->impl->write(*box(dst)->impl, offset, src, nbytes);
    });
  }

  static tg_error* buffer_read(tg_device* device, tg_buffer* src, uint64_t offset, void* dst,
                               uint64_t nbytes) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "buffer_read: device is NULL");
    return guarded(host(device), "buffer_read", [&] {
      check_buffer(device, src, offset, nbytes, "buffer_read", "src");
      if (nbytes == 0) return;
      if (!dst) invalid("buffer_read: dst is NULL");
      box(device)->impl->read(*box(src)->impl, offset, dst, nbytes);
    });
  }

  static tg_error* buffer_copy(tg_device* device, tg_buffer* dst, uint64_t dst_offset, tg_buffer* src,
                               uint64_t src_offset, uint64_t nbytes) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "buffer_copy: device is NULL");
    return guarded(host(device), "buffer_copy", [&] {
      check_buffer(device, dst, dst_offset, nbytes, "buffer_copy", "dst");
      check_buffer(device, src, src_offset, nbytes, "buffer_copy", "src");
      if (nbytes == 0) return;
      if (dst == src && dst_offset < src_offset + nbytes && src_offset < dst_offset + nbytes)
        invalid("buffer_copy: the ranges overlap (dst offset ", str(dst_offset), ", src offset ",
                str(src_offset), ", ", str(nbytes), " bytes, same buffer)");
      box(device)->impl->copy(*box(dst)->impl, dst_offset, *box(src)->impl, src_offset, nbytes);
    });
  }

  static tg_error* program_compile(tg_device* device, const tg_kir_program* program,
                                   tg_executable** out_executable) noexcept {
    if (out_executable) *out_executable = nullptr;
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "program_compile: device is NULL");
    const Host& h = host(device);
    if (!program) return h.error(TG_ERR_INVALID_ARGUMENT, "program_compile: program is NULL");
    if (!out_executable) return h.error(TG_ERR_INVALID_ARGUMENT, "program_compile: out_executable is NULL");
    return guarded(h, "program_compile", [&] {
      tg_kir_program prog = read_in(*program);
      if (prog.n_nodes && !prog.nodes) invalid("program_compile: n_nodes is ", str(prog.n_nodes), " but nodes is NULL");
      if (prog.n_views && !prog.views) invalid("program_compile: n_views is ", str(prog.n_views), " but views is NULL");
      if (prog.n_params && !prog.params) invalid("program_compile: n_params is ", str(prog.n_params), " but params is NULL");
      auto made = std::make_unique<ExecutableBox<P>>();
      made->device = box(device);
      made->params.assign(prog.params, prog.params + prog.n_params);
#if TG_ABI_MINOR >= 3
      made->n_scalars = prog.n_scalar_args;  // (read_in zeroed it for an older core)
      if (made->n_scalars && !prog.scalar_args) invalid("program_compile: n_scalar_args is ", str(made->n_scalars), " but scalar_args is NULL");
#endif
      made->impl = box(device)->impl->compile(prog);
      if (!made->impl) throw Failure(TG_ERR_INTERNAL, "program_compile: the device's compile() returned nothing");
      *out_executable = reinterpret_cast<tg_executable*>(made.release());
    });
  }

  static void executable_free(tg_device*, tg_executable* executable) noexcept { delete box(executable); }

  // Every buffer holds its param, and no written param overlaps a read one.
  static std::vector<LaunchBuffer<Buffer>> bind(tg_device* device, const ExecutableBox<P>& exe,
                                                const tg_launch_args& args) {
    const size_t n = exe.params.size();
    if (args.n_buffers != n)
      invalid("launch: the program has ", str(n), " params but ", str(args.n_buffers), " buffers were bound");
    if (n && (!args.buffers || !args.offsets)) invalid("launch: args->buffers or args->offsets is NULL");
    std::vector<LaunchBuffer<Buffer>> bound;
    bound.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const tg_kir_param& param = exe.params[i];
      tg_buffer* handle = args.buffers[i];
      if (!handle) invalid("launch: the buffer of param ", str(i), " is NULL");
      BufferBox<P>* b = box(handle);
      if (b->device != box(device)) invalid("launch: the buffer of param ", str(i), " belongs to another device");
      uint64_t elem = dtype_size(param.dtype);
      if (elem == 0) invalid("launch: param ", str(i), " has unknown dtype ", str(param.dtype));
      if (param.numel < 0) invalid("launch: param ", str(i), " has negative numel");
      uint64_t numel = static_cast<uint64_t>(param.numel);
      if (numel > UINT64_MAX / elem) invalid("launch: param ", str(i), " is too large to address");
      uint64_t need = numel * elem;
      if (!in_range(args.offsets[i], need, b->nbytes))
        invalid("launch: param ", str(i), " needs ", str(need), " bytes (", str(numel), " elements of ",
                str(elem), " bytes) from offset ", str(args.offsets[i]), ", but its buffer holds ",
                str(b->nbytes), " bytes");
      bound.push_back(LaunchBuffer<Buffer>{b->impl.get(), args.offsets[i], need});
    }
    for (size_t w = 0; w < n; ++w) {
      if (exe.params[w].access != TG_PARAM_WRITE) continue;
      for (size_t r = 0; r < n; ++r) {
        if (r == w || exe.params[r].access == TG_PARAM_WRITE) continue;
        const auto& a = bound[w];
        const auto& b = bound[r];
        if (a.buffer == b.buffer && a.nbytes && b.nbytes && a.offset < b.offset + b.nbytes &&
            b.offset < a.offset + a.nbytes)
          invalid("launch: written param ", str(w), " overlaps read param ", str(r), " in the same buffer");
      }
    }
    return bound;
  }

  static tg_error* launch(tg_device* device, tg_executable* executable, const tg_launch_args* args) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "launch: device is NULL");
    const Host& h = host(device);
    if (!executable) return h.error(TG_ERR_INVALID_ARGUMENT, "launch: executable is NULL");
    if (!args) return h.error(TG_ERR_INVALID_ARGUMENT, "launch: args is NULL");
    return guarded(h, "launch", [&] {
      ExecutableBox<P>* exe = box(executable);
      if (exe->device != box(device)) invalid("launch: the executable was compiled for another device");
      const tg_launch_args a = read_in(*args);
      std::vector<LaunchBuffer<Buffer>> bound = bind(device, *exe, a);
#if TG_ABI_MINOR >= 3
      if (a.n_scalars != exe->n_scalars)
        invalid("launch: the program has ", str(exe->n_scalars), " scalar args but ", str(a.n_scalars),
                " scalars were given");
      if (a.n_scalars && !a.scalars) invalid("launch: args->scalars is NULL");
      if constexpr (takes_scalars<Device, ExecutableOf<P>, Buffer>(0)) {
        box(device)->impl->launch(*exe->impl, bound, a.scalars);
      } else {
        if (exe->n_scalars) throw Failure(TG_ERR_UNSUPPORTED, "launch: this device takes no scalar args (TG_KIR_SCALAR_ARGS)");
        box(device)->impl->launch(*exe->impl, bound);
      }
#else
      box(device)->impl->launch(*exe->impl, bound);
#endif
    });
  }

  static tg_error* synchronize(tg_device* device) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "synchronize: device is NULL");
    return guarded(host(device), "synchronize", [&] { box(device)->impl->synchronize(); });
  }

#if TG_ABI_MINOR >= 4
  // Cannot fail: a bad handle or a throwing method gives NULL (no host pointer).
  static void* buffer_host_pointer(tg_device* device, tg_buffer* buffer) noexcept {
    if constexpr (has_host_pointer<Device, Buffer>(0)) {
      if (!device || !buffer || box(buffer)->device != box(device)) return nullptr;
      try {
        return box(device)->impl->host_pointer(*box(buffer)->impl);
      } catch (...) {
        return nullptr;
      }
    } else {
      (void)device;
      (void)buffer;
      return nullptr;
    }
  }
#endif

#if TG_ABI_MINOR >= 5
  // In the table only where the device class has sort_rows (make_api): else the slot is NULL.
  static tg_error* sort_rows(tg_device* device, const tg_sort_args* args) noexcept {
    if (!device) return error_without_handle(TG_ERR_INVALID_ARGUMENT, "sort_rows: device is NULL");
    const Host& h = host(device);
    if (!args) return h.error(TG_ERR_INVALID_ARGUMENT, "sort_rows: args is NULL");
    return guarded(h, "sort_rows", [&] {
      const tg_sort_args a = read_in(*args);
      check_buffer(device, a.keys, 0, 0, "sort_rows", "keys");
      check_buffer(device, a.indices, 0, 0, "sort_rows", "indices");
      const std::string problem = sort_args_problem(a, box(a.keys)->nbytes, box(a.indices)->nbytes);
      if (!problem.empty()) invalid("sort_rows: ", problem);
      const uint64_t key_bytes = sort_args_key_bytes(a), index_bytes = a.rows * a.k * 4;
      if (a.keys == a.indices && key_bytes && a.keys_offset < a.indices_offset + index_bytes &&
          a.indices_offset < a.keys_offset + key_bytes)
        invalid("sort_rows: the keys and the indices overlap in one buffer");
      if constexpr (has_sort_rows<Device, Buffer>(0)) {
        if (a.rows) box(device)->impl->sort_rows(a, *box(a.keys)->impl, *box(a.indices)->impl);
      } else {
        throw Failure(TG_ERR_UNSUPPORTED, "sort_rows: this device does not order keys");
      }
    });
  }
#endif
};

}  // namespace detail

// The table for plugin class P. Constant: no code runs to build it, so get_api stays pure.
template <class P>
constexpr tg_plugin_api make_api(const char* name, const char* version, const char* description,
                                 int32_t priority) {
  using A = detail::Api<P>;
  return tg_plugin_api{sizeof(tg_plugin_api), TG_ABI_MAJOR, TG_ABI_MINOR, name, version, description,
                       priority, 0u,
                       &A::initialize, &A::shutdown,
                       &A::device_count, &A::device_get_props, &A::device_open, &A::device_close,
                       &A::device_get_caps,
                       &A::buffer_alloc, &A::buffer_free, &A::buffer_write, &A::buffer_read, &A::buffer_copy,
                       &A::program_compile, &A::executable_free, &A::launch, &A::synchronize
#if TG_ABI_MINOR >= 4
                       , &A::buffer_host_pointer
#endif
#if TG_ABI_MINOR >= 5
                       , detail::has_sort_rows<typename P::Device, typename P::Device::Buffer>(0) ? &A::sort_rows : nullptr
#endif
  };
}

}  // namespace tg::sdk

// Emits the exported entry point tg_plugin_get_api for PluginClass: it returns the static table
// to a host of major TG_ABI_MAJOR and NULL to any other. Use once per plugin, at global scope.
#define TG_SDK_DEFINE_PLUGIN(PluginClass, name, version, description, priority)                     \
  extern "C" TG_PLUGIN_EXPORT const tg_plugin_api* tg_plugin_get_api(uint32_t host_abi_major,       \
                                                                     uint32_t host_abi_minor) {     \
    static constexpr tg_plugin_api api =                                                            \
        ::tg::sdk::make_api<PluginClass>(name, version, description, priority);                    \
    (void)host_abi_minor;                                                                           \
    return host_abi_major == TG_ABI_MAJOR ? &api : nullptr;                                         \
  }

namespace tg::sdk::detail {
// The score of a probe function as tg_plugin_probe returns it: never negative, and 0 (cannot run
// here) when it throws, since nothing may unwind into the host.
template <class F>
int32_t probe_score(F&& probe) noexcept {
  try {
    const int32_t score = static_cast<int32_t>(probe());
    return score < 0 ? 0 : score;
  } catch (...) {
    return 0;
  }
}
}  // namespace tg::sdk::detail

// Emits the optional entry point tg_plugin_probe from a function `int32_t probe_function()`:
// its score decides the default device when TG_DEVICE is unset (0 = cannot run on this machine,
// higher = preferred; without a probe the core uses the table's priority). The function must be
// cheap and pure, as tg_plugin_probe (plugin.h): no device context, no thread, no allocation
// kept; look for the driver's files (a device node, a library) or an environment variable, not
// for devices. A negative score is returned as 0, and so is an exception. Use at most once per
// plugin, at global scope. `tg conformance` checks the rules (loading/probe).
#define TG_SDK_DEFINE_PROBE(probe_function)                                                          \
  extern "C" TG_PLUGIN_EXPORT int32_t tg_plugin_probe(void) {                                         \
    return ::tg::sdk::detail::probe_score(probe_function);                                            \
  }
