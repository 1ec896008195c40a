// Struct-size tolerance. In-structs (init args, host services, programs, launch args) at exactly
// the 1.0 size with an inaccessible page right after them: the plugin must not read past
// struct_size. The same structs larger than today's, with poison in the tail: it must ignore the
// tail. Out-structs (props, caps) smaller than today's with poison after, or at the page end:
// filled only up to the caller's struct_size; larger ones: filled to at least the 1.0 size.
#include <cstddef>
#include <cstring>
#include <string>

#include "case.hpp"
#include "guarded.hpp"
#include "op_table.hpp"
#include "runner.hpp"

namespace tg::conformance {
namespace {

constexpr unsigned char kPoison = 0xCB;
constexpr size_t kTail = 64;

// The 1.0 size of each struct that grew since (its first field past 1.0 is where 1.0 ended).
template <class T>
constexpr size_t size_1_0() { return sizeof(T); }
#if TG_ABI_MINOR >= 2
template <>
constexpr size_t size_1_0<tg_kir_program>() { return offsetof(tg_kir_program, n_linear_masks); }
template <>
constexpr size_t size_1_0<tg_device_caps>() { return offsetof(tg_device_caps, kir_features); }
#endif
#if TG_ABI_MINOR >= 3
template <>
constexpr size_t size_1_0<tg_launch_args>() { return offsetof(tg_launch_args, n_scalars); }
#endif

// A struct of type T with struct_size = sizeof(T) + kTail, the tail full of poison.
template <class T>
struct Larger {
  T value;
  unsigned char tail[kTail];
  explicit Larger(const T& v) : value(v) {
    std::memset(tail, kPoison, sizeof tail);
    value.struct_size = sizeof(T) + kTail;
  }
};

tg_init_args init_args(const std::string& path, const tg_host_services* host) {
  tg_init_args a;
  std::memset(&a, 0, sizeof a);
  a.struct_size = sizeof a;
  a.host_abi_major = TG_ABI_MAJOR;
  a.host_abi_minor = TG_ABI_MINOR;
  a.core_version = "conformance";
  a.plugin_path = path.c_str();
  a.options = "";
  a.host = host;
  return a;
}

// initialize with these args, then device_count and shutdown.
std::string init_and_count(const tg_plugin_api* api, const tg_init_args* args) {
  tg_plugin* plugin = nullptr;
  const Status s = take(api->initialize(args, &plugin));
  if (!s.ok()) return "initialize: " + s.str();
  if (!plugin) return "initialize gave no handle";
  uint32_t n = 0;
  const Status c = take(api->device_count(plugin, &n));
  api->shutdown(plugin);
  if (!c.ok() && c.code != TG_ERR_UNAVAILABLE) return "device_count: " + c.str();
  return "";
}

Outcome init_exact(Context& ctx) {
  GuardedBlock host_block, args_block;
  const tg_host_services* host = host_block.place(host_services(), sizeof(tg_host_services));
  const tg_init_args* args = args_block.place(init_args(ctx.file().path, host), sizeof(tg_init_args));
  return check(init_and_count(ctx.api(), args));
}

Outcome init_larger(Context& ctx) {
  Larger<tg_host_services> host(host_services());
  Larger<tg_init_args> args(init_args(ctx.file().path, &host.value));
  return check(init_and_count(ctx.api(), &args.value));
}

// A small program: out = x * 2 + 1 over 9 floats (or int32 where float32 is not claimed).
Program small_program(const Session& s, std::vector<std::vector<std::byte>>& in, std::mt19937_64& rng) {
  const uint32_t d = s.claims_dtype(TG_DTYPE_FLOAT32) ? TG_DTYPE_FLOAT32 : TG_DTYPE_INT32;
  Program p;
  p.name = "small";
  p.shape = {9};
  const int x = p.param(d, TG_PARAM_READ, 9);
  in.push_back(random_input(d, 9, Domain{}, rng));
  const int v = p.view({1});
  const int two = d == TG_DTYPE_FLOAT32 ? p.fconst(d, 2) : p.iconst(d, 2);
  const int one = d == TG_DTYPE_FLOAT32 ? p.fconst(d, 1) : p.iconst(d, 1);
  const int out = p.param(d, TG_PARAM_WRITE, 9);
  in.emplace_back();
  p.store(out, v, p.binary(TG_KIR_ADD, p.binary(TG_KIR_MUL, p.load(x, v), two), one));
  return p;
}

// Compiles `prog` (given as a pointer the case placed), launches with `args` built by `make_args`.
template <class MakeArgs>
std::string compile_and_launch(Session& s, const Program& p, const tg_kir_program* prog, MakeArgs make_args) {
  const tg_plugin_api* api = s.api();
  tg_executable* exe = nullptr;
  Status st = take(api->program_compile(s.device(), prog, &exe));
  if (!st.ok()) return "program_compile: " + st.str();
  std::vector<tg_buffer*> bufs(p.params.size(), nullptr);
  std::vector<uint64_t> offsets(p.params.size(), 0);
  std::string why;
  for (size_t q = 0; q < bufs.size() && why.empty(); ++q) {
    st = take(api->buffer_alloc(s.device(), 64, &bufs[q]));
    if (!st.ok()) why = "buffer_alloc: " + st.str();
  }
  if (why.empty()) {
    tg_launch_args a;
    std::memset(&a, 0, sizeof a);
    a.struct_size = sizeof a;
    a.n_buffers = static_cast<uint32_t>(bufs.size());
    a.buffers = bufs.data();
    a.offsets = offsets.data();
    st = take(api->launch(s.device(), exe, make_args(a)));
    if (st.ok()) st = take(api->synchronize(s.device()));
    if (!st.ok()) why = "launch: " + st.str();
  }
  for (tg_buffer* b : bufs)
    if (b) api->buffer_free(s.device(), b);
  api->executable_free(s.device(), exe);
  return why;
}

Outcome program_exact(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("structs");
  std::vector<std::vector<std::byte>> in;
  Session& s = ctx.session();
  const Program p = small_program(s, in, rng);
  GuardedBlock block;
  tg_kir_program v10 = p.abi();
  v10.struct_size = size_1_0<tg_kir_program>();
  const tg_kir_program* prog = block.place(v10, size_1_0<tg_kir_program>());
  return check(compile_and_launch(s, p, prog, [](tg_launch_args& a) { return &a; }));
}

Outcome program_larger(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("structs");
  std::vector<std::vector<std::byte>> in;
  Session& s = ctx.session();
  const Program p = small_program(s, in, rng);
  Larger<tg_kir_program> prog(p.abi());
  return check(compile_and_launch(s, p, &prog.value, [](tg_launch_args& a) { return &a; }));
}

Outcome launch_exact(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("structs");
  std::vector<std::vector<std::byte>> in;
  Session& s = ctx.session();
  const Program p = small_program(s, in, rng);
  const tg_kir_program prog = p.abi();
  GuardedBlock block;
  return check(compile_and_launch(s, p, &prog, [&](tg_launch_args& a) { return block.place(a, sizeof a); }));
}

Outcome launch_larger(Context& ctx) {
  std::mt19937_64 rng = ctx.rng_for("structs");
  std::vector<std::vector<std::byte>> in;
  Session& s = ctx.session();
  const Program p = small_program(s, in, rng);
  const tg_kir_program prog = p.abi();
  std::unique_ptr<Larger<tg_launch_args>> larger;
  return check(compile_and_launch(s, p, &prog, [&](tg_launch_args& a) {
    larger = std::make_unique<Larger<tg_launch_args>>(a);
    return &larger->value;
  }));
}

// An out-struct of `caller` bytes followed by poison: only those bytes may change, and the
// returned struct_size must not exceed them.
template <class T, class Fill>
std::string out_smaller(size_t caller, const char* what, Fill fill) {
  unsigned char bytes[sizeof(T) + kTail];
  std::memset(bytes, kPoison, sizeof bytes);
  T* out = reinterpret_cast<T*>(bytes);
  out->struct_size = caller;
  const Status s = fill(out);
  if (!s.ok()) return std::string(what) + " with struct_size " + std::to_string(caller) + ": " + s.str();
  for (size_t i = caller; i < sizeof bytes; ++i)
    if (bytes[i] != kPoison)
      return std::string(what) + " wrote byte " + std::to_string(i) + " past the caller's struct_size " + std::to_string(caller);
  if (out->struct_size > caller)
    return std::string(what) + " set struct_size to " + std::to_string(out->struct_size) + ", past the caller's " + std::to_string(caller);
  return "";
}

// An out-struct of the 1.0 size at the end of a page, then a larger one: filled to 1.0 at least.
template <class T, class Fill>
std::string out_exact_and_larger(const char* what, Fill fill) {
  constexpr size_t v10 = size_1_0<T>();
  GuardedBlock block;
  T zero;
  std::memset(&zero, 0, sizeof zero);
  zero.struct_size = v10;
  T* exact = block.place(zero, v10);
  Status s = fill(exact);
  if (!s.ok()) return std::string(what) + " at the 1.0 size: " + s.str();
  if (exact->struct_size != v10)
    return std::string(what) + " at the 1.0 size set struct_size to " + std::to_string(exact->struct_size);
  Larger<T> larger(zero);
  s = fill(&larger.value);
  if (!s.ok()) return std::string(what) + " with a larger struct_size: " + s.str();
  if (larger.value.struct_size < v10 || larger.value.struct_size > sizeof(T) + kTail)
    return std::string(what) + " with struct_size " + std::to_string(sizeof(T) + kTail) + " set it to " +
           std::to_string(larger.value.struct_size) + "; expected between the 1.0 size and the caller's";
  if (std::memcmp(reinterpret_cast<const char*>(exact) + sizeof(size_t), reinterpret_cast<const char*>(&larger.value) + sizeof(size_t),
                  v10 - sizeof(size_t)) != 0)
    return std::string(what) + " filled the 1.0 fields differently for a larger struct_size";
  return "";
}

Outcome props(Context& ctx) {
  Session& s = ctx.session();
  auto fill = [&](tg_device_props* p) { return take(s.api()->device_get_props(s.plugin(), 0, p)); };
  std::string why = out_smaller<tg_device_props>(offsetof(tg_device_props, kind), "device_get_props", fill);
  if (why.empty()) why = out_smaller<tg_device_props>(sizeof(size_t), "device_get_props", fill);
  if (why.empty()) why = out_exact_and_larger<tg_device_props>("device_get_props", fill);
  return check(why);
}

Outcome caps(Context& ctx) {
  Session& s = ctx.session();
  auto fill = [&](tg_device_caps* c) { return take(s.api()->device_get_caps(s.device(), c)); };
  std::string why = out_smaller<tg_device_caps>(offsetof(tg_device_caps, ops), "device_get_caps", fill);
  if (why.empty()) why = out_smaller<tg_device_caps>(sizeof(size_t), "device_get_caps", fill);
  if (why.empty()) why = out_exact_and_larger<tg_device_caps>("device_get_caps", fill);
  return check(why);
}

}  // namespace

void add_struct_cases(std::vector<Case>& cases) {
  cases.push_back({"structs/init-args-1.0-then-unreadable", Level::Abi, Needs::Own, init_exact, "", ""});
  cases.push_back({"structs/init-args-larger", Level::Abi, Needs::Own, init_larger, "", ""});
  cases.push_back({"structs/program-1.0-then-unreadable", Level::Quick, Needs::Device, program_exact, "", ""});
  cases.push_back({"structs/program-larger", Level::Quick, Needs::Device, program_larger, "", ""});
  cases.push_back({"structs/launch-args-1.0-then-unreadable", Level::Quick, Needs::Device, launch_exact, "", ""});
  cases.push_back({"structs/launch-args-larger", Level::Quick, Needs::Device, launch_larger, "", ""});
  cases.push_back({"structs/device-props-sizes", Level::Quick, Needs::Device, props, "", ""});
  cases.push_back({"structs/device-caps-sizes", Level::Quick, Needs::Device, caps, "", ""});
}

}  // namespace tg::conformance
