// tg devices: every device the plugins offer, available or not, and why not.
#include <tg/tg.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace tgtool {
namespace {

// A reason may span lines (a loader's message); a table cell may not.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

int run_devices(const std::vector<std::string>& args) {
  po::variables_map vm;
  if (!parse_args(command("devices"), "devices [options]", po::options_description("Options"), args, vm))
    return kExitOk;

  const std::vector<tg::DeviceInfo> found = tg::devices();
  if (found.empty()) {
    std::cerr << "tg devices: no plugin (libtg-<name>.so) found. Searched, in order:\n";
    for (const std::string& p : tg::plugin_search_paths()) std::cerr << "  " << p << "\n";
    std::cerr << "Set TG_PLUGIN_PATH to a directory or file holding a plugin.\n";
    return kExitFailure;
  }

  std::vector<std::vector<std::string>> rows = {
      {"NAME", "INDEX", "AVAILABLE", "PRIORITY", "ABI", "PLUGIN", "DESCRIPTION"}};
  std::vector<std::string> reasons;
  for (const tg::DeviceInfo& d : found) {
    const std::string id = d.name + ":" + std::to_string(d.index);
    rows.push_back({d.name, std::to_string(d.index), d.available ? "yes" : "no", std::to_string(d.priority),
                    d.abi_version, d.plugin_file, one_line(d.description)});
    if (!d.available) reasons.push_back(id + ": " + (d.reason.empty() ? "(no reason given)" : one_line(d.reason)));
  }
  print_table(std::cout, rows);
  if (!reasons.empty()) {
    std::cout << "\nNot available:\n";
    for (const std::string& r : reasons) std::cout << "  " << r << "\n";
  }
  return kExitOk;
}

}  // namespace tgtool
