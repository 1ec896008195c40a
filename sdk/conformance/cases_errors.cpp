// Errors: calls that must fail do so with the right code and a non-empty UTF-8 message, and
// never crash (each case runs in a child process, so a crash fails only that case):
//   NULL handles and out-pointers, a device index past the count, transfers outside a buffer,
//   NULL host pointers -> INVALID_ARGUMENT; impossible allocations -> OUT_OF_MEMORY naming the
//   size; what tg.kir 1.0 does not have (an op, dtype or reduce kind past its lists, more than
//   8 dims) -> UNSUPPORTED; malformed programs and launches that do not fit the program ->
//   INVALID_ARGUMENT (at compile, or at launch for a program that compiled).
#include <cstring>
#include <functional>
#include <string>

#include "case.hpp"
#include "op_table.hpp"
#include "runner.hpp"

namespace tg::conformance {
namespace {

constexpr int32_t kInvalid = TG_ERR_INVALID_ARGUMENT;

// The first failed expectation of a list of calls.
struct Expect {
  std::string why;
  void operator()(const std::string& call, tg_error* e, int32_t code) {
    const Status s = take(e);
    if (why.empty()) why = expect_error(call, s, code);
  }
};

struct Buffer {
  const tg_plugin_api* api;
  tg_device* dev;
  tg_buffer* b = nullptr;
  Buffer(Session& s, uint64_t n) : api(s.api()), dev(s.device()) {
    const Status st = take(api->buffer_alloc(dev, n, &b));
    if (!st.ok()) throw std::runtime_error("buffer_alloc(" + std::to_string(n) + ") failed: " + st.str());
  }
  ~Buffer() {
    if (b) api->buffer_free(dev, b);
  }
};

Outcome null_handles(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  Buffer buf(s, 64);
  unsigned char host[8] = {};
  uint32_t n = 0;
  tg_device_props props{};
  props.struct_size = sizeof props;
  tg_device_caps caps{};
  caps.struct_size = sizeof caps;
  tg_device* dev = nullptr;
  tg_buffer* b = nullptr;
  tg_executable* exe = nullptr;
  Program p;
  p.shape = {1};
  p.store(p.param(TG_DTYPE_INT32, TG_PARAM_WRITE, 1), p.view({1}), p.iconst(TG_DTYPE_INT32, 1));
  const tg_kir_program prog = p.abi();
  tg_launch_args args{};
  args.struct_size = sizeof args;
  Expect e;
  e("device_count(NULL plugin)", api->device_count(nullptr, &n), kInvalid);
  e("device_get_props(NULL plugin)", api->device_get_props(nullptr, 0, &props), kInvalid);
  e("device_open(NULL plugin)", api->device_open(nullptr, 0, &dev), kInvalid);
  e("device_get_caps(NULL device)", api->device_get_caps(nullptr, &caps), kInvalid);
  e("buffer_alloc(NULL device)", api->buffer_alloc(nullptr, 8, &b), kInvalid);
  e("buffer_write(NULL device)", api->buffer_write(nullptr, buf.b, 0, host, 8), kInvalid);
  e("buffer_read(NULL device)", api->buffer_read(nullptr, buf.b, 0, host, 8), kInvalid);
  e("buffer_copy(NULL device)", api->buffer_copy(nullptr, buf.b, 0, buf.b, 32, 8), kInvalid);
  e("program_compile(NULL device)", api->program_compile(nullptr, &prog, &exe), kInvalid);
  e("launch(NULL device)", api->launch(nullptr, exe, &args), kInvalid);
  e("synchronize(NULL device)", api->synchronize(nullptr), kInvalid);
  e("buffer_write(NULL buffer)", api->buffer_write(s.device(), nullptr, 0, host, 8), kInvalid);
  e("buffer_read(NULL buffer)", api->buffer_read(s.device(), nullptr, 0, host, 8), kInvalid);
  e("buffer_copy(NULL dst)", api->buffer_copy(s.device(), nullptr, 0, buf.b, 0, 8), kInvalid);
  e("buffer_copy(NULL src)", api->buffer_copy(s.device(), buf.b, 0, nullptr, 0, 8), kInvalid);
  e("program_compile(NULL program)", api->program_compile(s.device(), nullptr, &exe), kInvalid);
  e("launch(NULL executable)", api->launch(s.device(), nullptr, &args), kInvalid);
  return check(e.why);
}

Outcome null_outputs(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  Program p;
  p.shape = {1};
  p.store(p.param(TG_DTYPE_INT32, TG_PARAM_WRITE, 1), p.view({1}), p.iconst(TG_DTYPE_INT32, 1));
  const tg_kir_program prog = p.abi();
  unsigned char host[8] = {};
  Buffer buf(s, 64);
  Expect e;
  e("device_count(out_count NULL)", api->device_count(s.plugin(), nullptr), kInvalid);
  e("device_get_props(out_props NULL)", api->device_get_props(s.plugin(), 0, nullptr), kInvalid);
  e("device_open(out_device NULL)", api->device_open(s.plugin(), 0, nullptr), kInvalid);
  e("device_get_caps(out_caps NULL)", api->device_get_caps(s.device(), nullptr), kInvalid);
  e("buffer_alloc(out_buffer NULL)", api->buffer_alloc(s.device(), 8, nullptr), kInvalid);
  e("program_compile(out_executable NULL)", api->program_compile(s.device(), &prog, nullptr), kInvalid);
  e("buffer_write(src NULL, 8 bytes)", api->buffer_write(s.device(), buf.b, 0, nullptr, 8), kInvalid);
  e("buffer_read(dst NULL, 8 bytes)", api->buffer_read(s.device(), buf.b, 0, nullptr, 8), kInvalid);
  (void)host;
  return check(e.why);
}

Outcome bad_index(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  const uint32_t n = s.device_count();
  tg_device_props props{};
  props.struct_size = sizeof props;
  tg_device* dev = nullptr;
  Expect e;
  e("device_get_props(index = count)", api->device_get_props(s.plugin(), n, &props), kInvalid);
  e("device_open(index = count)", api->device_open(s.plugin(), n, &dev), kInvalid);
  if (dev) api->device_close(dev);
  dev = nullptr;
  e("device_open(index = UINT32_MAX)", api->device_open(s.plugin(), 0xffffffffu, &dev), kInvalid);
  if (dev) api->device_close(dev);
  return check(e.why);
}

Outcome bad_ranges(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  tg_device* d = s.device();
  Buffer a(s, 64), b(s, 64);
  unsigned char host[16] = {};
  Expect e;
  e("buffer_write(offset 60, 8 bytes into 64)", api->buffer_write(d, a.b, 60, host, 8), kInvalid);
  e("buffer_write(offset 65, 0 bytes into 64)", api->buffer_write(d, a.b, 65, host, 0), kInvalid);
  e("buffer_write(offset UINT64_MAX, 2 bytes)", api->buffer_write(d, a.b, UINT64_MAX, host, 2), kInvalid);
  e("buffer_write(16 bytes at offset 2^64 - 8)", api->buffer_write(d, a.b, UINT64_MAX - 7, host, 16), kInvalid);
  e("buffer_read(offset 64, 1 byte from 64)", api->buffer_read(d, a.b, 64, host, 1), kInvalid);
  e("buffer_read(65 bytes from 64)", api->buffer_read(d, a.b, 0, host, 65), kInvalid);
  e("buffer_copy(dst range past its end)", api->buffer_copy(d, a.b, 60, b.b, 0, 8), kInvalid);
  e("buffer_copy(src range past its end)", api->buffer_copy(d, a.b, 0, b.b, 57, 8), kInvalid);
  e("buffer_copy(src offset UINT64_MAX)", api->buffer_copy(d, a.b, 0, b.b, UINT64_MAX, 8), kInvalid);
  e("buffer_copy(overlapping ranges of one buffer)", api->buffer_copy(d, a.b, 0, a.b, 4, 8), kInvalid);
  return check(e.why);
}

Outcome zero_sizes(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  tg_device* d = s.device();
  tg_buffer* empty = nullptr;
  Status st = take(api->buffer_alloc(d, 0, &empty));
  if (!st.ok()) return fail("buffer_alloc(0): " + st.str() + "; a 0-byte buffer is valid");
  if (!empty) return fail("buffer_alloc(0) succeeded without a handle");
  Buffer a(s, 64);
  unsigned char host[4] = {1, 2, 3, 4};
  std::string why;
  auto ok = [&](const char* call, tg_error* err) {
    const Status r = take(err);
    if (why.empty() && !r.ok()) why = std::string(call) + ": " + r.str() + "; a 0-byte transfer inside a buffer succeeds";
  };
  ok("buffer_write(0 bytes into a 0-byte buffer)", api->buffer_write(d, empty, 0, host, 0));
  ok("buffer_read(0 bytes from a 0-byte buffer)", api->buffer_read(d, empty, 0, host, 0));
  ok("buffer_copy(0 bytes, 0-byte buffer to itself)", api->buffer_copy(d, empty, 0, empty, 0, 0));
  ok("buffer_write(0 bytes at the end of 64)", api->buffer_write(d, a.b, 64, host, 0));
  ok("buffer_read(0 bytes at the end of 64)", api->buffer_read(d, a.b, 64, host, 0));
  ok("buffer_copy(0 bytes from a 0-byte buffer)", api->buffer_copy(d, a.b, 8, empty, 0, 0));
  api->buffer_free(d, empty);
  return check(why);
}

Outcome huge_alloc(Context& ctx) {
  Session& s = ctx.session();
  std::vector<uint64_t> sizes = {UINT64_MAX, uint64_t{1} << 62};
  if (s.caps().max_alloc > 0 && s.caps().max_alloc < UINT64_MAX) sizes.push_back(s.caps().max_alloc + 1);
  for (uint64_t n : sizes) {
    tg_buffer* b = nullptr;
    const Status st = take(s.api()->buffer_alloc(s.device(), n, &b));
    if (b) s.api()->buffer_free(s.device(), b);
    const std::string why = expect_error("buffer_alloc(" + std::to_string(n) + ")", st, TG_ERR_OUT_OF_MEMORY);
    if (!why.empty()) return fail(why);
    if (st.message.find(std::to_string(n)) == std::string::npos)
      return fail("buffer_alloc(" + std::to_string(n) + "): OUT_OF_MEMORY must name the size asked; the message was: " + st.message);
  }
  return pass();
}

// A valid program: out[i] = -x[i] over 4 float32 (or int32 where float32 is not claimed).
Program base_program(const Session& s) {
  const uint32_t d = s.claims_dtype(TG_DTYPE_FLOAT32) ? TG_DTYPE_FLOAT32 : TG_DTYPE_INT32;
  Program p;
  p.name = "spoiled";
  p.shape = {4};
  const int x = p.param(d, TG_PARAM_READ, 4), out = p.param(d, TG_PARAM_WRITE, 4);
  const int v = p.view({1});
  p.store(out, v, p.unary(TG_KIR_NEG, p.load(x, v)));
  return p;
}

// Compiles a spoiled program; if it compiles, launches it on fitting buffers. The first error.
Status compile_or_launch(Session& s, const Program& p) {
  const tg_plugin_api* api = s.api();
  const tg_kir_program prog = p.abi();
  tg_executable* exe = nullptr;
  Status st = take(api->program_compile(s.device(), &prog, &exe));
  if (!st.ok()) return st;
  std::vector<tg_buffer*> bufs(p.params.size(), nullptr);
  std::vector<uint64_t> offsets(p.params.size(), 0);
  for (size_t q = 0; q < bufs.size() && st.ok(); ++q)
    st = take(api->buffer_alloc(s.device(), 4096, &bufs[q]));
  if (st.ok()) {
    tg_launch_args a{sizeof(tg_launch_args), static_cast<uint32_t>(bufs.size()), bufs.data(), offsets.data(), 0, nullptr};
    st = take(api->launch(s.device(), exe, &a));
    if (st.ok()) st = take(api->synchronize(s.device()));
  }
  for (tg_buffer* b : bufs)
    if (b) api->buffer_free(s.device(), b);
  api->executable_free(s.device(), exe);
  return st;
}

struct Spoil {
  const char* what;
  int32_t code;
  std::function<void(Program&)> apply;
};

const std::vector<Spoil>& spoils() {
  static const std::vector<Spoil> list = {
      {"unknown op 99", TG_ERR_UNSUPPORTED, [](Program& p) { p.nodes[1].op = 99; }},
#if TG_ABI_MINOR >= 4  // (ops 25 and 26 are GATHER and SCATTER_ADD since 1.4: this node is no valid one of them)
      {"unknown op TG_KIR_OP_COUNT_1_4", TG_ERR_UNSUPPORTED, [](Program& p) { p.nodes[1].op = TG_KIR_OP_COUNT_1_4; }},
#else
      {"unknown op TG_KIR_OP_COUNT_1_0", TG_ERR_UNSUPPORTED, [](Program& p) { p.nodes[1].op = TG_KIR_OP_COUNT_1_0; }},
#endif
      {"unknown node dtype 42", TG_ERR_UNSUPPORTED,
       [](Program& p) { for (auto& n : p.nodes) n.dtype = 42; p.params[0].dtype = p.params[1].dtype = 42; }},
      {"unknown param dtype TG_DTYPE_COUNT_1_0", TG_ERR_UNSUPPORTED,
       [](Program& p) { for (auto& n : p.nodes) n.dtype = TG_DTYPE_COUNT_1_0; p.params[0].dtype = p.params[1].dtype = TG_DTYPE_COUNT_1_0; }},
      {"unknown reduce_op 7", TG_ERR_UNSUPPORTED,
       [](Program& p) {
         p.nodes[1].op = TG_KIR_REDUCE;
         p.nodes[1].reduce_op = 7;
         p.nodes[1].ivalue = 1;
         p.params[1].numel = 1;
         p.views.push_back(p.views[0]);
         p.views.back().strides[0] = 0;
         p.nodes[2].view = 1;
       }},
      {"9 dims", TG_ERR_UNSUPPORTED, [](Program& p) { p.shape.assign(9, 1); }},
      {"a source that is not an earlier node", kInvalid, [](Program& p) { p.nodes[1].src[0] = 1; }},
      {"a source past the nodes", kInvalid, [](Program& p) { p.nodes[1].src[0] = 1000; }},
      {"a view past the views", kInvalid, [](Program& p) { p.nodes[0].view = 7; }},
      {"a param past the params", kInvalid, [](Program& p) { p.nodes[0].param = 7; }},
      {"a LOAD reaching past numel", kInvalid, [](Program& p) { p.params[0].numel = 3; }},
      {"a negative offset", kInvalid, [](Program& p) { p.views[0].offset = -1; }},
      {"a STORE into a read param", kInvalid, [](Program& p) { p.nodes[2].param = 0; }},
      {"a LOAD from a written param", kInvalid, [](Program& p) { p.nodes[0].param = 1; }},
      {"mismatched dtypes", kInvalid,
       [](Program& p) { p.nodes[1].dtype = p.nodes[1].dtype == TG_DTYPE_FLOAT32 ? TG_DTYPE_FLOAT64 : TG_DTYPE_INT64; }},
      {"no STORE", kInvalid, [](Program& p) { p.nodes.pop_back(); }},
      {"a negative shape", kInvalid, [](Program& p) { p.shape[0] = -4; }},
      {"a negative numel", kInvalid, [](Program& p) { p.params[0].numel = -1; }},
      {"access that is neither READ nor WRITE", kInvalid, [](Program& p) { p.params[0].access = 3; }},
  };
  return list;
}

void add_spoil_cases(std::vector<Case>& cases) {
  for (const Spoil& sp : spoils()) {
    cases.push_back({std::string("errors/program/") + sp.what, Level::Quick, Needs::Device,
                     [&sp](Context& ctx) {
                       Session& s = ctx.session();
                       Program p = base_program(s);
                       sp.apply(p);
                       return check(expect_error(std::string("a program with ") + sp.what, compile_or_launch(s, p), sp.code));
                     },
                     "", ""});
  }
}

Outcome launch_mismatch(Context& ctx) {
  Session& s = ctx.session();
  const tg_plugin_api* api = s.api();
  const Program p = base_program(s);
  const tg_kir_program prog = p.abi();
  tg_executable* exe = nullptr;
  Status st = take(api->program_compile(s.device(), &prog, &exe));
  if (!st.ok()) return fail("program_compile of a valid program: " + st.str());
  Buffer small(s, 8), big(s, 64);
  tg_buffer* one[] = {big.b};
  tg_buffer* two[] = {small.b, big.b};
  tg_buffer* fine[] = {big.b, nullptr};
  Buffer other(s, 64);
  fine[1] = other.b;
  tg_buffer* with_null[] = {big.b, nullptr};
  uint64_t zero[] = {0, 0}, past[] = {0, 56};
  Expect e;
  tg_launch_args a{sizeof(tg_launch_args), 1, one, zero, 0, nullptr};
  e("launch(1 buffer for 2 params)", api->launch(s.device(), exe, &a), kInvalid);
  a = {sizeof(tg_launch_args), 2, two, zero, 0, nullptr};
  e("launch(a param of 16 bytes in a buffer of 8)", api->launch(s.device(), exe, &a), kInvalid);
  a = {sizeof(tg_launch_args), 2, fine, past, 0, nullptr};
  e("launch(a param of 16 bytes at offset 56 of 64)", api->launch(s.device(), exe, &a), kInvalid);
  a = {sizeof(tg_launch_args), 2, with_null, zero, 0, nullptr};
  e("launch(a NULL buffer)", api->launch(s.device(), exe, &a), kInvalid);
  a = {sizeof(tg_launch_args), 2, nullptr, zero, 0, nullptr};
  e("launch(buffers NULL)", api->launch(s.device(), exe, &a), kInvalid);
  a = {sizeof(tg_launch_args), 2, fine, nullptr, 0, nullptr};
  e("launch(offsets NULL)", api->launch(s.device(), exe, &a), kInvalid);
  e("launch(args NULL)", api->launch(s.device(), exe, nullptr), kInvalid);
  const Status sync = take(api->synchronize(s.device()));
  api->executable_free(s.device(), exe);
  if (e.why.empty() && !sync.ok()) return fail("synchronize after refused launches: " + sync.str());
  return check(e.why);
}

}  // namespace

void add_error_cases(std::vector<Case>& cases) {
  cases.push_back({"errors/null-handles", Level::Quick, Needs::Device, null_handles, "", ""});
  cases.push_back({"errors/null-out-pointers", Level::Quick, Needs::Device, null_outputs, "", ""});
  cases.push_back({"errors/device-index-out-of-range", Level::Quick, Needs::Device, bad_index, "", ""});
  cases.push_back({"errors/ranges-outside-buffers", Level::Quick, Needs::Device, bad_ranges, "", ""});
  cases.push_back({"errors/zero-sizes-succeed", Level::Quick, Needs::Device, zero_sizes, "", ""});
  cases.push_back({"errors/huge-allocations", Level::Quick, Needs::Device, huge_alloc, "", ""});
  add_spoil_cases(cases);
  cases.push_back({"errors/launch-does-not-fit", Level::Quick, Needs::Device, launch_mismatch, "", ""});
}

}  // namespace tg::conformance
