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

// A summary of what was found, for error messages.
std::string found_summary() {
  std::vector<std::string> found;
  for (const DeviceInfo& d : tg::devices())
    found.push_back(d.name + ":" + std::to_string(d.index) + (d.available ? "" : " (unavailable: " + d.reason + ")"));
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

// The best available device among the named plugins (all if empty).
std::shared_ptr<Device> pick_best(const std::vector<std::string>& names, const std::string& asked) {
  std::vector<std::string> notes;
  std::vector<Candidate> cands = discover(&notes);
  std::shared_ptr<LoadedPlugin> best;
  size_t best_rank = SIZE_MAX;
  for (const Candidate& c : cands) {
    size_t rank = names.empty() ? 0 : std::find(names.begin(), names.end(), c.name) - names.begin();
    if (!names.empty() && rank == names.size()) continue;
    auto lp = load_plugin(c);
    if (!lp->error.empty() || lp->device_count == 0) continue;
    bool better = !best || rank < best_rank || (rank == best_rank && lp->score > best->score);
    if (better) best = lp, best_rank = rank;
  }
  if (!best) throw Error("TG_DEVICE=" + asked + ": no usable device. " + found_summary());
  debug_log("chose " + best->name + ":0 for TG_DEVICE=" + asked);
  return open(best, 0);
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
    std::vector<std::string> names;
    size_t start = 0;
    while (true) {
      size_t end = env.find(',', start);
      std::string item = env.substr(start, end == std::string::npos ? std::string::npos : end - start);
      parse_spec(item);  // validates
      names.push_back(item.substr(0, item.find(':')));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    r.default_device = pick_best(names, env);
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
      std::string msg;
      int32_t code;
      {
        std::lock_guard<std::mutex> calls(lp->calls);
        code = take(lp->api->device_get_props(lp->handle, i, &props), &msg);
      }
      if (code == TG_OK) {
        d.available = true;
        if (props.name) d.description += std::string(d.description.empty() ? "" : "; ") + props.name;
      } else {
        d.reason = msg;
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
