// Loading: the file opens with RTLD_NOW | RTLD_LOCAL, is named libtg-<name>.so after its
// table's name, exports the entry points and nothing else, answers only ABI major 1, fills every
// mandatory slot, and neither loading nor probing starts a thread or opens a device.
#include <chrono>
#include <string>

#include "case.hpp"
#include "host.hpp"

namespace tg::conformance {
namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n[0] < 'a' || n[0] > 'z') return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

Outcome loads(Context& ctx) {
  const PluginFile& f = ctx.file();
  if (!f.handle) return fail("dlopen(RTLD_NOW | RTLD_LOCAL) failed: " + f.load_error);
  if (!f.get_api) return fail(f.load_error);
  if (!f.api) return fail("tg_plugin_get_api(" + std::to_string(TG_ABI_MAJOR) + ", " + std::to_string(TG_ABI_MINOR) + ") returned NULL");
  return pass();
}

Outcome file_name(Context& ctx) {
  const PluginFile& f = ctx.file();
  if (f.name_from_file.empty()) return fail("the file is not named libtg-<name>.so, so no host will find it: " + f.path);
  if (!valid_name(f.name_from_file)) return fail("<name> '" + f.name_from_file + "' is not [a-z][a-z0-9_]*");
  if (f.api && f.api->name && f.name_from_file != f.api->name)
    return fail(std::string("the table's name is '") + f.api->name + "' but the file is libtg-" + f.name_from_file + ".so");
  return pass();
}

Outcome exports(Context& ctx) {
  const std::vector<std::string> names = exported_symbols(ctx.file().path);
  std::string extra;
  size_t n_extra = 0;
  bool has_get_api = false;
  for (const std::string& n : names) {
    if (n == "tg_plugin_get_api") has_get_api = true;
    if (n == "tg_plugin_get_api" || n == "tg_plugin_probe") continue;
    if (n_extra++ < 8) extra += (extra.empty() ? "" : ", ") + n;
  }
  if (!has_get_api) return fail("tg_plugin_get_api is not in the dynamic symbol table");
  if (n_extra)
    return fail(std::to_string(n_extra) + " symbols besides the entry points are exported (" + extra +
                (n_extra > 8 ? ", ..." : "") + "): link with -Wl,--version-script=<share/tg/tg-plugin.map>");
  return pass();
}

Outcome unknown_major(Context& ctx) {
  const PluginFile& f = ctx.file();
  if (!f.get_api) return fail("no tg_plugin_get_api");
  for (uint32_t major : {0u, 2u, 3u, 0xffffffffu}) {
    const tg_plugin_api* api = f.get_api(major, 0);
    if (api) return fail("tg_plugin_get_api(" + std::to_string(major) + ", 0) returned a table; it must return NULL for a major it does not speak");
  }
  const tg_plugin_api* newer = f.get_api(TG_ABI_MAJOR, 999);
  if (!newer) return fail("tg_plugin_get_api(1, 999) returned NULL: a host of a newer minor must get the 1.x table");
  if (newer->abi_major != TG_ABI_MAJOR) return fail("tg_plugin_get_api(1, 999) returned a table of major " + std::to_string(newer->abi_major));
  if (f.get_api(TG_ABI_MAJOR, TG_ABI_MINOR) != f.api) return fail("tg_plugin_get_api returns a different table on a second call; it must be static");
  return pass();
}

Outcome table(Context& ctx) {
  const tg_plugin_api* api = ctx.api();
  if (!api) return fail("no table");
  const size_t v1_0 = offsetof(tg_plugin_api, synchronize) + sizeof(api->synchronize);
  if (api->struct_size < v1_0)
    return fail("struct_size " + std::to_string(api->struct_size) + " is smaller than the 1.0 table (" + std::to_string(v1_0) + " bytes)");
  if (api->abi_major != TG_ABI_MAJOR) return fail("abi_major is " + std::to_string(api->abi_major));
  if (!api->name || !valid_name(api->name)) return fail("name is NULL or not [a-z][a-z0-9_]*");
  if (!api->version || !*api->version) return fail("version is NULL or empty");
  if (!api->description || !*api->description) return fail("description is NULL or empty");
  std::string missing;
  auto need = [&](const void* slot, const char* name) {
    if (!slot) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  need(reinterpret_cast<const void*>(api->initialize), "initialize");
  need(reinterpret_cast<const void*>(api->shutdown), "shutdown");
  need(reinterpret_cast<const void*>(api->device_count), "device_count");
  need(reinterpret_cast<const void*>(api->device_get_props), "device_get_props");
  need(reinterpret_cast<const void*>(api->device_open), "device_open");
  need(reinterpret_cast<const void*>(api->device_close), "device_close");
  need(reinterpret_cast<const void*>(api->device_get_caps), "device_get_caps");
  need(reinterpret_cast<const void*>(api->buffer_alloc), "buffer_alloc");
  need(reinterpret_cast<const void*>(api->buffer_free), "buffer_free");
  need(reinterpret_cast<const void*>(api->buffer_write), "buffer_write");
  need(reinterpret_cast<const void*>(api->buffer_read), "buffer_read");
  need(reinterpret_cast<const void*>(api->buffer_copy), "buffer_copy");
  need(reinterpret_cast<const void*>(api->program_compile), "program_compile");
  need(reinterpret_cast<const void*>(api->executable_free), "executable_free");
  need(reinterpret_cast<const void*>(api->launch), "launch");
  need(reinterpret_cast<const void*>(api->synchronize), "synchronize");
  if (!missing.empty()) return fail("mandatory slots are NULL: " + missing);
  return pass(std::string("ABI ") + std::to_string(api->abi_major) + "." + std::to_string(api->abi_minor) + ", version " + api->version);
}

Outcome load_starts_no_thread(Context& ctx) {
  const PluginFile& f = ctx.file();
  if (f.threads_before < 0) return fail("/proc/self/task cannot be read, so threads cannot be counted");
  if (f.threads_after != f.threads_before)
    return fail("loading the file and calling tg_plugin_get_api changed the thread count from " + std::to_string(f.threads_before) +
                " to " + std::to_string(f.threads_after) + "; they must start none");
  return pass();
}

// Runs first in a fresh process (Needs::Pristine): nothing has initialized the plugin yet.
Outcome probe(Context& ctx) {
  const PluginFile& f = ctx.file();
  if (!f.probe) return pass("no tg_plugin_probe (optional)");
  const long threads = thread_count(), fds = open_fd_count();
  const auto t0 = std::chrono::steady_clock::now();
  const int32_t score = f.probe();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const long threads_after = thread_count(), fds_after = open_fd_count();
  if (score < 0) return fail("tg_plugin_probe returned " + std::to_string(score) + "; a score is >= 0");
  if (threads_after != threads)
    return fail("tg_plugin_probe changed the thread count from " + std::to_string(threads) + " to " + std::to_string(threads_after));
  if (fds_after != fds)
    return fail("tg_plugin_probe left " + std::to_string(fds_after - fds) + " more file descriptors open (a device or driver opened)");
  if (secs > 2.0) return fail("tg_plugin_probe took " + std::to_string(secs) + " s; it must be cheap");
  if (f.probe() != score) return fail("tg_plugin_probe gave a different score on a second call");
  return pass("score " + std::to_string(score));
}

}  // namespace

void add_loading_cases(std::vector<Case>& cases) {
  cases.push_back({"loading/probe-is-pure", Level::Abi, Needs::Pristine, probe, "", ""});
  cases.push_back({"loading/dlopen", Level::Abi, Needs::File, loads, "", ""});
  cases.push_back({"loading/no-threads-at-load", Level::Abi, Needs::File, load_starts_no_thread, "", ""});
  cases.push_back({"loading/file-name", Level::Abi, Needs::File, file_name, "", ""});
  cases.push_back({"loading/exports-only-entry-points", Level::Abi, Needs::File, exports, "", ""});
  cases.push_back({"loading/unknown-major-is-null", Level::Abi, Needs::File, unknown_major, "", ""});
  cases.push_back({"loading/table-and-mandatory-slots", Level::Abi, Needs::File, table, "", ""});
}

}  // namespace tg::conformance
