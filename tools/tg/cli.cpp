#include "cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

extern char** environ;  // POSIX

namespace tgtool {

bool parse_args(const Command& command, const std::string& usage, po::options_description options,
                const std::vector<std::string>& args, po::variables_map& vm) {
  const std::string name = std::string("tg ") + command.name;
  options.add_options()("help,h", "Show this help and exit.");
  try {
    store_options(args, options, vm);
    if (vm.count("help")) {
      std::cout << "Usage: tg " << usage << "\n\n" << command.summary << "\n\n" << options;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(name + ": " + e.what(), name);
  }
  return true;
}

void print_table(std::ostream& os, const std::vector<std::vector<std::string>>& rows,
                 const std::string& indent) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    os << line << "\n";
  }
}

std::string env_or_unset(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? std::string(value) : std::string("(unset)");
}

void store_options(const std::vector<std::string>& args, const po::options_description& options,
                   po::variables_map& vm) {
  // Stray arguments are collected under a hidden name so the error can name the first one
  // (Program_options would drop them silently, or report them without naming them).
  po::options_description all;
  all.add(options).add_options()("tg-stray-argument", po::value<std::vector<std::string>>());
  po::positional_options_description stray;
  stray.add("tg-stray-argument", -1);
  po::store(po::command_line_parser(args).options(all).positional(stray).run(), vm);
  if (vm.count("tg-stray-argument"))
    throw po::error("unexpected argument '" + vm["tg-stray-argument"].as<std::vector<std::string>>()[0] + "'");
}

std::vector<std::pair<std::string, std::string>> env_with_prefix(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || entry.compare(0, prefix.size(), prefix) != 0) continue;
    out.emplace_back(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tgtool
