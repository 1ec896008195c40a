#pragma once
// A complete tg device plugin in two classes, written against tg/plugin.hpp. The helper turns
// them into the C ABI: it checks handles and ranges, reads structs up to their struct_size and
// turns exceptions into errors. Replace the bodies with your device's calls: alloc/write/read/
// copy move bytes, compile turns a tg.kir program into something your device runs, launch runs it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "interpreter.hpp"
#include "tg/plugin.hpp"

namespace tmpl {

// Device memory. Here: host memory, 64-byte aligned.
struct Buffer {
  explicit Buffer(uint64_t nbytes);
  std::byte* data() { return bytes.data() + pad; }
  std::vector<std::byte> bytes;
  size_t pad = 0;  // bytes skipped so that data() is 64-byte aligned
};

class Device {
 public:
  using Buffer = tmpl::Buffer;
  using Executable = Interpreter;

  void caps(tg_device_caps& caps);
  std::unique_ptr<Buffer> alloc(uint64_t nbytes);
  void write(Buffer& dst, uint64_t offset, const void* src, uint64_t nbytes);
  void read(Buffer& src, uint64_t offset, void* dst, uint64_t nbytes);
  void copy(Buffer& dst, uint64_t dst_offset, Buffer& src, uint64_t src_offset, uint64_t nbytes);
  std::unique_ptr<Interpreter> compile(const tg_kir_program& program);
  void launch(Interpreter& program, const std::vector<tg::sdk::LaunchBuffer<Buffer>>& buffers);
  void synchronize() {}  // launch finishes before it returns
};

class Plugin {
 public:
  using Device = tmpl::Device;

  explicit Plugin(const tg_init_args& args);
  uint32_t device_count() { return 1; }  // none here? throw Failure(TG_ERR_UNAVAILABLE, "why")
  void device_props(uint32_t index, tg_device_props& props);
  std::unique_ptr<Device> open(uint32_t index);

 private:
  tg::sdk::Host host_;  // to log through the core (shown with TG_PLUGIN_DEBUG=1)
};

}  // namespace tmpl
