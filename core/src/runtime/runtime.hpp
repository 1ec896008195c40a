#pragma once
// The plugin host's view of devices: opened devices, their buffers (with a caching allocator),
// compiled programs (cached by content) and launches. Private to the core.
//
// Threads: a Device is shared by every thread that uses it. Its buffer cache and compiled
// programs, and every call into its plugin, are under the plugin's lock (LoadedPlugin::calls):
// the ABI promises a plugin one call at a time (tg/plugin.h, THREADING).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/program_cache.hpp"
#include "tg/device.hpp"
#include "tg/dtype.hpp"
#include "tg/error.hpp"
#include "tg/host.hpp"
#include "tg/plugin.h"

namespace tg::detail {

struct LoadedPlugin;
struct Buffer;
struct KirProgram;

// Throws tg::Error if err is set (and frees it); `what` says which call failed.
inline void check(tg_error* err, const std::string& what) { tg::sdk::check<Error>(err, what); }
using tg::sdk::take;

// The counters behind tg::runtime_stats(), updated by any thread.
struct SharedStats {
  std::atomic<uint64_t> kernels_launched{0}, kernels_compiled{0}, bytes_allocated{0}, bytes_in_use{0},
      peak_bytes{0}, copies_in{0}, copies_out{0}, schedules{0};
  void add(std::atomic<uint64_t>& counter, uint64_t n) { counter.fetch_add(n, std::memory_order_relaxed); }
  // bytes_in_use grows by n (peak_bytes follows) or shrinks by n.
  void in_use_grew(uint64_t n);
  void in_use_shrank(uint64_t n) { bytes_in_use.fetch_sub(n, std::memory_order_relaxed); }
  RuntimeStats snapshot() const;
  void reset();  // all but bytes_in_use (peak_bytes starts again from it)
};
SharedStats& stats();

// A program evicted from a device's cache (TG_MAX_PROGRAMS) may still be in use on another
// thread: one running a cached schedule that launches it, or one between compiling and launching
// it. So eviction retires it instead of freeing it, and it is freed when no realize() is in
// flight on any thread (the last RealizeInFlight to end frees what was retired).
class Device;
void retire_program(std::shared_ptr<Device> device, tg_executable* exe);
struct RealizeInFlight {
  RealizeInFlight();
  ~RealizeInFlight();
  RealizeInFlight(const RealizeInFlight&) = delete;
  RealizeInFlight& operator=(const RealizeInFlight&) = delete;
};

class Device : public std::enable_shared_from_this<Device> {
 public:
  Device(std::shared_ptr<LoadedPlugin> plugin, uint32_t index, tg_device* handle);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const std::string& name() const { return name_; }  // "ref:0"
  const tg_device_caps& caps() const { return caps_; }
  const tg_plugin_api& api() const;

  std::shared_ptr<Buffer> alloc(uint64_t nbytes);
  void write(Buffer& dst, const void* src, uint64_t nbytes);
  void read(Buffer& src, void* dst, uint64_t nbytes);
  // The buffer's bytes in this process's memory where the device's buffers are host memory
  // (ABI 1.4 buffer_host_pointer), else nullptr. Touch them only after synchronize().
  void* host_pointer(Buffer& buffer);
  // For each of `rows` rows of n keys of dtype in `keys`, the positions of its first k keys in
  // sort-order (tg/plugin.h) into `indices` (rows x k int32): the plugin's sort_rows (ABI 1.5),
  // or, for a plugin without one, on the host (the keys read, ordered, the indices written).
  void sort_rows(Buffer& keys, DType dtype, uint64_t rows, uint64_t n, uint64_t k, bool descending, Buffer& indices);
  // Compiled once per distinct program; nullptr (with reason) if the device declines it.
  tg_executable* compile(const KirProgram& program, std::string* unsupported_reason);
  // offsets: each buffer's start in bytes (none: 0); scalars: the program's scalar args.
  void launch(tg_executable* exe, const std::vector<Buffer*>& buffers, const std::string& kernel_name,
              const std::vector<uint64_t>& offsets = {}, const std::vector<tg_kir_scalar>& scalars = {});
  void synchronize();
  void release(tg_buffer* handle, uint64_t nbytes);  // back to the cache
  void free_cached();
  void free_program(tg_executable* exe);  // one that retire_program() held back

 private:
  void free_cached_locked();  // with plugin_->calls held
  std::shared_ptr<LoadedPlugin> plugin_;
  tg_device* handle_;
  std::string name_;
  tg_device_caps caps_{};
  std::multimap<uint64_t, tg_buffer*> free_;  // the caching allocator: size -> idle buffers
  uint64_t free_bytes_ = 0;
  ProgramCache executables_;  // program content -> compiled (bounded: TG_MAX_PROGRAMS)
};

struct Buffer {
  std::shared_ptr<Device> device;
  tg_buffer* handle;
  uint64_t nbytes;
  ~Buffer();
};

// The device named by spec ("ref", "ref:1"); throws tg::Error saying why it cannot be had.
std::shared_ptr<Device> get_device(const std::string& spec);
std::shared_ptr<Device> default_device();
void set_default_device(const std::string& spec);
// Every opened device (for synchronize()).
std::vector<std::shared_ptr<Device>> opened_devices();

}  // namespace tg::detail
