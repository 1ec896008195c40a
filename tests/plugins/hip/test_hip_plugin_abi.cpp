// libtg-hip.so through the C ABI only (no libtg): its table, and what device_count says compared
// with what HIP itself says. Without an AMD GPU: TG_ERR_UNAVAILABLE, no devices, HIP's error name
// in the message. TG_HIP_PLUGIN overrides the built plugin's path.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "hip_status.hpp"
#include "plugin_test_host.hpp"

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace {
std::string hip_plugin() { return plugintest::plugin_path("TG_HIP_PLUGIN", TG_HIP_PLUGIN_PATH); }
}  // namespace

TEST(HipPluginAbi, TableNamesTheHipPlugin) {
  plugintest::Plugin p(hip_plugin());
  ASSERT_TRUE(p.load_error().empty()) << p.load_error();
  ASSERT_NE(p.api(), nullptr);
  EXPECT_STREQ(p.api()->name, "hip");
  EXPECT_EQ(p.api()->abi_major, uint32_t{TG_ABI_MAJOR});
  EXPECT_EQ(p.api()->priority, 100);
  EXPECT_THAT(p.api()->version, HasSubstr("HIP 5."));
  EXPECT_EQ(p.get_api()(TG_ABI_MAJOR + 1, 0), nullptr);
  // No probe: the core must ask device_count, so HIP's own reason reaches `tg devices`.
  EXPECT_EQ(dlsym(p.handle(), "tg_plugin_probe"), nullptr);
  EXPECT_TRUE(p.init_status().ok()) << p.init_status();
}

TEST(HipPluginAbi, DeviceCountAgreesWithHip) {
  const hiptest::HipStatus hip = hiptest::hip_status();
  plugintest::Plugin p(hip_plugin());
  ASSERT_TRUE(p.load_error().empty()) << p.load_error();
  ASSERT_TRUE(p.init_status().ok()) << p.init_status();
  uint32_t count = 99;
  const plugintest::Status s = plugintest::take(p.api()->device_count(p.plugin(), &count));
  if (hip.has_gpu()) {
    EXPECT_TRUE(s.ok()) << s;
    EXPECT_EQ(count, static_cast<uint32_t>(hip.count));
    return;
  }
  EXPECT_EQ(s.code, TG_ERR_UNAVAILABLE) << s;
  EXPECT_EQ(count, 0u);
  EXPECT_THAT(s.message, StartsWith("hip: no AMD GPU available: hipGetDeviceCount returned " + hip.error_name()));
  // Opening a device that is not there says the same, not something vaguer.
  tg_device* dev = nullptr;
  const plugintest::Status open = plugintest::take(p.api()->device_open(p.plugin(), 0, &dev));
  EXPECT_EQ(open.code, TG_ERR_UNAVAILABLE) << open;
  EXPECT_THAT(open.message, HasSubstr(hip.error_name()));
  EXPECT_EQ(dev, nullptr);
}
