#pragma once
// Finding, loading and handshaking plugins (libtg-<name>.so). Private to the core.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tg/plugin.h"

namespace tg::detail {

struct LoadedPlugin {
  std::string name;   // from the file name
  std::string path;
  const tg_plugin_api* api = nullptr;
  tg_plugin* handle = nullptr;  // after initialize
  std::string abi;              // "1.0" as the plugin states it, or "" if unknown
  std::string error;            // why it cannot be used; empty when loaded and initialized
  uint32_t device_count = 0;
  std::string no_device_reason; // when device_count is 0
  int32_t score = 0;            // probe() or priority
  // Held around every call into the plugin once it is initialized, and over the state of its
  // devices (runtime/runtime.hpp): the ABI's one call at a time per plugin (tg/plugin.h).
  std::mutex calls;
  ~LoadedPlugin();
};

// Directories and files searched, in order: TG_PLUGIN_PATH entries, <dir of libtg>/tg-plugins,
// the install directory.
std::vector<std::string> search_paths();
// Plugin files found, first one per name in search order.
struct Candidate {
  std::string name, path;
  bool from_plugin_path = false;  // found through TG_PLUGIN_PATH (not a packaged directory)
  std::string hides;              // a later file of the same name it hides, if any
};
std::vector<Candidate> discover(std::vector<std::string>* notes);
// Loads (once per path) and initializes; never throws: failures are in ->error.
std::shared_ptr<LoadedPlugin> load_plugin(const Candidate& c);
// The plugin at `path` if load_plugin has been called for it, else nullptr (loads nothing).
std::shared_ptr<LoadedPlugin> loaded_plugin(const std::string& path);
// More devices than this from one plugin are taken as a broken count: the rest are ignored.
constexpr uint32_t kMaxDevicesPerPlugin = 1024;
bool plugin_debug();
void debug_log(const std::string& line);
// One line on stderr, always: something the user should know (a skipped device or plugin).
void warning_log(const std::string& line);

}  // namespace tg::detail
