#pragma once
// The plugin file under test: loaded with dlopen(RTLD_NOW | RTLD_LOCAL) as the core loads it,
// its entry points, and facts about it and this process that the loading cases check.
#include <cstdint>
#include <string>
#include <vector>

#include "tg/host.hpp"
#include "tg/plugin.h"

namespace tg::conformance {

struct PluginFile {
  std::string path;
  std::string name_from_file;  // <name> of libtg-<name>.so; "" if the file is not named so
  void* handle = nullptr;
  std::string load_error;      // dlerror() when handle is NULL
  tg_plugin_get_api_fn get_api = nullptr;
  tg_plugin_probe_fn probe = nullptr;
  const tg_plugin_api* api = nullptr;  // get_api(TG_ABI_MAJOR, TG_ABI_MINOR)
  long threads_before = -1, threads_after = -1;  // around dlopen and get_api

  // Loads the file (never unloaded: plugins are not unloaded before exit).
  static PluginFile load(const std::string& path);
};

// The symbols an ELF shared object exports: defined, global or weak, default or protected
// visibility, in its dynamic symbol table. Throws std::runtime_error naming what is wrong with
// a file it cannot read.
std::vector<std::string> exported_symbols(const std::string& path);

// This process: threads (/proc/self/task), open file descriptors (/proc/self/fd), resident
// memory in bytes (VmRSS). -1 where /proc cannot tell.
long thread_count();
long open_fd_count();
long resident_bytes();

}  // namespace tg::conformance
