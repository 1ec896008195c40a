// Plugin discovery and the ABI handshake.
#include "runtime/plugin_host.hpp"

#include <boost/dll/runtime_symbol_info.hpp>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>

#include "runtime/env.hpp"
#include "runtime/runtime.hpp"
#include "tg/device.hpp"

static_assert(tg::abi_major == TG_ABI_MAJOR && tg::abi_minor == TG_ABI_MINOR,
              "tg/device.hpp states the ABI version of tg/plugin.h");

namespace fs = std::filesystem;

namespace tg::detail {

bool plugin_debug() { return env_int("TG_PLUGIN_DEBUG") > 0; }
void debug_log(const std::string& line) {
  if (plugin_debug()) std::cerr << "[tg plugin] " << line << "\n";
}
void warning_log(const std::string& line) { std::cerr << "[tg] warning: " << line << "\n"; }

namespace {

void host_log(int32_t level, const char* message) {
  if (plugin_debug() || env_int("TG_DEBUG") > 0 || level >= TG_LOG_WARNING)
    std::cerr << "[tg plugin log] " << (message ? message : "") << "\n";
}
const tg_host_services kHostServices = {sizeof(tg_host_services), tg::sdk::host_error_create, host_log};

std::string name_from_file(const fs::path& p) {
  static const std::regex re("libtg-([a-z][a-z0-9_]*)\\.so");
  std::smatch m;
  std::string f = p.filename().string();
  return std::regex_match(f, m, re) ? m[1].str() : "";
}

}  // namespace

LoadedPlugin::~LoadedPlugin() {
  if (api && handle) api->shutdown(handle);
}

namespace {
// The TG_PLUGIN_PATH entries, in order.
std::vector<std::string> user_search_paths() {
  std::vector<std::string> out;
  std::string env = env_str("TG_PLUGIN_PATH");
  size_t start = 0;
  while (start <= env.size() && !env.empty()) {
    size_t end = env.find(':', start);
    std::string item = env.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}
}  // namespace

std::vector<std::string> search_paths() {
  std::vector<std::string> out = user_search_paths();
  // Normalized, so messages read /prefix/lib/tg-plugins, not /prefix/bin/../lib/tg-plugins.
  fs::path here = fs::path(boost::dll::this_line_location().parent_path().string()).lexically_normal();
  out.push_back((here / TG_PLUGIN_DIR_NAME).string());
  std::string install = TG_INSTALL_PLUGIN_DIR;
  if (fs::path(install).lexically_normal() != (here / TG_PLUGIN_DIR_NAME).lexically_normal()) out.push_back(install);
  return out;
}

std::vector<Candidate> discover(std::vector<std::string>* notes) {
  std::vector<Candidate> out;
  std::map<std::string, std::string> seen;
  bool from_user = false;
  auto consider = [&](const fs::path& file, bool named_explicitly) {
    std::string name = name_from_file(file);
    if (name.empty()) {
      if (named_explicitly && notes)
        notes->push_back(file.string() + ": not a plugin file name (expected libtg-<name>.so)");
      return;
    }
    if (auto it = seen.find(name); it != seen.end()) {
      debug_log("skip " + file.string() + ": plugin '" + name + "' already found at " + it->second);
      for (Candidate& c : out)
        if (c.name == name && c.hides.empty()) c.hides = file.string();
      return;
    }
    seen[name] = file.string();
    debug_log("candidate " + name + " at " + file.string());
    out.push_back({name, file.string(), from_user, ""});
  };
  const size_t n_user = user_search_paths().size();
  const std::vector<std::string> paths = search_paths();
  for (size_t i = 0; i < paths.size(); i++) {
    const std::string& entry = paths[i];
    from_user = i < n_user;
    std::error_code ec;
    fs::path p(entry);
    if (fs::is_regular_file(p, ec)) {
      consider(p, true);
    } else if (fs::is_directory(p, ec)) {
      std::vector<fs::path> files;
      for (auto& de : fs::directory_iterator(p, ec)) files.push_back(de.path());
      std::sort(files.begin(), files.end());
      for (auto& f : files) consider(f, false);
    } else {
      debug_log("search path " + entry + " does not exist");
    }
  }
  return out;
}

namespace {
// Every plugin file loaded so far, by path (never destroyed: see libraries()).
std::map<std::string, std::shared_ptr<LoadedPlugin>>& loaded_plugins() {
  static auto* loaded = new std::map<std::string, std::shared_ptr<LoadedPlugin>>();
  return *loaded;
}
// Guards loaded_plugins(): loading and initializing happen once per file, whichever threads ask at once.
std::mutex& loaded_plugins_mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}
}  // namespace

std::shared_ptr<LoadedPlugin> loaded_plugin(const std::string& path) {
  std::lock_guard<std::mutex> lock(loaded_plugins_mutex());
  auto it = loaded_plugins().find(path);
  return it == loaded_plugins().end() ? nullptr : it->second;
}

std::shared_ptr<LoadedPlugin> load_plugin(const Candidate& c) {
  std::lock_guard<std::mutex> lock(loaded_plugins_mutex());
  auto& cache = loaded_plugins();
  if (auto it = cache.find(c.path); it != cache.end()) return it->second;
  auto lp = std::make_shared<LoadedPlugin>();
  cache[c.path] = lp;
  lp->name = c.name;
  lp->path = c.path;
  const std::string core_abi = std::to_string(TG_ABI_MAJOR) + "." + std::to_string(TG_ABI_MINOR);
  auto fail = [&](const std::string& why) {
    lp->error = why;
    debug_log("reject " + c.path + ": " + why);
    return lp;
  };
  // Loaded files stay loaded until exit (a plugin's code may still be referenced by objects
  // freed late).
  const tg::sdk::PluginLibrary lib = tg::sdk::open_plugin_library(c.path);
  if (!lib.handle) return fail("the loader could not open it: " + lib.error);
  if (!lib.get_api)
    return fail("it does not export tg_plugin_get_api (not a tg plugin, or built without TG_PLUGIN_EXPORT)");
  const tg_plugin_api* api = lib.get_api(TG_ABI_MAJOR, TG_ABI_MINOR);
  if (!api)
    return fail("tg_plugin_get_api returned NULL for core ABI " + core_abi + " (the plugin does not speak ABI major " +
                std::to_string(TG_ABI_MAJOR) + ")");
  lp->abi = std::to_string(api->abi_major) + "." + std::to_string(api->abi_minor);
  if (api->struct_size < offsetof(tg_plugin_api, synchronize) + sizeof(api->synchronize))
    return fail("its API table is smaller than ABI 1.0's (struct_size " + std::to_string(api->struct_size) + ")");
  if (api->abi_major != TG_ABI_MAJOR)
    return fail("it was built for ABI " + lp->abi + " but this core speaks ABI " + core_abi +
                " (majors must match: rebuild the plugin against this tg)");
#if TG_ABI_MIN_MINOR > 0
  if (api->abi_minor < TG_ABI_MIN_MINOR)
    return fail("its ABI " + lp->abi + " is older than the oldest this core accepts (" + std::to_string(TG_ABI_MAJOR) +
                "." + std::to_string(TG_ABI_MIN_MINOR) + ")");
#endif
  std::string api_name = api->name ? api->name : "";
  if (api_name != c.name)
    return fail("its file name says '" + c.name + "' but the plugin calls itself '" + api_name +
                "' (rename the file to libtg-" + api_name + ".so)");
  const void* required[] = {(void*)api->initialize, (void*)api->shutdown, (void*)api->device_count,
                            (void*)api->device_get_props, (void*)api->device_open, (void*)api->device_close,
                            (void*)api->device_get_caps, (void*)api->buffer_alloc, (void*)api->buffer_free,
                            (void*)api->buffer_write, (void*)api->buffer_read, (void*)api->buffer_copy,
                            (void*)api->program_compile, (void*)api->executable_free, (void*)api->launch,
                            (void*)api->synchronize};
  for (const void* slot : required)
    if (!slot) return fail("a required slot of its API table is NULL");
  lp->api = api;
  lp->score = api->priority;
  if (lib.probe) {
    lp->score = lib.probe();
    if (lp->score <= 0) {
      lp->no_device_reason = "its probe says it cannot run on this machine";
      debug_log(c.name + ": probe score 0");
      return lp;
    }
  }
  std::string options = env_str(("TG_PLUGIN_OPTIONS_" + [&] {
                                  std::string up = c.name;
                                  for (char& ch : up) ch = static_cast<char>(std::toupper(ch));
                                  return up;
                                }()).c_str());
  if (const tg::sdk::Status s = tg::sdk::initialize(api, kHostServices, tg::version(), lp->path, options.c_str(), &lp->handle);
      !s.ok()) {
    lp->handle = nullptr;
    lp->api = nullptr;
    return fail("initialize failed: " + s.what());
  }
  if (const tg::sdk::Status s = take(api->device_count(lp->handle, &lp->device_count)); !s.ok()) {
    lp->device_count = 0;
    lp->no_device_reason = s.what();
  } else if (lp->device_count == 0) {
    lp->no_device_reason = "the plugin reports no devices";
  } else if (lp->device_count > kMaxDevicesPerPlugin) {
    // Nothing has that many; a count read from garbage would make `tg devices` ask for each.
    warning_log("plugin " + c.name + " (" + c.path + ") reports " + std::to_string(lp->device_count) +
                " devices; using the first " + std::to_string(kMaxDevicesPerPlugin));
    lp->device_count = kMaxDevicesPerPlugin;
  }
  debug_log("loaded " + c.name + " ABI " + lp->abi + ", " + std::to_string(lp->device_count) + " device(s), score " +
            std::to_string(lp->score) + (lp->no_device_reason.empty() ? "" : " (" + lp->no_device_reason + ")"));
  return lp;
}

}  // namespace tg::detail
