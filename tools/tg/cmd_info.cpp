// tg info: version, ABI, default device (or why there is none), plugin search path, TG_* settings.
#include <tg/tg.hpp>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace tgtool {

int run_info(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!parse_args(command("info"), "info [options]", po::options_description("Options"), args, vm))
    return kExitOk;

  std::cout << "tg version:      " << tg::version() << "\n"
            << "plugin ABI:      " << tg::abi_major << "." << tg::abi_minor << "\n";
  // A missing or unusable default device is what `tg info` is often run to diagnose: report it.
  std::string default_device;
  try {
    default_device = tg::Device::default_device();
  } catch (const tg::Error& e) {
    default_device = std::string("none\n  ") + e.what();
  }
  std::cout << "default device:  " << default_device << "\n";

  std::cout << "\nplugin search path, in order:\n";
  for (const std::string& p : tg::plugin_search_paths()) {
    std::error_code ec;
    std::cout << "  " << p << (std::filesystem::exists(p, ec) ? "" : "  (does not exist)") << "\n";
  }

  std::cout << "\nenvironment:\n";
  std::vector<std::vector<std::string>> rows = {{"VARIABLE", "VALUE", "DEFAULT", "HELP"}};
  for (const tg::EnvVar& v : tg::env_vars()) {
    const std::string default_value = v.default_value.empty() ? "-" : v.default_value;
    const size_t placeholder = v.name.find('<');
    if (placeholder == std::string::npos) {
      rows.push_back({v.name, env_or_unset(v.name), default_value, v.help});
      continue;
    }
    // A family such as TG_PLUGIN_OPTIONS_<NAME>: the pattern, then every variable set in it.
    rows.push_back({v.name, "", default_value, v.help});
    for (const auto& [name, value] : env_with_prefix(v.name.substr(0, placeholder)))
      rows.push_back({"  " + name, value, "", ""});
  }
  print_table(std::cout, rows, "  ");
  return kExitOk;
}

}  // namespace tgtool
