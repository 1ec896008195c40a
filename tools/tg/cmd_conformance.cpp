// tg conformance: runs the plugin conformance suite (sdk/conformance) on one plugin file. The
// suite talks to the plugin through the C ABI alone; this command only finds the file (--device
// looks it up in tg's plugin search path without loading anything) and parses options.
#include <tg/tg.hpp>

#include <conformance.hpp>

#include <sys/stat.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace tgtool {
namespace {

bool is_file(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The first libtg-<name>.so in tg's plugin search path (directories and files, in order).
std::string find_plugin(const std::string& name) {
  const std::string file = "libtg-" + name + ".so";
  const std::vector<std::string> paths = tg::plugin_search_paths();
  for (const std::string& p : paths) {
    const size_t slash = p.find_last_of('/');
    const std::string base = slash == std::string::npos ? p : p.substr(slash + 1);
    if (base == file && is_file(p)) return p;
    if (is_file(p + "/" + file)) return p + "/" + file;
  }
  std::ostringstream os;
  os << "tg conformance: no " << file << " in the plugin search path:\n";
  for (const std::string& p : paths) os << "  " << p << "\n";
  os << "Give the file with --plugin, or set TG_PLUGIN_PATH.";
  throw UsageError(os.str(), "tg conformance");
}

std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    std::stringstream in(v);
    std::string part;
    while (std::getline(in, part, ','))
      if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace

int run_conformance(const std::vector<std::string>& args) {
  tg::conformance::Options o;
  std::string device;
  std::vector<std::string> filters;
  po::options_description options("Options");
  options.add_options()
      ("plugin", po::value<std::string>(&o.plugin_path), "The plugin file to test (libtg-<name>.so).")
      ("device", po::value<std::string>(&device), "Test the plugin named NAME, found in tg's plugin search path.")
      ("filter", po::value<std::vector<std::string>>(&filters),
       "Run only the cases whose name matches (glob, or substring; '-' excludes; repeat or comma-separate).")
      ("level", po::value<std::string>(&o.level)->default_value("standard"), "abi, quick, standard or full.")
      ("list", po::bool_switch(&o.list), "List the selected cases instead of running them.")
      ("rules", po::bool_switch(), "Print the named rules of tg/plugin.h's SEMANTICS that the rules/ cases check.")
      ("verbose,v", po::bool_switch(&o.verbose), "Print every case and the plugin's log lines.")
      ("no-fork", po::bool_switch(), "Run the cases in this process (for a debugger); a crash then ends the run.")
      ("timeout", po::value<int>(&o.timeout_s)->default_value(300), "Seconds a case may take before it fails.")
      ("seed", po::value<uint64_t>(&o.seed)->default_value(0), "Changes every random input and random program.")
      ("options", po::value<std::string>(&o.plugin_options),
       "The plugin's options (\"key=value;...\", as TG_PLUGIN_OPTIONS_<NAME> gives them to tg), e.g. \"jit=2\" "
       "for the onednn plugin to compile every program instead of interpreting its first launch.");
  po::variables_map vm;
  if (!parse_args(command("conformance"), "conformance (--plugin FILE | --device NAME) [options]", options, args, vm)) {
    std::cout << "\n" << tg::conformance::describe();
    return kExitOk;
  }
  if (vm["rules"].as<bool>()) {
    std::cout << tg::conformance::rules_text();
    return kExitOk;
  }
  if (o.plugin_path.empty() == device.empty())
    throw UsageError("tg conformance: give exactly one of --plugin FILE and --device NAME", "tg conformance");
  if (!device.empty()) o.plugin_path = find_plugin(device);
  o.fork = !vm["no-fork"].as<bool>();
  o.filters = split_commas(filters);
  const int status = tg::conformance::run(o, std::cout);
  return status == 0 ? kExitOk : status == 2 ? kExitUsage : kExitFailure;
}

}  // namespace tgtool
