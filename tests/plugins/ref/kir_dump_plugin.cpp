// libtg-ref.so as the GPU plugins' compile tests harvest it: the reference plugin (plugins/ref)
// whose compile also writes every program it accepts to TG_KIR_DUMP=<dir> (kir_dump.hpp). Built
// into a directory of its own (build/tests/kir-dump-plugin/) under the ref plugin's name, so a
// suite run with TG_PLUGIN_PATH pointing there (hip_dump_suite.cmake) runs on it as TG_DEVICE=ref,
// and the plugin users get has no dump code.
#include <memory>
#include <string>
#include <utility>

#include "kir_dump.hpp"
#include "ref_plugin.hpp"

namespace tg::ref {

class DumpingDevice : public RefDevice {
 public:
  DumpingDevice(RefDevice&& device, std::string dir) : RefDevice(std::move(device)), dir_(std::move(dir)) {}
  std::unique_ptr<Kernel> compile(const tg_kir_program& program) {
    auto kernel = RefDevice::compile(program);  // validates it first: only accepted programs are dumped
    if (!dir_.empty()) dump_program(dir_, program);
    return kernel;
  }

 private:
  std::string dir_;
};

class DumpingPlugin {
 public:
  using Device = DumpingDevice;
  explicit DumpingPlugin(const tg_init_args& args) : ref_(args) {}
  uint32_t device_count() { return ref_.device_count(); }
  void device_props(uint32_t index, tg_device_props& props) { ref_.device_props(index, props); }
  std::unique_ptr<DumpingDevice> open(uint32_t index) {
    return std::make_unique<DumpingDevice>(std::move(*ref_.open(index)), kir_dump_dir_from_environment());
  }

 private:
  RefPlugin ref_;
};

}  // namespace tg::ref

TG_SDK_DEFINE_PLUGIN(tg::ref::DumpingPlugin, "ref", "1.0 (dumps tg.kir programs)",
                     "reference interpreter that writes every program it compiles to TG_KIR_DUMP", 1)
