// The plugin host, seen through libtg: discovery, the ABI handshake, and the errors a user
// gets from purpose-built broken plugins (tests/core/broken_plugins/). TG_PLUGIN_PATH points at them.
// The FailingCompile/FailingLaunch/ThrowingCompile tests need a plugin option set before the
// process loads the plugin: ctest runs them with that environment (tests/core/CMakeLists.txt).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <tg/tg.hpp>

using ::testing::HasSubstr;
using ::testing::Not;
using tg::Tensor;
namespace fs = std::filesystem;

namespace {

void use_test_plugins(const std::string& extra = "") {
  std::string path = TG_TEST_PLUGIN_DIR;
  if (!extra.empty()) path = extra + ":" + path;
  setenv("TG_PLUGIN_PATH", path.c_str(), 1);
}

const tg::DeviceInfo* find(const std::vector<tg::DeviceInfo>& all, const std::string& name) {
  for (auto& d : all)
    if (d.name == name) return &d;
  return nullptr;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const tg::Error& e) {
    return e.what();
  }
  return "(no tg::Error thrown)";
}

tg::TensorOptions on(const std::string& dev) { return tg::TensorOptions{std::nullopt, dev, std::nullopt}; }

void require_option(const char* var, const char* value) {
  const char* v = std::getenv(var);
  ASSERT_TRUE(v && std::string(v) == value) << "run this test with " << var << "=" << value << " (ctest does)";
}

}  // namespace

// "1.1": the ABI this core and the test plugins are built with.
const std::string kAbi = std::to_string(tg::abi_major) + "." + std::to_string(tg::abi_minor);

TEST(PluginHost, RefIsFoundBesideLibtg) {
  use_test_plugins();
  auto all = tg::devices();
  const tg::DeviceInfo* ref = find(all, "ref");
  ASSERT_NE(ref, nullptr);
  EXPECT_TRUE(ref->available) << ref->reason;
  EXPECT_EQ(ref->abi_version, kAbi);
  EXPECT_THAT(ref->plugin_file, HasSubstr("tg-plugins/libtg-ref.so"));
  auto paths = tg::plugin_search_paths();
  ASSERT_GE(paths.size(), 2u);
  EXPECT_EQ(paths[0], TG_TEST_PLUGIN_DIR);  // TG_PLUGIN_PATH comes first
  EXPECT_THAT(paths[1], HasSubstr("tg-plugins"));
}

TEST(PluginHost, NoEntrySymbol) {
  use_test_plugins();
  auto all_d = tg::devices();
  const tg::DeviceInfo* d = find(all_d, "noentry");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->available);
  EXPECT_THAT(d->reason, HasSubstr("does not export tg_plugin_get_api"));
  std::string msg = error_of([] { tg::Device::set_default("noentry"); });
  EXPECT_THAT(msg, HasSubstr("noentry"));
  EXPECT_THAT(msg, HasSubstr("libtg-noentry.so"));
  EXPECT_THAT(msg, HasSubstr("core ABI " + kAbi));
}

TEST(PluginHost, WrongMajorIsRejectedWithBothVersions) {
  use_test_plugins();
  std::string msg = error_of([] { tg::Device::set_default("wrongmajor"); });
  EXPECT_THAT(msg, HasSubstr("ABI 2." + std::to_string(tg::abi_minor)));  // the plugin's
  EXPECT_THAT(msg, HasSubstr("ABI " + kAbi));
  EXPECT_THAT(msg, HasSubstr("majors must match"));
}

TEST(PluginHost, NewerMinorStillLoadsAndRuns) {
  use_test_plugins();
  auto all_d = tg::devices();
  const tg::DeviceInfo* d = find(all_d, "newerminor");
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->available) << d->reason;
  EXPECT_EQ(d->abi_version, "1.7");
  Tensor t = Tensor({1.f, 2.f, 3.f}, on("newerminor"));
  EXPECT_EQ((t * 2 + 1).to_vector<float>(), (std::vector<float>{3, 5, 7}));
  EXPECT_EQ(t.device(), "newerminor:0");
}

TEST(PluginHost, NameMismatchSaysBothNames) {
  use_test_plugins();
  std::string msg = error_of([] { tg::Device::set_default("mismatch"); });
  EXPECT_THAT(msg, HasSubstr("'mismatch'"));
  EXPECT_THAT(msg, HasSubstr("'othername'"));
}

TEST(PluginHost, NoDeviceGivesThePluginsReason) {
  use_test_plugins();
  auto all_d = tg::devices();
  const tg::DeviceInfo* d = find(all_d, "nodevice");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->available);
  EXPECT_THAT(d->reason, HasSubstr("no widget found"));
  std::string msg = error_of([] { tg::Device::set_default("nodevice"); });
  EXPECT_THAT(msg, HasSubstr("0 device(s)"));
  EXPECT_THAT(msg, HasSubstr("no widget found: /dev/widget0 missing"));
}

TEST(PluginHost, FailingAllocIsAnErrorWithThePluginsMessage) {
  use_test_plugins();
  std::string msg = error_of([] { Tensor({1.f, 2.f}, on("failing")).realize(); });
  EXPECT_THAT(msg, HasSubstr("failing plugin: buffer_alloc refused"));
  EXPECT_THAT(msg, HasSubstr("INTERNAL"));
}

TEST(PluginHost, ThrowingAllocBecomesOutOfMemory) {
  use_test_plugins();
  std::string msg = error_of([] { Tensor({1.f, 2.f}, on("throwing")).realize(); });
  EXPECT_THAT(msg, HasSubstr("OUT_OF_MEMORY"));
  EXPECT_THAT(msg, HasSubstr("8 bytes"));
}

TEST(PluginHost, FailingCompile) {
  require_option("TG_PLUGIN_OPTIONS_FAILING", "fail=compile");
  use_test_plugins();
  Tensor t = Tensor({1.f, 2.f}, on("failing"));
  std::string msg = error_of([&] { (t + 1).realize(); });
  EXPECT_THAT(msg, HasSubstr("failing plugin: program_compile refused"));
}

TEST(PluginHost, FailingLaunch) {
  require_option("TG_PLUGIN_OPTIONS_FAILING", "fail=launch");
  use_test_plugins();
  Tensor t = Tensor({1.f, 2.f}, on("failing"));
  std::string msg = error_of([&] { (t + 1).realize(); });
  EXPECT_THAT(msg, HasSubstr("failing plugin: launch refused"));
}

TEST(PluginHost, ThrowingCompileIsCaughtAtTheBoundary) {
  require_option("TG_PLUGIN_OPTIONS_THROWING", "fail=compile");
  use_test_plugins();
  Tensor t = Tensor({1.f, 2.f}, on("throwing"));
  std::string msg = error_of([&] { (t + 1).realize(); });
  EXPECT_THAT(msg, HasSubstr("boom in compile"));
  EXPECT_THAT(msg, HasSubstr("INTERNAL"));
}

// A device that declines a program (UNSUPPORTED) has it run on the reference device, with copies
// there and back. Such a schedule is not kept (its programs are not the device's): the next graph
// of the same structure, with other values, is run on the reference device again.
TEST(PluginHost, ADeclinedProgramRunsOnTheReferenceDeviceEveryTime) {
  use_test_plugins();
  for (float base : {1.f, 10.f, 100.f}) {
    Tensor t = Tensor({base, base + 1}, on("declining"));
    Tensor r = (t * 2 + 1).relu();
    EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{2 * base + 1, 2 * base + 3})) << "base " << base;
    EXPECT_EQ(r.device().rfind("declining", 0), 0u) << r.device();
  }
}

TEST(PluginHost, AFileThatIsNotAPluginSaysTheLoadersReason) {
  fs::path dir = fs::temp_directory_path() / "tg-test-junk-plugin";
  fs::create_directories(dir);
  std::ofstream(dir / "libtg-junk.so") << "this is not a shared library\n";
  use_test_plugins(dir.string());
  std::string msg = error_of([] { tg::Device::set_default("junk"); });
  EXPECT_THAT(msg, HasSubstr("libtg-junk.so"));
  EXPECT_THAT(msg, HasSubstr("could not open it"));
  fs::remove_all(dir);
}

TEST(PluginHost, AFileNamedInThePathMustBeAPluginName) {
  fs::path dir = fs::temp_directory_path() / "tg-test-named-file";
  fs::create_directories(dir);
  std::ofstream(dir / "notaplugin.txt") << "x";
  use_test_plugins((dir / "notaplugin.txt").string());
  EXPECT_NE(find(tg::devices(), "ref"), nullptr);  // the bad entry is skipped, not fatal
  fs::remove_all(dir);
}

TEST(PluginHost, NeverTheWorkingDirectory) {
  fs::path dir = fs::temp_directory_path() / "tg-test-cwd";
  fs::create_directories(dir);
  fs::copy_file(fs::path(TG_TEST_PLUGIN_DIR) / "libtg-newerminor.so", dir / "libtg-cwdonly.so",
                fs::copy_options::overwrite_existing);
  fs::path old = fs::current_path();
  fs::current_path(dir);
  setenv("TG_PLUGIN_PATH", "", 1);
  EXPECT_EQ(find(tg::devices(), "cwdonly"), nullptr);
  fs::current_path(old);
  fs::remove_all(dir);
}

TEST(PluginHost, UnknownDeviceListsWhatWasFound) {
  use_test_plugins();
  std::string msg = error_of([] { tg::Device::set_default("nosuch"); });
  EXPECT_THAT(msg, HasSubstr("'nosuch'"));
  EXPECT_THAT(msg, HasSubstr("ref:0"));
  EXPECT_THAT(msg, HasSubstr("Searched:"));
  EXPECT_THAT(msg, HasSubstr(TG_TEST_PLUGIN_DIR));
}

TEST(PluginHost, MalformedDeviceNames) {
  use_test_plugins();
  for (const char* bad : {"ref:x", "ref:-1", "REF", "", "ref:0:1"}) {
    std::string msg = error_of([&] { tg::Device::set_default(bad); });
    EXPECT_THAT(msg, HasSubstr("expected name[:index]")) << bad;
  }
}

TEST(PluginHost, TensorsOnTwoDevicesNeedAMove) {
  use_test_plugins();
  Tensor a = Tensor({1.f, 2.f}, on("ref"));
  Tensor b = Tensor({1.f, 2.f}, on("newerminor"));
  std::string msg = error_of([&] { (a + b).realize(); });
  EXPECT_THAT(msg, HasSubstr("different devices"));
  EXPECT_EQ((a + b.to("ref")).to_vector<float>(), (std::vector<float>{2, 4}));
  EXPECT_EQ(b.to("ref").device(), "ref:0");
}

// ---- default-device selection, in fresh processes (tg_env_probe) ---------------------------------
// The plugins in tests/core/broken_plugins (select/) outrank the real ones (priority 1000): openfails' device
// does not open, badoption rejects every option, manydevices claims 2^32 - 1 devices.

namespace {

struct Child {
  std::string output;
  int exit_code = -1;
};

// tg_env_probe with extra environment ("A=b C=d"; TG_DEVICE unset unless given): stdout+stderr.
Child probe(const std::string& env) {
  Child c;
  FILE* p = popen(("env -u TG_DEVICE " + env + " '" + TG_ENV_PROBE + "' 2>&1").c_str(), "r");
  if (!p) return c;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) c.output.append(buf, n);
  const int status = pclose(p);
  c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return c;
}

std::string select_plugin(const std::string& name) {
  return std::string(TG_TEST_PLUGIN_DIR) + "/select/libtg-" + name + ".so";
}

}  // namespace

TEST(DeviceSelection, ADeviceThatFailsToOpenIsSkippedWithAWarning) {
  Child c = probe("TG_PLUGIN_PATH='" + select_plugin("openfails") + "'");
  ASSERT_EQ(c.exit_code, 0) << c.output;  // it was: TG_ERROR "opening device openfails:0 failed"
  EXPECT_THAT(c.output, HasSubstr("OK "));
  EXPECT_THAT(c.output, Not(HasSubstr("OK openfails")));
  EXPECT_THAT(c.output, HasSubstr("[tg] warning: TG_DEVICE=(unset): skipping device openfails:0"));
  EXPECT_THAT(c.output, HasSubstr("widget busy: /dev/widget0 is in use"));
  // Named alone, it is an error, as before: no silent fallback.
  Child named = probe("TG_DEVICE=openfails TG_PLUGIN_PATH='" + select_plugin("openfails") + "'");
  EXPECT_EQ(named.exit_code, 3) << named.output;
  EXPECT_THAT(named.output, HasSubstr("widget busy"));
  // In a list, the next one is used, with the warning.
  Child listed = probe("TG_DEVICE=openfails,ref TG_PLUGIN_PATH='" + select_plugin("openfails") + "'");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("OK ref:0"));
  EXPECT_THAT(listed.output, HasSubstr("skipping device openfails:0"));
}

TEST(DeviceSelection, AMisspeltOptionOfAPreferredPluginIsNamed) {
  const std::string path = "TG_PLUGIN_PATH='" + select_plugin("badoption") + "'";
  Child fine = probe(path);
  ASSERT_EQ(fine.exit_code, 0) << fine.output;
  EXPECT_THAT(fine.output, HasSubstr("OK badoption:0"));
  EXPECT_THAT(fine.output, Not(HasSubstr("warning")));
  Child typo = probe(path + " TG_PLUGIN_OPTIONS_BADOPTION=thraeds=2");
  ASSERT_EQ(typo.exit_code, 0) << typo.output;
  EXPECT_THAT(typo.output, Not(HasSubstr("OK badoption")));
  EXPECT_THAT(typo.output, HasSubstr("[tg] warning: TG_DEVICE=(unset): skipping plugin badoption"));
  EXPECT_THAT(typo.output, HasSubstr("unknown option 'thraeds=2'"));
  EXPECT_THAT(typo.output, HasSubstr("; using "));
}

TEST(DeviceSelection, AnUnloadablePluginShadowingABetterOneIsNamed) {
  // An empty libtg-badoption.so earlier in the path hides the working one (first file per name).
  const fs::path dir = fs::temp_directory_path() / ("tg-test-shadow-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "libtg-badoption.so").flush();
  Child c = probe("TG_PLUGIN_PATH='" + dir.string() + ":" + select_plugin("badoption") + "'");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("[tg] warning: TG_DEVICE=(unset): skipping plugin badoption (" +
                                  (dir / "libtg-badoption.so").string() + "): the loader could not open it"));
  EXPECT_THAT(c.output, HasSubstr("(it hides " + select_plugin("badoption") + ")"));
  fs::remove_all(dir);
}

TEST(DeviceSelection, ListsKeepTheirIndices) {
  const std::string path = "TG_PLUGIN_PATH='" + select_plugin("manydevices") + "' TG_PLUGIN_OPTIONS_MANYDEVICES=count=8 ";
  Child c = probe(path + "TG_DEVICE=nosuch,manydevices:5");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("OK manydevices:5"));  // it was manydevices:0
  Child past = probe(path + "TG_DEVICE=manydevices:9,ref");
  ASSERT_EQ(past.exit_code, 0) << past.output;
  EXPECT_THAT(past.output, HasSubstr("OK ref:0"));
  EXPECT_THAT(past.output, HasSubstr("skipping device manydevices:9: plugin"));
  EXPECT_THAT(past.output, HasSubstr("has 8 device(s)"));
  Child none = probe(path + "TG_DEVICE=manydevices:9,ref:3");
  EXPECT_EQ(none.exit_code, 3) << none.output;
  EXPECT_THAT(none.output, HasSubstr("no usable device"));
  EXPECT_THAT(none.output, HasSubstr("manydevices:9"));
  EXPECT_THAT(none.output, HasSubstr("ref:3"));
}

TEST(DeviceSelection, AnAbsurdDeviceCountIsCapped) {
  Child c = probe("TG_PLUGIN_PATH='" + select_plugin("manydevices") + "' TG_DEVICE=manydevices:1023");
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("OK manydevices:1023"));
  EXPECT_THAT(c.output, HasSubstr("reports 4294967295 devices; using the first 1024"));
  Child past = probe("TG_PLUGIN_PATH='" + select_plugin("manydevices") + "' TG_DEVICE=manydevices:1024");
  EXPECT_EQ(past.exit_code, 3) << past.output;
  EXPECT_THAT(past.output, HasSubstr("has 1024 device(s)"));
  // Listing them all (`tg devices`) ends, with 1024 entries: it asked for 2^32 - 1 before.
  use_test_plugins(select_plugin("manydevices"));
  size_t listed = 0;
  for (const tg::DeviceInfo& d : tg::devices()) listed += d.name == "manydevices";
  EXPECT_EQ(listed, 1024u);
}

TEST(DeviceSelection, ABadIndexLoadsNoOtherPlugin) {
  Child c = probe("TG_PLUGIN_DEBUG=1 TG_DEVICE=ref:99 TG_PLUGIN_PATH='" + std::string(TG_TEST_PLUGIN_DIR) + ":" +
                  select_plugin("manydevices") + "'");
  EXPECT_EQ(c.exit_code, 3) << c.output;
  EXPECT_THAT(c.output, HasSubstr("device 'ref:99' cannot be used"));
  EXPECT_THAT(c.output, HasSubstr("ref:0"));
  EXPECT_THAT(c.output, HasSubstr("manydevices (not loaded)"));
  EXPECT_THAT(c.output, HasSubstr("nodevice (not loaded)"));
  EXPECT_THAT(c.output, Not(HasSubstr("loaded manydevices")));  // it was: every plugin loaded
  EXPECT_THAT(c.output, Not(HasSubstr("loaded nodevice")));
}
