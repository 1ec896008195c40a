// Choosing devices: TG_DEVICE, `auto`, and the errors that say why a device cannot be had.
#include <algorithm>
#include <map>
#include <mutex>
#include <regex>

#include "runtime/env.hpp"
#include "runtime/plugin_host.hpp"
#include "runtime/runtime.hpp"
#include "tg/error.hpp"

namespace tg {
namespace detail {
namespace {

// Opened devices and the default, shared by all threads under `mutex` (recursive: choosing a
// device may list the others for an error message). Lazy opening happens under it, so two
// threads asking for the same device at once open it once.
struct Registry {
  std::recursive_mutex mutex;
  std::map<std::string, std::shared_ptr<Device>> opened;  // "ref:0" -> device
  std::shared_ptr<Device> default_device;
};
Registry& registry() {
  static auto* r = new Registry();  // lives until exit: tensors in static storage may outlive main
  return *r;
}
using RegistryLock = std::lock_guard<std::recursive_mutex>;

std::string core_abi() { return std::to_string(TG_ABI_MAJOR) + "." + std::to_string(TG_ABI_MINOR); }

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); i++) s += (i ? sep : "") + v[i];
  return s;
}

// A summary of what was found, for error messages. It loads nothing: plugins not loaded yet
// are named as such (loading them all could start drivers, or ask a broken plugin for billions
// of devices, only to word an error).
std::string found_summary() {
  std::vector<std::string> found;
  for (const Candidate& c : discover(nullptr)) {
    auto lp = loaded_plugin(c.path);
    if (!lp) {
      found.push_back(c.name + " (not loaded)");
    } else if (!lp->error.empty() || lp->device_count == 0) {
      found.push_back(c.name + " (unavailable: " + (lp->error.empty() ? lp->no_device_reason : lp->error) + ")");
    } else if (lp->device_count <= 4) {
      for (uint32_t i = 0; i < lp->device_count; i++) found.push_back(c.name + ":" + std::to_string(i));
    } else {
      found.push_back(c.name + ":0 to " + c.name + ":" + std::to_string(lp->device_count - 1));
    }
  }
  std::string s = "Devices found: " + (found.empty() ? std::string("none") : join(found, ", ")) + ".";
  s += " Searched: " + join(search_paths(), ", ") + ".";
  s += " Core ABI " + core_abi() + ". Set TG_PLUGIN_PATH to a directory holding libtg-<name>.so, or TG_PLUGIN_DEBUG=1 to trace the search.";
  return s;
}

struct Spec {
  std::string name;
  uint32_t index;
};
Spec parse_spec(const std::string& spec) {
  static const std::regex re("([a-z][a-z0-9_]*)(?::([0-9]{1,6}))?");
  std::smatch m;
  if (!std::regex_match(spec, m, re))
    throw Error("bad device name '" + spec + "': expected name[:index] such as 'ref' or 'opencl:1' (lower-case name, non-negative index)");
  return {m[1].str(), m[2].matched ? static_cast<uint32_t>(std::stoul(m[2].str())) : 0u};
}

std::shared_ptr<Device> open(const std::shared_ptr<LoadedPlugin>& lp, uint32_t index) {
  std::string key = lp->name + ":" + std::to_string(index);
  auto& opened = registry().opened;
  if (auto it = opened.find(key); it != opened.end()) return it->second;
  tg_device* h = nullptr;
  {
    std::lock_guard<std::mutex> calls(lp->calls);
    check(lp->api->device_open(lp->handle, index, &h), "opening device " + key);
  }
  auto dev = std::make_shared<Device>(lp, index, h);
  opened[key] = dev;
  return dev;
}

// The best device that opens among the specs, in their order (all plugins, device 0, by their
// priority, if specs is empty). A device that fails to open, and (in a list) a named device
// that does not exist, is skipped with a warning naming it and why; so is, once a device is
// chosen, every plugin that failed to load or start and might have been preferred to it.
std::shared_ptr<Device> pick_best(const std::vector<Spec>& specs, const std::string& asked) {
  struct Choice {
    std::shared_ptr<LoadedPlugin> lp;
    uint32_t index;
    size_t rank;  // position in specs (0 when choosing among all)
  };
  struct Skipped {
    std::string what;
    size_t rank;
    int32_t score;  // 0: unknown (it failed before saying)
  };
  std::vector<Choice> choices;
  std::vector<Skipped> skipped;
  std::vector<std::string> notes;
  for (const Candidate& c : discover(&notes)) {
    std::vector<std::pair<size_t, uint32_t>> wanted;  // (rank, index)
    if (specs.empty()) wanted.push_back({0, 0});
    for (size_t i = 0; i < specs.size(); i++)
      if (specs[i].name == c.name) wanted.push_back({i, specs[i].index});
    if (wanted.empty()) continue;
    auto lp = load_plugin(c);
    if (!lp->error.empty()) {
      // A packaged plugin whose runtime is not installed (libtg-hip.so without ROCm) fails to
      // load on every such machine: only TG_DEVICE=hip or TG_PLUGIN_DEBUG=1 need say so. One the
      // user put in TG_PLUGIN_PATH, or one hiding another file of its name, is worth a warning.
      const bool notable = !specs.empty() || lp->score > 0 || c.from_plugin_path || !c.hides.empty();
      if (notable)
        skipped.push_back({"plugin " + c.name + " (" + c.path + "): " + lp->error +
                               (c.hides.empty() ? "" : " (it hides " + c.hides + ")"),
                           wanted[0].first, lp->score});
      continue;
    }
    for (auto [rank, index] : wanted) {
      if (index < lp->device_count) {
        choices.push_back({lp, index, rank});
      } else if (!specs.empty()) {  // named, so worth a word; unset TG_DEVICE skips device-less plugins quietly
        skipped.push_back({"device " + c.name + ":" + std::to_string(index) + ": plugin " + c.path + " has " +
                               std::to_string(lp->device_count) + " device(s)" +
                               (lp->no_device_reason.empty() ? "" : " (" + lp->no_device_reason + ")"),
                           rank, lp->score});
      }
    }
  }
  std::stable_sort(choices.begin(), choices.end(), [](const Choice& a, const Choice& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.lp->score > b.lp->score;
  });
  std::vector<std::string> failures;
  for (const Choice& ch : choices) {
    const std::string key = ch.lp->name + ":" + std::to_string(ch.index);
    std::shared_ptr<Device> dev;
    try {
      dev = open(ch.lp, ch.index);
    } catch (const Error& e) {
      failures.push_back(key + ": " + e.what());
      warning_log("TG_DEVICE=" + asked + ": skipping device " + key + " (" + ch.lp->path + "): " + e.what() +
                  "; trying the next");
      continue;
    }
    for (const Skipped& s : skipped) {
      const bool preferred = specs.empty() ? (s.score == 0 || s.score > ch.lp->score) : s.rank < ch.rank;
      if (preferred) warning_log("TG_DEVICE=" + asked + ": skipping " + s.what + "; using " + key);
    }
    debug_log("chose " + key + " for TG_DEVICE=" + asked);
    return dev;
  }
  std::string why;
  for (const Skipped& s : skipped) why += "; " + s.what;
  for (const std::string& f : failures) why += "; " + f;
  throw Error("TG_DEVICE=" + asked + ": no usable device" + (why.empty() ? "" : " (" + why.substr(2) + ")") + ". " +
              found_summary());
}

}  // namespace

std::shared_ptr<Device> get_device(const std::string& spec_text) {
  RegistryLock lock(registry().mutex);
  Spec spec = parse_spec(spec_text);
  std::string key = spec.name + ":" + std::to_string(spec.index);
  if (auto it = registry().opened.find(key); it != registry().opened.end()) return it->second;
  std::vector<std::string> notes;
  for (const Candidate& c : discover(&notes)) {
    if (c.name != spec.name) continue;
    auto lp = load_plugin(c);
    if (!lp->error.empty())
      throw Error("device '" + spec_text + "' cannot be used: plugin " + c.path + " failed to load: " + lp->error +
                  " (plugin ABI " + (lp->abi.empty() ? "unknown" : lp->abi) + ", core ABI " + core_abi() + "). " +
                  found_summary());
    if (spec.index >= lp->device_count)
      throw Error("device '" + spec_text + "' cannot be used: plugin " + c.path + " has " +
                  std::to_string(lp->device_count) + " device(s)" +
                  (lp->no_device_reason.empty() ? "" : " (" + lp->no_device_reason + ")") + ". " + found_summary());
    return open(lp, spec.index);
  }
  throw Error("device '" + spec_text + "' was not found: no plugin file libtg-" + spec.name + ".so in the search path. " +
              found_summary());
}

std::shared_ptr<Device> default_device() {
  auto& r = registry();
  RegistryLock lock(r.mutex);
  if (r.default_device) return r.default_device;
  std::string env = env_str("TG_DEVICE");
  if (env.empty() || env == "auto") {
    r.default_device = pick_best({}, env.empty() ? "(unset)" : env);
  } else if (env.find(',') != std::string::npos) {
    std::vector<Spec> specs;
    size_t start = 0;
    while (true) {
      size_t end = env.find(',', start);
      specs.push_back(parse_spec(env.substr(start, end == std::string::npos ? std::string::npos : end - start)));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    r.default_device = pick_best(specs, env);
  } else {
    try {
      r.default_device = get_device(env);
    } catch (const Error& e) {
      throw Error(std::string("TG_DEVICE=") + env + ": " + e.what());
    }
  }
  return r.default_device;
}

void set_default_device(const std::string& spec) {
  RegistryLock lock(registry().mutex);
  registry().default_device = get_device(spec);
}

std::vector<std::shared_ptr<Device>> opened_devices() {
  RegistryLock lock(registry().mutex);
  std::vector<std::shared_ptr<Device>> v;
  for (auto& [k, d] : registry().opened) v.push_back(d);
  return v;
}

}  // namespace detail

std::vector<DeviceInfo> devices() {
  using namespace detail;
  RegistryLock lock(registry().mutex);
  std::vector<DeviceInfo> out;
  std::vector<std::string> notes;
  for (const Candidate& c : discover(&notes)) {
    auto lp = load_plugin(c);
    DeviceInfo base;
    base.name = c.name;
    base.plugin_file = c.path;
    base.abi_version = lp->abi;
    base.priority = lp->score;
    if (lp->api && lp->api->description) base.description = lp->api->description;
    if (!lp->error.empty() || lp->device_count == 0) {
      base.reason = lp->error.empty() ? lp->no_device_reason : lp->error;
      out.push_back(base);
      continue;
    }
    for (uint32_t i = 0; i < lp->device_count; i++) {
      DeviceInfo d = base;
      d.index = static_cast<int>(i);
      tg_device_props props{};
      props.struct_size = sizeof(props);
      tg::sdk::Status s;
      {
        std::lock_guard<std::mutex> calls(lp->calls);
        s = take(lp->api->device_get_props(lp->handle, i, &props));
      }
      if (s.ok()) {
        d.available = true;
        if (props.name) d.description += std::string(d.description.empty() ? "" : "; ") + props.name;
      } else {
        d.reason = s.what();
      }
      out.push_back(d);
    }
  }
  return out;
}

std::vector<std::string> plugin_search_paths() { return detail::search_paths(); }

std::string Device::default_device() { return detail::default_device()->name(); }
void Device::set_default(const std::string& name) { detail::set_default_device(name); }

void synchronize() {
  for (auto& d : detail::opened_devices()) d->synchronize();
}

RuntimeStats runtime_stats() { return detail::stats().snapshot(); }
void reset_runtime_stats() { detail::stats().reset(); }

const char* version() { return TG_VERSION; }

}  // namespace tg
