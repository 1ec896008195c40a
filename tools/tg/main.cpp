// tg: one command-line tool over tg's public API. `tg <command> [options]`; see kCommands.
#include <tg/tg.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace tgtool {
namespace {

const Command* find_command(const std::string& name) {
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

void print_help(std::ostream& os, const po::options_description& options) {
  os << "Usage: tg <command> [options]\n\n"
        "tg " << tg::version() << ": tensors on pluggable devices. Commands:\n";
  std::vector<std::vector<std::string>> rows;
  for (const Command& c : kCommands) rows.push_back({c.name, c.summary});
  print_table(os, rows, "  ");
  os << "\n" << options << "\nRun 'tg <command> --help' for a command's own options.\n";
}

// `tg --help`, `tg --version`: the options that come before any command.
int run_global(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("help,h", "Show this help and exit.")("version", "Print tg's version and exit.");
  po::variables_map vm;
  try {
    store_options(args, options, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string("tg: ") + e.what(), "tg");
  }
  if (vm.count("help")) {
    print_help(std::cout, options);
  } else if (vm.count("version")) {
    std::cout << "tg " << tg::version() << " (plugin ABI " << tg::abi_major << "." << tg::abi_minor << ")\n";
  }
  return kExitOk;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("tg: no command given", "tg");
  const std::string& first = args[0];
  if (first.rfind("-", 0) == 0) return run_global(args);
  const Command* c = find_command(first);
  if (!c) throw UsageError("tg: unknown command '" + first + "'", "tg");
  return c->run(std::vector<std::string>(args.begin() + 1, args.end()));
}

}  // namespace

const Command& command(const std::string& name) {
  if (const Command* c = find_command(name)) return *c;
  throw std::logic_error("tg tool: no command '" + name + "' in kCommands");
}

}  // namespace tgtool

int main(int argc, char** argv) {
  try {
    return tgtool::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const tgtool::UsageError& e) {
    std::cerr << e.what() << "\nRun '" << e.help_command() << " --help' for usage.\n";
    return tgtool::kExitUsage;
  } catch (const tg::Error& e) {
    std::cerr << "tg: error: " << e.what() << "\n";
    return tgtool::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "tg: internal error: " << e.what() << "\n";
    return tgtool::kExitFailure;
  }
}
