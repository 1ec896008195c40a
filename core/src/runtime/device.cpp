// Opened devices: buffers with a caching allocator, the compile cache and launches.
#include <chrono>
#include <cstddef>
#include <cstring>
#include <iostream>

#include "base/internal_check.hpp"
#include "runtime/env.hpp"
#include "runtime/plugin_host.hpp"
#include "runtime/runtime.hpp"
#include "schedule/kir.hpp"
#include "schedule/replay.hpp"
#include "tg/error.hpp"
#include "tg/sort_rows.hpp"

namespace tg::detail {

void SharedStats::in_use_grew(uint64_t n) {
  uint64_t now = bytes_in_use.fetch_add(n, std::memory_order_relaxed) + n;
  uint64_t peak = peak_bytes.load(std::memory_order_relaxed);
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

RuntimeStats SharedStats::snapshot() const {
  RuntimeStats s;
  s.kernels_launched = kernels_launched.load(std::memory_order_relaxed);
  s.kernels_compiled = kernels_compiled.load(std::memory_order_relaxed);
  s.bytes_allocated = bytes_allocated.load(std::memory_order_relaxed);
  s.bytes_in_use = bytes_in_use.load(std::memory_order_relaxed);
  s.peak_bytes = peak_bytes.load(std::memory_order_relaxed);
  s.copies_in = copies_in.load(std::memory_order_relaxed);
  s.copies_out = copies_out.load(std::memory_order_relaxed);
  s.schedules = schedules.load(std::memory_order_relaxed);
  return s;
}

void SharedStats::reset() {
  for (auto* c : {&kernels_launched, &kernels_compiled, &bytes_allocated, &copies_in, &copies_out, &schedules})
    c->store(0, std::memory_order_relaxed);
  peak_bytes.store(bytes_in_use.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

SharedStats& stats() {
  static auto* s = new SharedStats();  // lives until exit: buffers freed at exit still count
  return *s;
}

Device::Device(std::shared_ptr<LoadedPlugin> plugin, uint32_t index, tg_device* handle)
    : plugin_(std::move(plugin)), handle_(handle), name_(plugin_->name + ":" + std::to_string(index)) {
  caps_.struct_size = sizeof(caps_);
  std::lock_guard<std::mutex> lock(plugin_->calls);
  check(api().device_get_caps(handle_, &caps_), "device_get_caps on " + name_);
}

Device::~Device() {
  std::lock_guard<std::mutex> lock(plugin_->calls);
  for (auto& [key, exe] : executables_) api().executable_free(handle_, exe);
  free_cached_locked();
  api().device_close(handle_);
}

const tg_plugin_api& Device::api() const { return *plugin_->api; }

void Device::free_cached() {
  std::lock_guard<std::mutex> lock(plugin_->calls);
  free_cached_locked();
}

void Device::free_cached_locked() {
  for (auto& [size, h] : free_) api().buffer_free(handle_, h);
  free_.clear();
  free_bytes_ = 0;
}

std::shared_ptr<Buffer> Device::alloc(uint64_t nbytes) {
  tg_buffer* h = nullptr;
  {
    std::lock_guard<std::mutex> lock(plugin_->calls);
    if (auto it = free_.find(nbytes); it != free_.end()) {
      h = it->second;
      free_.erase(it);
      free_bytes_ -= nbytes;
    } else {
      tg::sdk::Status s = take(api().buffer_alloc(handle_, nbytes, &h));
      if (s.code == TG_ERR_OUT_OF_MEMORY && !free_.empty()) {  // give the cache back and try once more
        free_cached_locked();
        s = take(api().buffer_alloc(handle_, nbytes, &h));
      }
      if (!s.ok()) throw Error(s.failed("allocating " + std::to_string(nbytes) + " bytes on " + name_));
      stats().add(stats().bytes_allocated, nbytes);
    }
  }
  stats().in_use_grew(nbytes);
  return std::shared_ptr<Buffer>(new Buffer{shared_from_this(), h, nbytes});
}

void Device::release(tg_buffer* handle, uint64_t nbytes) {
  stats().in_use_shrank(nbytes);
  std::lock_guard<std::mutex> lock(plugin_->calls);
  free_.emplace(nbytes, handle);
  free_bytes_ += nbytes;
}

Buffer::~Buffer() { device->release(handle, nbytes); }

void Device::write(Buffer& dst, const void* src, uint64_t nbytes) {
  stats().add(stats().copies_in, 1);
  std::lock_guard<std::mutex> lock(plugin_->calls);
  check(api().buffer_write(handle_, dst.handle, 0, src, nbytes), "buffer_write on " + name_);
}

void Device::read(Buffer& src, void* dst, uint64_t nbytes) {
  stats().add(stats().copies_out, 1);
  std::lock_guard<std::mutex> lock(plugin_->calls);
  check(api().buffer_read(handle_, src.handle, 0, dst, nbytes), "buffer_read on " + name_);
}

void* Device::host_pointer(Buffer& buffer) {
  const tg_plugin_api& a = api();
  // A 1.3 plugin's table ends before the slot: it has no host pointers.
  if (a.struct_size < offsetof(tg_plugin_api, buffer_host_pointer) + sizeof(a.buffer_host_pointer) ||
      !a.buffer_host_pointer)
    return nullptr;
  std::lock_guard<std::mutex> lock(plugin_->calls);
  return a.buffer_host_pointer(handle_, buffer.handle);
}

void Device::sort_rows(Buffer& keys, DType dtype, uint64_t rows, uint64_t n, uint64_t k, bool descending,
                       Buffer& indices) {
  tg_sort_args a{sizeof(tg_sort_args), static_cast<uint32_t>(dtype), descending ? uint32_t(TG_SORT_DESCENDING) : 0u,
                 rows, n, k, keys.handle, 0, indices.handle, 0};
  const std::string problem = tg::sdk::sort_args_problem(a, keys.nbytes, indices.nbytes);
  TG_INTERNAL_CHECK(problem.empty(), "sort_rows on " + name_ + ": " + problem);
  if (rows == 0) return;
  const tg_plugin_api& p = api();
  // A 1.4 plugin's table ends before the slot; a 1.5 plugin may leave it NULL.
  if (p.struct_size >= offsetof(tg_plugin_api, sort_rows) + sizeof(p.sort_rows) && p.sort_rows) {
    std::lock_guard<std::mutex> lock(plugin_->calls);
    check(p.sort_rows(handle_, &a), "sort_rows on " + name_);
    return;
  }
  std::vector<unsigned char> host(tg::sdk::sort_args_key_bytes(a));
  std::vector<int32_t> out(rows * k);
  read(keys, host.data(), host.size());
  tg::sdk::sort_rows_on_host(a, host.data(), out.data());
  write(indices, out.data(), out.size() * sizeof(int32_t));
}

tg_executable* Device::compile(const KirProgram& program, std::string* unsupported_reason) {
  const std::string& key = program.key();
  // Held while the plugin compiles: one call at a time, and a second thread asking for the
  // same program waits for this one instead of compiling it again.
  std::lock_guard<std::mutex> lock(plugin_->calls);
  if (tg_executable* known = executables_.find(key)) return known;
  tg_kir_program p = program.abi();
  p.hash = program.hash();
  tg_executable* exe = nullptr;
  auto t0 = std::chrono::steady_clock::now();
  const tg::sdk::Status s = take(api().program_compile(handle_, &p, &exe));
  if (s.code == TG_ERR_UNSUPPORTED) {
    *unsupported_reason = s.what();
    return nullptr;
  }
  if (!s.ok()) throw Error(s.failed("compiling kernel " + program.name + " on " + name_));
  stats().add(stats().kernels_compiled, 1);
  if (env_int("TG_DEBUG") >= 3)
    std::cerr << "[tg] compiled " << program.name << " in "
              << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() << " ms\n";
  auto evicted = executables_.add(key, exe, static_cast<size_t>(env_int("TG_MAX_PROGRAMS")));
  for (auto& [k, old] : evicted) retire_program(shared_from_this(), old);
  if (!evicted.empty()) forget_schedules();  // (schedules point at programs)
  return exe;
}

void Device::free_program(tg_executable* exe) {
  std::lock_guard<std::mutex> lock(plugin_->calls);
  api().executable_free(handle_, exe);
}

namespace {
struct Retired {
  std::mutex mutex;
  std::vector<std::pair<std::shared_ptr<Device>, tg_executable*>> programs;
};
Retired& retired() {
  static auto* r = new Retired();  // never destroyed: realizes may end during exit
  return *r;
}
std::atomic<int64_t> g_realizes_in_flight{0};
}  // namespace

void retire_program(std::shared_ptr<Device> device, tg_executable* exe) {
  std::lock_guard<std::mutex> lock(retired().mutex);
  retired().programs.emplace_back(std::move(device), exe);
}

RealizeInFlight::RealizeInFlight() { g_realizes_in_flight.fetch_add(1, std::memory_order_acq_rel); }

RealizeInFlight::~RealizeInFlight() {
  if (g_realizes_in_flight.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // The last one out. A realize that starts now cannot reach a retired program: it was taken
  // out of its device's cache, and every schedule that named it was forgotten (replay.cpp).
  std::vector<std::pair<std::shared_ptr<Device>, tg_executable*>> programs;
  {
    std::lock_guard<std::mutex> lock(retired().mutex);
    programs.swap(retired().programs);
  }
  for (auto& [device, exe] : programs) device->free_program(exe);
}

void Device::launch(tg_executable* exe, const std::vector<Buffer*>& buffers, const std::string& kernel_name,
                    const std::vector<uint64_t>& given_offsets, const std::vector<tg_kir_scalar>& scalars) {
  std::vector<tg_buffer*> handles;
  std::vector<uint64_t> offsets = given_offsets;
  offsets.resize(buffers.size(), 0);
  for (Buffer* b : buffers) handles.push_back(b->handle);
  tg_launch_args args{sizeof(tg_launch_args), static_cast<uint32_t>(handles.size()), handles.data(), offsets.data(),
                      static_cast<uint32_t>(scalars.size()), scalars.empty() ? nullptr : scalars.data()};
  auto t0 = std::chrono::steady_clock::now();
  int level = env_int("TG_DEBUG");
  {
    std::lock_guard<std::mutex> lock(plugin_->calls);
    check(api().launch(handle_, exe, &args), "launching kernel " + kernel_name + " on " + name_);
    if (level >= 3) check(api().synchronize(handle_), "synchronize on " + name_);
  }
  stats().add(stats().kernels_launched, 1);
  if (level >= 1) {
    std::cerr << "[tg] " << name_ << " " << kernel_name;
    if (level >= 3)
      std::cerr << " " << std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()
                << " ms";
    std::cerr << "\n";
  }
}

void Device::synchronize() {
  std::lock_guard<std::mutex> lock(plugin_->calls);
  check(api().synchronize(handle_), "synchronize on " + name_);
}

}  // namespace tg::detail
