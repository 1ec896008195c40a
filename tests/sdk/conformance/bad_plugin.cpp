// Plugins that each break one rule the conformance suite checks, so the tests can show that the
// suite notices (tests/sdk/conformance/CMakeLists.txt). Each is the template plugin (sdk/template)
// with one defect, chosen by one compile definition:
//   BAD_WRONG_MATH    float32 ADD computes MAX instead            -> ops/ADD/float32/* fail
//   BAD_OOB_STORE     launch writes one byte past the last param  -> guard bytes catch it
//   BAD_CLAIM_LIE     caps claim float16 but compile refuses it   -> capability honesty fails
//   BAD_CRASH         launch of a NEG program raises SIGSEGV      -> that case fails, the run goes on
//   BAD_HANG          launch of a NEG program never returns       -> that case times out
//   BAD_LEAK          every buffer also leaks its size in memory  -> allocation churn fails
//   BAD_STRUCT_READ   initialize reads past the args' struct_size -> the guard page catches it
//   BAD_EXTRA_EXPORT  exports a third symbol                       -> loading/exports fails
//   BAD_PROBE_THREAD  tg_plugin_probe starts a thread             -> loading/probe fails
//   BAD_OFFSET_ALIGN  launch rounds offsets down to 8 bytes       -> rules/launch-offsets fails
// and, with BAD_SEMANTICS, one broken rule of plugin.h's SEMANTICS (bad_semantics.hpp)
//                                                                 -> its rules/ case fails quoting it
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "template_plugin.hpp"
#ifdef BAD_SEMANTICS
#include "bad_semantics.hpp"
#endif

#ifndef BAD_NAME
#error "define BAD_NAME and one BAD_<DEFECT>"
#endif

namespace {

using tg::sdk::Failure;

bool uses(const tg_kir_program& p, uint32_t op) {
  for (uint32_t i = 0; i < p.n_nodes; ++i)
    if (p.nodes[i].op == op) return true;
  return false;
}

class BadDevice {
 public:
  using Buffer = tmpl::Buffer;
  using Executable = tmpl::Interpreter;

  void caps(tg_device_caps& caps) { inner_.caps(caps); }
  std::unique_ptr<Buffer> alloc(uint64_t nbytes) {
#ifdef BAD_LEAK
    auto* leaked = new std::vector<std::byte>(nbytes, std::byte{1});  // never freed
    (void)leaked;
#endif
    return inner_.alloc(nbytes);
  }
  void write(Buffer& d, uint64_t o, const void* s, uint64_t n) { inner_.write(d, o, s, n); }
  void read(Buffer& s, uint64_t o, void* d, uint64_t n) { inner_.read(s, o, d, n); }
  void copy(Buffer& d, uint64_t dof, Buffer& s, uint64_t sof, uint64_t n) { inner_.copy(d, dof, s, sof, n); }
  std::unique_ptr<Executable> compile(const tg_kir_program& program) {
    tg_kir_program p = program;
    std::vector<tg_kir_node> nodes(program.nodes, program.nodes + program.n_nodes);
#ifdef BAD_WRONG_MATH
    for (auto& n : nodes)
      if (n.op == TG_KIR_ADD && n.dtype == TG_DTYPE_FLOAT32) n.op = TG_KIR_MAX;
#endif
#ifdef BAD_CLAIM_LIE
    for (const auto& n : nodes)
      if (n.dtype == TG_DTYPE_FLOAT16) throw Failure(TG_ERR_UNSUPPORTED, "bad plugin: float16 is not supported after all");
#endif
#ifdef BAD_SEMANTICS
    bad::Rewritten broken = bad::rewrite(program);  // (alive until inner_.compile has copied it)
    nodes = broken.nodes;
#if TG_ABI_MINOR >= 3
    if (!broken.scalar_args.empty()) p.scalar_args = broken.scalar_args.data();
#endif
#endif
    p.nodes = nodes.data();
    p.n_nodes = static_cast<uint32_t>(nodes.size());
    neg_ = uses(program, TG_KIR_NEG);
    return inner_.compile(p);
  }
  void launch(Executable& e, const std::vector<tg::sdk::LaunchBuffer<Buffer>>& buffers) {
#if defined(BAD_CRASH)
    if (neg_) raise(SIGSEGV);
#elif defined(BAD_HANG)
    if (neg_)
      for (;;) pause();
#endif
#ifdef BAD_OFFSET_ALIGN
    std::vector<tg::sdk::LaunchBuffer<Buffer>> aligned = buffers;  // offsets rounded down to 8 bytes
    for (auto& b : aligned) b.offset &= ~uint64_t{7};
    inner_.launch(e, aligned);
#else
    inner_.launch(e, buffers);
#endif
#ifdef BAD_OOB_STORE
    if (!buffers.empty()) buffers.back().buffer->data()[buffers.back().offset + buffers.back().nbytes] = std::byte{0xEE};
#endif
  }
  void synchronize() {}

 private:
  tmpl::Device inner_;
  bool neg_ = false;  // the latest compiled program has a NEG (good enough for one-at-a-time cases)
};

class BadPlugin {
 public:
  using Device = BadDevice;
  explicit BadPlugin(const tg_init_args& args) : inner_(args) {}
  uint32_t device_count() { return 1; }
  void device_props(uint32_t i, tg_device_props& props) { inner_.device_props(i, props); }
  std::unique_ptr<BadDevice> open(uint32_t) { return std::make_unique<BadDevice>(); }

 private:
  tmpl::Plugin inner_;
};

}  // namespace

#ifdef BAD_STRUCT_READ
// The table of the helper, with an initialize that first reads 8 bytes past args->struct_size.
namespace {
constexpr tg_plugin_api kHelperApi = tg::sdk::make_api<BadPlugin>(BAD_NAME, "1.0", "reads past struct_size", 0);
tg_error* initialize_reading_past(const tg_init_args* args, tg_plugin** out) {
  if (args) {
    volatile const char* past = reinterpret_cast<const char*>(args) + args->struct_size;
    (void)past[7];
  }
  return kHelperApi.initialize(args, out);
}
}  // namespace
extern "C" TG_PLUGIN_EXPORT const tg_plugin_api* tg_plugin_get_api(uint32_t major, uint32_t) {
  static const tg_plugin_api api = [] {
    tg_plugin_api a = kHelperApi;
    a.initialize = initialize_reading_past;
    return a;
  }();
  return major == TG_ABI_MAJOR ? &api : nullptr;
}
#else
TG_SDK_DEFINE_PLUGIN(BadPlugin, BAD_NAME, "1.0", "a plugin with one defect (conformance tests)", 0)
#endif

#ifdef BAD_EXTRA_EXPORT
extern "C" TG_PLUGIN_EXPORT int tg_bad_helper_symbol(void) { return 1; }
#endif

#ifdef BAD_PROBE_THREAD
extern "C" TG_PLUGIN_EXPORT int32_t tg_plugin_probe(void) {
  std::thread([] { sleep(60); }).detach();
  return 1;
}
#endif
