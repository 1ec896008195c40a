// One source, eight purpose-built plugins for the core's ABI negative tests. Each is the
// reference plugin (plugins/ref) behind a wrapper that breaks one thing; which thing is chosen by
// one compile definition (tests/core/broken_plugins/CMakeLists.txt):
//
//   TG_BROKEN_NOENTRY     exports no tg_plugin_get_api (only a misspelt tg_plugin_get_api_v0)
//   TG_BROKEN_WRONGMAJOR  its table says abi_major 2, and get_api returns it to any host
//   TG_BROKEN_NEWERMINOR  abi_minor 7, a table larger than today's with extra trailing slots;
//                         otherwise works exactly as ref
//   TG_BROKEN_MISMATCH    api->name is "othername" in the file libtg-mismatch.so
//   TG_BROKEN_FAILING     buffer_alloc, program_compile and launch return TG_ERR_INTERNAL
//                         ("failing plugin: buffer_alloc refused", ...)
//   TG_BROKEN_THROWING    alloc throws std::bad_alloc, compile and launch throw
//                         std::runtime_error("throwing plugin: boom in compile" / "... in launch"):
//                         the SDK helper must turn them into OUT_OF_MEMORY and INTERNAL errors
//   TG_BROKEN_NODEVICE    device_count returns TG_ERR_UNAVAILABLE "no widget found: /dev/widget0 missing"
//   TG_BROKEN_DECLINING   program_compile declines every program (TG_ERR_UNSUPPORTED "declining
//                         plugin: no programs here"), as a device does one it cannot run: the
//                         core runs it on the reference device
//
// Three more, for default-device selection, in select/ (priority 1000, above every
// real plugin, so a TG_DEVICE-unset program would pick them first):
//   TG_BROKEN_OPENFAILS   device_open returns TG_ERR_UNAVAILABLE "widget busy: /dev/widget0 is in use"
//   TG_BROKEN_BADOPTION   initialize rejects every option ("badoption: unknown option 'x'"), as
//                         a real plugin does a misspelt TG_PLUGIN_OPTIONS_<NAME> key
//   TG_BROKEN_MANYDEVICES device_count says 4294967295 (option count=N: N); every index is ref's
//                         device 0 (priority 1, so only chosen by name)
//
// FAILING and THROWING break all three calls by default. To reach a later call, choose which
// break with the plugin option `fail`, e.g. TG_PLUGIN_OPTIONS_FAILING="fail=launch" (a comma
// list of alloc, compile, launch; "fail=" breaks none). Calls that do not break are ref's.
#include <stdexcept>
#include <string>

#include "ref_plugin.hpp"
#include "tg/plugin.hpp"

#ifndef TG_BROKEN_NAME
#error "define TG_BROKEN_NAME (the plugin's name) and one TG_BROKEN_<MODE>"
#endif

namespace {

using tg::ref::Kernel;
using tg::ref::RefBuffer;
using tg::sdk::Failure;

#if defined(TG_BROKEN_MANYDEVICES)
constexpr bool kManyDevices = true;
#else
constexpr bool kManyDevices = false;
#endif

#if defined(TG_BROKEN_FAILING) || defined(TG_BROKEN_THROWING)
constexpr bool kBreaksCalls = true;
#else
constexpr bool kBreaksCalls = false;
#endif

// Which calls break: the `fail=` option, or all three.
struct Breaks {
  bool alloc = kBreaksCalls, compile = kBreaksCalls, launch = kBreaksCalls;
};

Breaks parse_breaks(const std::string& options) {
  Breaks b;
  const std::string key = "fail=";
  size_t at = options.find(key);
  if (at == std::string::npos) return b;
  std::string list = options.substr(at + key.size());
  list = list.substr(0, list.find(';'));
  b.alloc = list.find("alloc") != std::string::npos;
  b.compile = list.find("compile") != std::string::npos;
  b.launch = list.find("launch") != std::string::npos;
  return b;
}

// The break itself: a returned error (FAILING) or a thrown exception (THROWING).
[[noreturn]] void refuse(const char* call) {
#if defined(TG_BROKEN_THROWING)
  if (std::string(call) == "buffer_alloc") throw std::bad_alloc();
  throw std::runtime_error(std::string("throwing plugin: boom in ") +
                           (std::string(call) == "program_compile" ? "compile" : "launch"));
#else
  throw Failure(TG_ERR_INTERNAL, std::string("failing plugin: ") + call + " refused");
#endif
}

class BrokenDevice {
 public:
  using Buffer = RefBuffer;
  using Executable = Kernel;

  BrokenDevice(std::unique_ptr<tg::ref::RefDevice> ref, Breaks breaks) : ref_(std::move(ref)), breaks_(breaks) {}
  void caps(tg_device_caps& caps) { ref_->caps(caps); }
  std::unique_ptr<RefBuffer> alloc(uint64_t nbytes) {
    if (breaks_.alloc) refuse("buffer_alloc");
    return ref_->alloc(nbytes);
  }
  void write(RefBuffer& dst, uint64_t offset, const void* src, uint64_t n) { ref_->write(dst, offset, src, n); }
  void read(RefBuffer& src, uint64_t offset, void* dst, uint64_t n) { ref_->read(src, offset, dst, n); }
  void copy(RefBuffer& dst, uint64_t d, RefBuffer& src, uint64_t s, uint64_t n) { ref_->copy(dst, d, src, s, n); }
  std::unique_ptr<Kernel> compile(const tg_kir_program& program) {
#if defined(TG_BROKEN_DECLINING)
    throw Failure(TG_ERR_UNSUPPORTED, "declining plugin: no programs here");
#endif
    if (breaks_.compile) refuse("program_compile");
    return ref_->compile(program);
  }
  void launch(Kernel& kernel, const std::vector<tg::sdk::LaunchBuffer<RefBuffer>>& buffers, const tg_kir_scalar* scalars) {
    if (breaks_.launch) refuse("launch");
    ref_->launch(kernel, buffers, scalars);
  }
  void synchronize() { ref_->synchronize(); }

 private:
  std::unique_ptr<tg::ref::RefDevice> ref_;
  Breaks breaks_;
};

class BrokenPlugin {
 public:
  using Device = BrokenDevice;

  explicit BrokenPlugin(const tg_init_args& args) : ref_(without_options(args)), breaks_(parse_breaks(args.options)) {
#if defined(TG_BROKEN_BADOPTION)
    if (args.options && *args.options)
      throw Failure(TG_ERR_INVALID_ARGUMENT, std::string("badoption: unknown option '") + args.options + "'");
#elif defined(TG_BROKEN_MANYDEVICES)
    const std::string options = args.options ? args.options : "";
    if (options.rfind("count=", 0) == 0) count_ = static_cast<uint32_t>(std::stoul(options.substr(6)));
#endif
  }
  uint32_t device_count() {
#if defined(TG_BROKEN_NODEVICE)
    throw Failure(TG_ERR_UNAVAILABLE, "no widget found: /dev/widget0 missing");
#elif defined(TG_BROKEN_MANYDEVICES)
    return count_;
#else
    return ref_.device_count();
#endif
  }
  void device_props(uint32_t index, tg_device_props& props) { ref_.device_props(kManyDevices ? 0 : index, props); }
  std::unique_ptr<BrokenDevice> open(uint32_t index) {
#if defined(TG_BROKEN_OPENFAILS)
    (void)index;
    throw Failure(TG_ERR_UNAVAILABLE, "widget busy: /dev/widget0 is in use");
#else
    return std::make_unique<BrokenDevice>(ref_.open(kManyDevices ? 0 : index), breaks_);
#endif
  }

 private:
  static tg_init_args without_options(tg_init_args args) {
    args.options = "";  // the `fail` option is ours, not ref's
    return args;
  }
  tg::ref::RefPlugin ref_;
  Breaks breaks_;
  uint32_t count_ = 0xffffffffu;  // MANYDEVICES
};

constexpr const char* kDescription = "tg test plugin '" TG_BROKEN_NAME "' (broken on purpose)";

}  // namespace

// ---- the entry point, per mode -------------------------------------------------------------------

#if defined(TG_BROKEN_NOENTRY)

extern "C" TG_PLUGIN_EXPORT const tg_plugin_api* tg_plugin_get_api_v0(uint32_t host_abi_major, uint32_t) {
  static constexpr tg_plugin_api api = tg::sdk::make_api<BrokenPlugin>(TG_BROKEN_NAME, "1.0", kDescription, 1);
  return host_abi_major == TG_ABI_MAJOR ? &api : nullptr;
}

#elif defined(TG_BROKEN_WRONGMAJOR)

namespace {
constexpr tg_plugin_api wrong_major() {
  tg_plugin_api api = tg::sdk::make_api<BrokenPlugin>(TG_BROKEN_NAME, "1.0", kDescription, 1);
  api.abi_major = 2;
  return api;
}
}  // namespace

extern "C" TG_PLUGIN_EXPORT const tg_plugin_api* tg_plugin_get_api(uint32_t, uint32_t) {
  static constexpr tg_plugin_api api = wrong_major();
  return &api;  // even to a host of another major: the host must check abi_major itself
}

#elif defined(TG_BROKEN_NEWERMINOR)

namespace {
// What a 1.7 table might look like: today's slots, then slots a 1.0 core does not know.
struct NewerApi {
  tg_plugin_api v1_0;
  tg_error* (*future_slot[3])(tg_device* device);
};
tg_error* future_slot(tg_device*) {
  return tg::sdk::detail::error_without_handle(TG_ERR_INTERNAL,
                                               "newerminor: a slot past ABI 1.0 was called by a 1.0 host");
}
constexpr NewerApi newer() {
  NewerApi api{tg::sdk::make_api<BrokenPlugin>(TG_BROKEN_NAME, "1.7", kDescription, 1),
               {&future_slot, &future_slot, &future_slot}};
  api.v1_0.struct_size = sizeof(NewerApi);
  api.v1_0.abi_minor = 7;
  return api;
}
}  // namespace

extern "C" TG_PLUGIN_EXPORT const tg_plugin_api* tg_plugin_get_api(uint32_t host_abi_major, uint32_t) {
  static constexpr NewerApi api = newer();
  return host_abi_major == TG_ABI_MAJOR ? &api.v1_0 : nullptr;
}

#elif defined(TG_BROKEN_MISMATCH)

TG_SDK_DEFINE_PLUGIN(BrokenPlugin, "othername", "1.0", kDescription, 1)

#elif defined(TG_BROKEN_FAILING) || defined(TG_BROKEN_THROWING) || defined(TG_BROKEN_NODEVICE) || \
    defined(TG_BROKEN_MANYDEVICES) || defined(TG_BROKEN_DECLINING)

TG_SDK_DEFINE_PLUGIN(BrokenPlugin, TG_BROKEN_NAME, "1.0", kDescription, 1)

#elif defined(TG_BROKEN_OPENFAILS) || defined(TG_BROKEN_BADOPTION)

TG_SDK_DEFINE_PLUGIN(BrokenPlugin, TG_BROKEN_NAME, "1.0", kDescription, 1000)

#else
#error "define one TG_BROKEN_<MODE>"
#endif
