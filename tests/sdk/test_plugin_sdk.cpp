// The SDK helper (tg/plugin.hpp) seen from the host: its trampolines check handles and ranges,
// and turn every exception into an error. Runs the purpose-built plugins of tests/core/broken_plugins/
// (directory from TG_TEST_PLUGIN_DIR, else the build's) and the reference plugin.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "plugin_test_host.hpp"
#include "tg/owned_program.hpp"

#ifndef TG_REF_PLUGIN_PATH
#define TG_REF_PLUGIN_PATH "libtg-ref.so"
#endif
#ifndef TG_TEST_PLUGIN_DIR
#define TG_TEST_PLUGIN_DIR "."
#endif

using namespace plugintest;

namespace {

std::string test_plugin(const char* name) {
  return plugin_path("TG_TEST_PLUGIN_DIR", TG_TEST_PLUGIN_DIR) + "/libtg-" + name + ".so";
}
std::string ref_plugin() { return plugin_path("TG_REF_PLUGIN", TG_REF_PLUGIN_PATH); }

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// y = x + 1 over 4 float32: a program every working plugin runs.
Program plus_one() {
  Program p;
  p.shape = {4};
  int x = p.param(TG_DTYPE_FLOAT32, TG_PARAM_READ, 4), out = p.param(TG_DTYPE_FLOAT32, TG_PARAM_WRITE, 4);
  int v = p.view({1});
  p.store(out, v, p.binary(TG_KIR_ADD, p.load(x, v), p.fconst(TG_DTYPE_FLOAT32, 1.0)));
  return p;
}
const std::vector<std::vector<std::byte>> kPlusOneInput{bytes_of(std::vector<float>{1, 2, 3, 4})};

// TG_SDK_DEFINE_PROBE: the exported tg_plugin_probe returns the function's score, never a
// negative one, and 0 when the function throws (nothing unwinds into the host).
int32_t g_probe_answer = 0;
bool g_probe_throws = false;
int32_t test_probe() {
  if (g_probe_throws) throw std::runtime_error("no driver");
  return g_probe_answer;
}
}  // namespace
TG_SDK_DEFINE_PROBE(test_probe)
namespace {

TEST(PluginSdk, DefineProbeEmitsTheEntryPoint) {
  const tg_plugin_probe_fn probe = &tg_plugin_probe;  // the ABI's signature
  g_probe_answer = 7;
  EXPECT_EQ(probe(), 7);
  g_probe_answer = 0;
  EXPECT_EQ(probe(), 0);
  g_probe_answer = -5;
  EXPECT_EQ(probe(), 0) << "a score is >= 0";
  g_probe_throws = true;
  EXPECT_EQ(probe(), 0) << "a probe that throws cannot run here";
  g_probe_throws = false;
}

TEST(PluginSdk, GetApiAnswersOnlyItsMajor) {
  Plugin ref(ref_plugin());
  ASSERT_NE(ref.api(), nullptr) << ref.load_error();
  EXPECT_EQ(ref.get_api()(TG_ABI_MAJOR + 1, 0), nullptr);
  EXPECT_EQ(ref.get_api()(0, 0), nullptr);
  EXPECT_EQ(ref.api()->struct_size, sizeof(tg_plugin_api));
  EXPECT_EQ(ref.api()->abi_major, static_cast<uint32_t>(TG_ABI_MAJOR));
  EXPECT_EQ(ref.api()->abi_minor, static_cast<uint32_t>(TG_ABI_MINOR));
}

// ABI 1.4: a device whose buffers are host memory says where they are (tg::dist hands them to
// MPI); bad handles give NULL, since the slot cannot fail.
TEST(PluginSdk, BufferHostPointerIsTheBuffersBytes) {
  Plugin ref(ref_plugin());
  ASSERT_NE(ref.api(), nullptr) << ref.load_error();
  TG_ASSERT_OK(ref.init_status());
  TG_ASSERT_OK(ref.open());
  const tg_plugin_api* api = ref.api();
  ASSERT_NE(api->buffer_host_pointer, nullptr);
  tg_buffer* buf = nullptr;
  TG_ASSERT_OK(take(api->buffer_alloc(ref.device(), 16, &buf)));
  const std::vector<float> v{1, 2, 3, 4};
  TG_ASSERT_OK(take(api->buffer_write(ref.device(), buf, 0, v.data(), 16)));
  TG_ASSERT_OK(take(api->synchronize(ref.device())));
  void* p = api->buffer_host_pointer(ref.device(), buf);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(std::memcmp(p, v.data(), 16), 0);
  static_cast<float*>(p)[3] = 9;  // and writes through it are the buffer's contents
  float back[4] = {};
  TG_ASSERT_OK(take(api->buffer_read(ref.device(), buf, 0, back, 16)));
  EXPECT_EQ(back[3], 9.0f);
  EXPECT_EQ(api->buffer_host_pointer(nullptr, buf), nullptr);
  EXPECT_EQ(api->buffer_host_pointer(ref.device(), nullptr), nullptr);
  api->buffer_free(ref.device(), buf);
}

// ABI 1.5: sort_rows orders each row (sort-order: NaN last, equal keys in row order) and writes
// the first k positions; the helper checks the arguments before the device sees them.
TEST(PluginSdk, SortRowsOrdersEachRowAndChecksItsArguments) {
  Plugin ref(ref_plugin());
  ASSERT_NE(ref.api(), nullptr) << ref.load_error();
  TG_ASSERT_OK(ref.init_status());
  TG_ASSERT_OK(ref.open());
  const tg_plugin_api* api = ref.api();
  ASSERT_NE(api->sort_rows, nullptr);
  tg_buffer *keys = nullptr, *idx = nullptr;
  const std::vector<float> v{2, NAN, -0.0f, 0.0f, -1, 2, /* row 2 */ 5, 4, 3, 2, 1, 0};
  TG_ASSERT_OK(take(api->buffer_alloc(ref.device(), v.size() * 4, &keys)));
  TG_ASSERT_OK(take(api->buffer_alloc(ref.device(), 12 * 4, &idx)));
  TG_ASSERT_OK(take(api->buffer_write(ref.device(), keys, 0, v.data(), v.size() * 4)));
  tg_sort_args a{sizeof(tg_sort_args), TG_DTYPE_FLOAT32, 0, 2, 6, 6, keys, 0, idx, 0};
  TG_ASSERT_OK(take(api->sort_rows(ref.device(), &a)));
  int32_t got[12] = {};
  TG_ASSERT_OK(take(api->buffer_read(ref.device(), idx, 0, got, sizeof got)));
  EXPECT_EQ(std::vector<int32_t>(got, got + 12), (std::vector<int32_t>{4, 2, 3, 0, 5, 1, 5, 4, 3, 2, 1, 0}));
  a.flags = TG_SORT_DESCENDING;
  a.k = 3;
  TG_ASSERT_OK(take(api->sort_rows(ref.device(), &a)));
  TG_ASSERT_OK(take(api->buffer_read(ref.device(), idx, 0, got, 6 * 4)));
  EXPECT_EQ(std::vector<int32_t>(got, got + 6), (std::vector<int32_t>{1, 0, 5, 0, 1, 2}));

  auto problem = [&](tg_sort_args bad, const char* says) {
    Status s = take(api->sort_rows(ref.device(), &bad));
    EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << says;
    EXPECT_TRUE(contains(s.message, says)) << s;
  };
  tg_sort_args b = a;
  b.k = 7;
  problem(b, "k is 7");
  b = a, b.rows = 3;
  problem(b, "do not lie inside their buffer");
  b = a, b.dtype = 77;
  problem(b, "not a TG_DTYPE_*");
  b = a, b.indices = keys;
  problem(b, "overlap");
  b = a, b.keys = nullptr;
  problem(b, "keys buffer is NULL");
  EXPECT_EQ(take(api->sort_rows(ref.device(), nullptr)).code, TG_ERR_INVALID_ARGUMENT);
  api->buffer_free(ref.device(), keys);
  api->buffer_free(ref.device(), idx);
}

TEST(PluginSdk, NullHandlesAndOutPointersAreInvalidArguments) {
  Plugin ref(ref_plugin());
  ASSERT_NE(ref.api(), nullptr) << ref.load_error();
  TG_ASSERT_OK(ref.init_status());
  TG_ASSERT_OK(ref.open());
  const tg_plugin_api* api = ref.api();
  tg_device* dev = ref.device();

  Status s = take(api->device_count(nullptr, nullptr));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(s.message, "device_count: plugin is NULL")) << s;
  s = take(api->device_count(ref.plugin(), nullptr));
  EXPECT_TRUE(contains(s.message, "out_count is NULL")) << s;
  s = take(api->buffer_alloc(nullptr, 4, nullptr));
  EXPECT_TRUE(contains(s.message, "buffer_alloc: device is NULL")) << s;
  s = take(api->program_compile(dev, nullptr, nullptr));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(s.message, "program is NULL")) << s;
  tg_device* other = nullptr;
  s = take(api->device_open(ref.plugin(), 5, &other));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(s.message, "device index 5 is out of range (1 devices)")) << s;
  EXPECT_EQ(other, nullptr);
  tg_init_args args{sizeof(tg_init_args), TG_ABI_MAJOR, TG_ABI_MINOR, "test", "", "", &host_services()};
  s = take(api->initialize(&args, nullptr));
  EXPECT_TRUE(contains(s.message, "out_plugin is NULL")) << s;
  // Freeing NULL is a no-op.
  api->buffer_free(dev, nullptr);
  api->executable_free(dev, nullptr);
}

TEST(PluginSdk, BufferRangesAreChecked) {
  Plugin ref(ref_plugin());
  ASSERT_NE(ref.api(), nullptr) << ref.load_error();
  TG_ASSERT_OK(ref.open());
  const tg_plugin_api* api = ref.api();
  tg_device* dev = ref.device();
  tg_buffer* b = nullptr;
  TG_ASSERT_OK(take(api->buffer_alloc(dev, 16, &b)));
  char data[32] = {1, 2, 3, 4};
  Status s = take(api->buffer_write(dev, b, 8, data, 9));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(s.message, "lies outside its buffer of 16 bytes")) << s;
  s = take(api->buffer_read(dev, b, UINT64_MAX, data, 2));  // offset + nbytes would wrap around
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT) << s;
  s = take(api->buffer_copy(dev, b, 0, b, 4, 8));
  EXPECT_EQ(s.code, TG_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(s.message, "overlap")) << s;
  TG_ASSERT_OK(take(api->buffer_write(dev, b, 0, data, 4)));
  TG_ASSERT_OK(take(api->buffer_copy(dev, b, 8, b, 0, 8)));
  char back[16] = {};
  TG_ASSERT_OK(take(api->buffer_read(dev, b, 8, back, 4)));
  EXPECT_EQ(std::memcmp(back, data, 4), 0);
  TG_ASSERT_OK(take(api->buffer_write(dev, b, 16, nullptr, 0)));  // empty, at the end: fine
  tg_buffer* empty = nullptr;
  TG_ASSERT_OK(take(api->buffer_alloc(dev, 0, &empty)));
  EXPECT_NE(empty, nullptr);
  api->buffer_free(dev, empty);
  api->buffer_free(dev, b);
}

TEST(PluginSdk, ThrowingPluginsExceptionsBecomeErrors) {
  Plugin throwing(test_plugin("throwing"));
  ASSERT_NE(throwing.api(), nullptr) << throwing.load_error();
  TG_ASSERT_OK(throwing.init_status());
  TG_ASSERT_OK(throwing.open());
  tg_buffer* b = nullptr;
  Status s = take(throwing.api()->buffer_alloc(throwing.device(), 64, &b));
  EXPECT_EQ(s.code, TG_ERR_OUT_OF_MEMORY) << s;
  EXPECT_TRUE(contains(s.message, "64 bytes")) << s;
  EXPECT_EQ(b, nullptr);

  // With alloc working, compile throws std::runtime_error.
  Plugin compile_throws(test_plugin("throwing"), "fail=compile,launch");
  TG_ASSERT_OK(compile_throws.open());
  s = run_program(compile_throws.api(), compile_throws.device(), plus_one(), kPlusOneInput).status;
  EXPECT_EQ(s.code, TG_ERR_INTERNAL) << s;
  EXPECT_TRUE(contains(s.message, "program_compile threw: throwing plugin: boom in compile")) << s;

  Plugin launch_throws(test_plugin("throwing"), "fail=launch");
  TG_ASSERT_OK(launch_throws.open());
  s = run_program(launch_throws.api(), launch_throws.device(), plus_one(), kPlusOneInput).status;
  EXPECT_EQ(s.code, TG_ERR_INTERNAL) << s;
  EXPECT_TRUE(contains(s.message, "launch threw: throwing plugin: boom in launch")) << s;

  Plugin none_throws(test_plugin("throwing"), "fail=");
  TG_ASSERT_OK(none_throws.open());
  RunResult r = run_program(none_throws.api(), none_throws.device(), plus_one(), kPlusOneInput);
  TG_ASSERT_OK(r.status);
  EXPECT_EQ(values_of<float>(r.outputs[1]), (std::vector<float>{2, 3, 4, 5}));
}

TEST(PluginSdk, FailingPluginReturnsInternalErrors) {
  Plugin failing(test_plugin("failing"));
  ASSERT_NE(failing.api(), nullptr) << failing.load_error();
  TG_ASSERT_OK(failing.init_status());
  uint32_t count = 0;
  TG_ASSERT_OK(take(failing.api()->device_count(failing.plugin(), &count)));
  EXPECT_EQ(count, 1u);
  TG_ASSERT_OK(failing.open());
  tg_buffer* b = nullptr;
  Status s = take(failing.api()->buffer_alloc(failing.device(), 64, &b));
  EXPECT_EQ(s.code, TG_ERR_INTERNAL);
  EXPECT_EQ(s.message, "failing plugin: buffer_alloc refused");

  Plugin launch_fails(test_plugin("failing"), "fail=launch");
  TG_ASSERT_OK(launch_fails.open());
  s = run_program(launch_fails.api(), launch_fails.device(), plus_one(), kPlusOneInput).status;
  EXPECT_EQ(s.code, TG_ERR_INTERNAL);
  EXPECT_EQ(s.message, "failing plugin: launch refused");
}

TEST(PluginSdk, NodevicePluginIsUnavailable) {
  Plugin nodevice(test_plugin("nodevice"));
  ASSERT_NE(nodevice.api(), nullptr) << nodevice.load_error();
  TG_ASSERT_OK(nodevice.init_status());
  uint32_t count = 7;
  Status s = take(nodevice.api()->device_count(nodevice.plugin(), &count));
  EXPECT_EQ(s.code, TG_ERR_UNAVAILABLE);
  EXPECT_EQ(s.message, "no widget found: /dev/widget0 missing");
  EXPECT_EQ(count, 0u);
  s = nodevice.open();
  EXPECT_EQ(s.code, TG_ERR_UNAVAILABLE) << s;
}

TEST(PluginSdk, VersionAndNamePlugins) {
  Plugin noentry(test_plugin("noentry"));
  ASSERT_NE(noentry.handle(), nullptr) << noentry.load_error();
  EXPECT_EQ(noentry.get_api(), nullptr);
  EXPECT_EQ(dlsym(noentry.handle(), "tg_plugin_get_api"), nullptr);

  Plugin wrongmajor(test_plugin("wrongmajor"));
  ASSERT_NE(wrongmajor.api(), nullptr) << wrongmajor.load_error();
  EXPECT_EQ(wrongmajor.api()->abi_major, 2u);

  Plugin mismatch(test_plugin("mismatch"));
  ASSERT_NE(mismatch.api(), nullptr) << mismatch.load_error();
  EXPECT_STREQ(mismatch.api()->name, "othername");

  Plugin newer(test_plugin("newerminor"));
  ASSERT_NE(newer.api(), nullptr) << newer.load_error();
  EXPECT_EQ(newer.api()->abi_minor, 7u);
  EXPECT_GT(newer.api()->struct_size, sizeof(tg_plugin_api));
  EXPECT_STREQ(newer.api()->name, "newerminor");
  TG_ASSERT_OK(newer.init_status());
  TG_ASSERT_OK(newer.open());
  RunResult r = run_program(newer.api(), newer.device(), plus_one(), kPlusOneInput);
  TG_ASSERT_OK(r.status);
  EXPECT_EQ(values_of<float>(r.outputs[1]), (std::vector<float>{2, 3, 4, 5}));
}

// tg::sdk::OwnedProgram: a view's pointers are into the object it came from, so a copy's view
// never points into the original (which may be gone), a move keeps the arrays a view points
// at, and a copy made from a view takes the linear masks and scalar args too.
tg::sdk::OwnedProgram masked_scaled() {
  tg::sdk::OwnedProgram p;
  p.name = "masked";
  Program b;
  b.shape = {4};
  const int x = b.param(TG_DTYPE_FLOAT32, TG_PARAM_READ, 4), out = b.param(TG_DTYPE_FLOAT32, TG_PARAM_WRITE, 4);
  const int v = b.view({1});
  const int loaded = b.load(x, v);
  const int one = b.scalar(TG_DTYPE_FLOAT32, v);  // node 1: masked by the view's linear mask
  b.store(out, v, b.binary(TG_KIR_ADD, loaded, one));
  p.shape = b.shape;
  p.nodes = b.nodes;
  p.views = b.views;
  p.params = b.params;
  p.scalar_args = b.scalar_args;
  tg_kir_linear_mask m{};
  m.view = 0;
  m.coeffs[0] = 1;
  m.begin = 1;
  m.end = 3;
  p.linear_masks = {m};
  return p;
}

void expect_view_of(const tg_kir_program& v, const tg::sdk::OwnedProgram& p) {
  EXPECT_STREQ(v.name, p.name.c_str());
  EXPECT_EQ(v.name, p.name.c_str());
  EXPECT_EQ(v.ndim, p.shape.size());
  EXPECT_EQ(v.shape[0], p.shape[0]);
  EXPECT_EQ(v.nodes, p.nodes.data());
  EXPECT_EQ(v.n_nodes, p.nodes.size());
  EXPECT_EQ(v.views, p.views.data());
  EXPECT_EQ(v.params, p.params.data());
  EXPECT_EQ(v.n_params, p.params.size());
  EXPECT_EQ(v.linear_masks, p.linear_masks.data());
  EXPECT_EQ(v.n_linear_masks, 1u);
  EXPECT_EQ(v.scalar_args, p.scalar_args.data());
  EXPECT_EQ(v.n_scalar_args, 1u);
}

TEST(OwnedProgram, ACopysViewPointsIntoTheCopy) {
  auto original = std::make_unique<tg::sdk::OwnedProgram>(masked_scaled());
  const tg::sdk::OwnedProgram copy = *original;
  const tg::sdk::OwnedProgram assigned = [&] {
    tg::sdk::OwnedProgram a;
    a = *original;
    return a;
  }();
  const tg_kir_program before = original->abi();
  original.reset();  // the views of the copies must not need it
  for (const tg::sdk::OwnedProgram* p : {&copy, &assigned}) {
    const tg_kir_program v = p->abi();
    EXPECT_NE(v.nodes, before.nodes);
    EXPECT_NE(v.linear_masks, before.linear_masks);
    EXPECT_NE(v.scalar_args, before.scalar_args);
    expect_view_of(v, *p);
    EXPECT_EQ(v.linear_masks[0].end, 3);
    EXPECT_EQ(v.scalar_args[0], 1);
    EXPECT_EQ(v.nodes[1].op, static_cast<uint32_t>(TG_KIR_CONST));
  }
}

TEST(OwnedProgram, AMoveKeepsTheArraysAViewPointsAt) {
  tg::sdk::OwnedProgram a = masked_scaled();
  const tg_kir_program before = a.abi();
  const tg::sdk::OwnedProgram moved = std::move(a);
  expect_view_of(moved.abi(), moved);
  EXPECT_EQ(moved.abi().nodes, before.nodes);
  EXPECT_EQ(moved.abi().linear_masks, before.linear_masks);
  EXPECT_EQ(moved.abi().scalar_args, before.scalar_args);
}

TEST(OwnedProgram, ACopyOfAViewOwnsEveryArray) {
  const tg::sdk::OwnedProgram src = masked_scaled();
  const tg::sdk::OwnedProgram copy(src.abi());
  EXPECT_EQ(copy.name, "masked");
  EXPECT_EQ(copy.shape, src.shape);
  ASSERT_EQ(copy.nodes.size(), src.nodes.size());
  EXPECT_EQ(std::memcmp(copy.nodes.data(), src.nodes.data(), src.nodes.size() * sizeof(tg_kir_node)), 0);
  ASSERT_EQ(copy.linear_masks.size(), 1u);
  EXPECT_EQ(copy.linear_masks[0].begin, 1);
  EXPECT_EQ(copy.scalar_args, src.scalar_args);
  expect_view_of(copy.abi(), copy);
  // A program from a 1.0 core ends before linear_masks: whatever lies past its struct_size is
  // not read.
  tg_kir_program old = src.abi();
  old.struct_size = offsetof(tg_kir_program, n_linear_masks);
  old.linear_masks = reinterpret_cast<const tg_kir_linear_mask*>(uintptr_t{8});  // never read
  old.scalar_args = reinterpret_cast<const int32_t*>(uintptr_t{8});
  const tg::sdk::OwnedProgram from_old(old);
  EXPECT_TRUE(from_old.linear_masks.empty());
  EXPECT_TRUE(from_old.scalar_args.empty());
  EXPECT_EQ(from_old.nodes.size(), src.nodes.size());
}

// A copied conformance/test Program runs after its original is gone.
TEST(OwnedProgram, ACopiedProgramRunsWithoutItsOriginal) {
  Plugin ref(ref_plugin());
  ASSERT_NE(ref.api(), nullptr) << ref.load_error();
  TG_ASSERT_OK(ref.init_status());
  TG_ASSERT_OK(ref.open());
  auto original = std::make_unique<Program>(plus_one());
  const Program copy = *original;
  original.reset();
  RunResult r = run_program(ref.api(), ref.device(), copy, kPlusOneInput);
  TG_ASSERT_OK(r.status);
  EXPECT_EQ(values_of<float>(r.outputs[1]), (std::vector<float>{2, 3, 4, 5}));
}

}  // namespace
