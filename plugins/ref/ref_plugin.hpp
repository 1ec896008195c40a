#pragma once
// The reference plugin's classes, written against the SDK helper (tg/plugin.hpp): one CPU device
// whose buffers are host memory and whose executables are tg.kir interpreters (interpreter.hpp).
// The entry point is in ref_entry.cpp, so test plugins (tests/core/broken_plugins/, the dumping
// one of tests/plugins/ref/) can reuse these classes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "interpreter.hpp"
#include "tg/plugin.hpp"

namespace tg::ref {

// 64-byte aligned, zero-filled host memory.
class RefBuffer {
 public:
  static constexpr size_t kAlign = 64;
  explicit RefBuffer(uint64_t nbytes);
  std::byte* data() { return data_.get(); }

 private:
  struct Free {
    void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t{kAlign}); }
  };
  std::unique_ptr<std::byte, Free> data_;
};

class RefDevice {
 public:
  using Buffer = RefBuffer;
  using Executable = Kernel;

  explicit RefDevice(uint64_t max_alloc) : max_alloc_(max_alloc) {}
  void caps(tg_device_caps& caps);
  std::unique_ptr<RefBuffer> alloc(uint64_t nbytes);
  void write(RefBuffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
  void read(RefBuffer& src, uint64_t offset, void* dst, uint64_t nbytes);
  void* host_pointer(RefBuffer& b) { return b.data(); }  // buffers are host memory (ABI 1.4)
  void copy(RefBuffer& dst, uint64_t dst_offset, RefBuffer& src, uint64_t src_offset, uint64_t nbytes);
  // ABI 1.5: each row's sorted positions, by tg/sort_rows.hpp (the executable form of sort-order).
  void sort_rows(const tg_sort_args& args, RefBuffer& keys, RefBuffer& indices);
  std::unique_ptr<Kernel> compile(const tg_kir_program& program);
  void launch(Kernel& kernel, const std::vector<tg::sdk::LaunchBuffer<RefBuffer>>& buffers, const tg_kir_scalar* scalars);
  void synchronize() {}  // launch runs to completion before it returns

 private:
  uint64_t max_alloc_;
};

class RefPlugin {
 public:
  using Device = RefDevice;

  explicit RefPlugin(const tg_init_args& args);
  uint32_t device_count() { return 1; }
  void device_props(uint32_t index, tg_device_props& props);
  std::unique_ptr<RefDevice> open(uint32_t index);

 private:
  tg::sdk::Host host_;
  uint64_t memory_bytes_;  // the machine's physical memory; 0 if unknown
};

}  // namespace tg::ref
