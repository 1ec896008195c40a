// Lifecycle: init / shutdown cycles, two plugin instances at once, closing and reopening a
// device, buffers and executables freed in any order, an executable reused on other buffers,
// and a process that exits without shutdown.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "case.hpp"
#include "runner.hpp"
#include "values.hpp"

namespace tg::conformance {
namespace {

// out = x + 1 over 16 elements of float32 (int32 where float32 is not claimed).
struct Tiny {
  Program p;
  uint32_t d;
  explicit Tiny(bool f32) : d(f32 ? TG_DTYPE_FLOAT32 : TG_DTYPE_INT32) {
    p.name = "tiny";
    p.shape = {16};
    const int v = p.view({1});
    const int x = p.param(d, TG_PARAM_READ, 16), out = p.param(d, TG_PARAM_WRITE, 16);
    const int one = f32 ? p.fconst(d, 1) : p.iconst(d, 1);
    p.store(out, v, p.binary(TG_KIR_ADD, p.load(x, v), one));
  }
  // Runs exe on fresh buffers with x[i] = base + i; checks out[i] = base + i + 1.
  std::string run(const tg_plugin_api* api, tg_device* dev, tg_executable* exe, int base) const {
    std::vector<std::byte> in(64), out(64);
    for (int i = 0; i < 16; ++i) {
      if (d == TG_DTYPE_FLOAT32) encode_float(d, base + i, in.data() + 4 * i);
      else encode_int(d, base + i, in.data() + 4 * i);
    }
    tg_buffer* bufs[2] = {nullptr, nullptr};
    uint64_t offs[2] = {0, 0};
    Status s = take(api->buffer_alloc(dev, 64, &bufs[0]));
    if (s.ok()) s = take(api->buffer_alloc(dev, 64, &bufs[1]));
    if (s.ok()) s = take(api->buffer_write(dev, bufs[0], 0, in.data(), 64));
    tg_launch_args a{sizeof(tg_launch_args), 2, bufs, offs, 0, nullptr};
    if (s.ok()) s = take(api->launch(dev, exe, &a));
    if (s.ok()) s = take(api->synchronize(dev));
    if (s.ok()) s = take(api->buffer_read(dev, bufs[1], 0, out.data(), 64));
    for (tg_buffer* b : bufs)
      if (b) api->buffer_free(dev, b);
    if (!s.ok()) return s.str();
    for (int i = 0; i < 16; ++i) {
      const long double got = d == TG_DTYPE_FLOAT32 ? decode_float(d, out.data() + 4 * i) : static_cast<long double>(decode_int(d, out.data() + 4 * i));
      if (got != base + i + 1) return "out[" + std::to_string(i) + "] is " + std::to_string(static_cast<double>(got)) + ", expected " + std::to_string(base + i + 1);
    }
    return "";
  }
};

// One plugin instance: initialize, device 0, a compiled Tiny. Errors name the step.
struct Instance {
  const tg_plugin_api* api;
  tg_plugin* plugin = nullptr;
  tg_device* dev = nullptr;
  tg_executable* exe = nullptr;
  std::string why;
  Tiny tiny{true};

  Instance(const tg_plugin_api* a, const std::string& path) : api(a) {
    Status s = initialize(api, path, &plugin);
    if (!s.ok()) { why = "initialize: " + s.str(); return; }
    s = take(api->device_open(plugin, 0, &dev));
    if (!s.ok()) { why = "device_open: " + s.str(); return; }
    tg_device_caps caps{};
    caps.struct_size = sizeof caps;
    s = take(api->device_get_caps(dev, &caps));
    if (!s.ok()) { why = "device_get_caps: " + s.str(); return; }
    tiny = Tiny(((caps.dtypes >> TG_DTYPE_FLOAT32) & 1u) != 0);
    const tg_kir_program prog = tiny.p.abi();
    s = take(api->program_compile(dev, &prog, &exe));
    if (!s.ok()) why = "program_compile: " + s.str();
  }
  ~Instance() {
    if (exe) api->executable_free(dev, exe);
    if (dev) api->device_close(dev);
    if (plugin) api->shutdown(plugin);
  }
  std::string run(int base) { return why.empty() ? tiny.run(api, dev, exe, base) : why; }
};

Outcome cycles(Context& ctx) {
  for (int i = 0; i < 5; ++i) {
    Instance inst(ctx.api(), ctx.file().path);
    const std::string why = inst.run(10 * i);
    if (!why.empty()) return fail("cycle " + std::to_string(i + 1) + " of initialize/shutdown: " + why);
  }
  for (int i = 0; i < 3; ++i) {  // initialize and shut down with nothing in between
    tg_plugin* plugin = nullptr;
    const Status s = initialize(ctx.api(), ctx.file().path, &plugin);
    if (!s.ok()) return fail("initialize right after a shutdown: " + s.str());
    ctx.api()->shutdown(plugin);
  }
  return pass();
}

Outcome two_instances(Context& ctx) {
  auto a = std::make_unique<Instance>(ctx.api(), ctx.file().path);
  auto b = std::make_unique<Instance>(ctx.api(), ctx.file().path);
  std::string why = a->run(1);
  if (why.empty()) why = b->run(2);
  a.reset();  // the first one created goes first
  if (why.empty()) why = b->run(3);
  return check(why.empty() ? "" : "two plugin instances at once: " + why);
}

Outcome reopen(Context& ctx) {
  tg_plugin* plugin = nullptr;
  Status s = initialize(ctx.api(), ctx.file().path, &plugin);
  if (!s.ok()) return fail("initialize: " + s.str());
  std::string why;
  for (int i = 0; i < 3 && why.empty(); ++i) {
    tg_device* dev = nullptr;
    s = take(ctx.api()->device_open(plugin, 0, &dev));
    if (!s.ok()) { why = "device_open after device_close: " + s.str(); break; }
    tg_buffer* b = nullptr;
    s = take(ctx.api()->buffer_alloc(dev, 128, &b));
    if (!s.ok()) why = "buffer_alloc: " + s.str();
    if (b) ctx.api()->buffer_free(dev, b);
    ctx.api()->device_close(dev);
  }
  ctx.api()->shutdown(plugin);
  return check(why);
}

// Executables and buffers freed in orders other than creation, one executable on many buffers.
Outcome any_order(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  const Tiny tiny(s.claims_dtype(TG_DTYPE_FLOAT32));
  const tg_kir_program prog = tiny.p.abi();
  tg_executable* e[3] = {nullptr, nullptr, nullptr};
  for (auto& x : e) {
    const Status st = take(api->program_compile(s.device(), &prog, &x));
    if (!st.ok()) return fail("program_compile: " + st.str());
  }
  std::vector<tg_buffer*> bufs(6, nullptr);
  for (auto& b : bufs) {
    const Status st = take(api->buffer_alloc(s.device(), 256, &b));
    if (!st.ok()) return fail("buffer_alloc: " + st.str());
  }
  api->buffer_free(s.device(), bufs[3]);
  api->executable_free(s.device(), e[1]);  // the middle one first
  std::string why = tiny.run(api, s.device(), e[2], 5);
  api->buffer_free(s.device(), bufs[0]);
  api->executable_free(s.device(), e[2]);
  if (why.empty()) why = tiny.run(api, s.device(), e[0], 7);
  for (int i : {5, 1, 4, 2}) api->buffer_free(s.device(), bufs[static_cast<size_t>(i)]);
  if (why.empty()) why = tiny.run(api, s.device(), e[0], 9);  // after every other object is gone
  api->executable_free(s.device(), e[0]);
  return check(why);
}

// The process exits (running static destructors) with the plugin initialized, a device open and
// objects alive: the core may leave them so at exit. It must exit cleanly. Runs in a fresh child
// (Needs::Pristine) and forks once more, so the exiting process never used the plugin before.
Outcome exit_without_shutdown(Context& ctx) {
  if (!ctx.api()) return fail("the plugin gave no table for ABI 1");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return fail("fork failed");
  if (pid == 0) {
    Instance* leaked = new Instance(ctx.api(), ctx.file().path);
    const std::string why = leaked->run(3);
    std::exit(why.empty() ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return fail("exiting without shutdown crashed: signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return fail(WEXITSTATUS(status) == 3 ? "the tiny program failed before exit" : "exiting without shutdown gave exit status " + std::to_string(WEXITSTATUS(status)));
  return pass();
}

Outcome reuse(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("lifecycle/reuse");
  Session& s = ctx.session();
  const uint32_t d = s.claims_dtype(TG_DTYPE_FLOAT32) ? TG_DTYPE_FLOAT32 : TG_DTYPE_INT32;
  Program p;
  p.name = "reused";
  p.shape = {33, 9};
  const int x = p.param(d, TG_PARAM_READ, 33 * 9), out = p.param(d, TG_PARAM_WRITE, 33);
  p.store(out, p.view({1, 0}), p.reduce(TG_REDUCE_SUM, 0b10, p.load(x, p.view({9, 1}))));
  return run_and_compare(s, p, {random_input(d, 33 * 9, Domain{}, rng), {}}, 3);
}

}  // namespace

void add_lifecycle_cases(std::vector<Case>& cases) {
  cases.push_back({"lifecycle/executable-relaunched", Level::Quick, Needs::Device, reuse, "", ""});
  cases.push_back({"lifecycle/objects-freed-in-any-order", Level::Quick, Needs::Device, any_order, "", ""});
  cases.push_back({"lifecycle/init-shutdown-cycles", Level::Quick, Needs::Own, cycles, "", ""});
  cases.push_back({"lifecycle/device-close-and-reopen", Level::Quick, Needs::Own, reopen, "", ""});
  cases.push_back({"lifecycle/two-plugin-instances", Level::Quick, Needs::Own, two_instances, "", ""});
  // Pristine: it forks, and a fork of a process where the plugin ran may have lost its threads.
  cases.push_back({"lifecycle/exit-without-shutdown", Level::Quick, Needs::Pristine, exit_without_shutdown, "", ""});
}

}  // namespace tg::conformance
