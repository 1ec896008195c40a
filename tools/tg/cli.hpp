#pragma once
// The tg tool's shared pieces: the subcommand table's entry type, option parsing with --help,
// usage errors and plain-text tables. Each subcommand lives in its own cmd_<name>.cpp.
#include <boost/program_options.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tgtool {

namespace po = boost::program_options;

constexpr int kExitOk = 0;       // did what was asked
constexpr int kExitFailure = 1;  // tg reported an error (a tg::Error) or found nothing to work with
constexpr int kExitUsage = 2;    // the command line itself was wrong

// A mistake in how tg was called. main() prints it with a pointer to `<help_command> --help`
// and exits with kExitUsage.
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, std::string help_command)
      : std::runtime_error(message), help_command_(std::move(help_command)) {}
  const std::string& help_command() const { return help_command_; }

 private:
  std::string help_command_;
};

// One subcommand: `tg <name> args...`. run() gets the arguments after the name.
struct Command {
  const char* name;
  const char* summary;  // one line, shown by `tg --help` and atop the command's own help
  int (*run)(const std::vector<std::string>& args);
};

// Parses a subcommand's arguments against `options` (to which --help is added). Returns false
// when --help was given: the help has then been printed to stdout and the command should return
// kExitOk. Bad options and stray arguments throw UsageError. `usage` is the synopsis after "tg ".
bool parse_args(const Command& command, const std::string& usage, po::options_description options,
                const std::vector<std::string>& args, po::variables_map& vm);

// Parses args against options into vm. Commands take no positional arguments: a stray one
// throws po::error naming it, as does an unknown option.
void store_options(const std::vector<std::string>& args, const po::options_description& options,
                   po::variables_map& vm);

// Prints rows as left-aligned columns, each as wide as its widest cell (the last is not padded).
// rows[0] is the header.
void print_table(std::ostream& os, const std::vector<std::vector<std::string>>& rows,
                 const std::string& indent = "");

// The value of environment variable `name`, or "(unset)".
std::string env_or_unset(const std::string& name);

// Every environment variable whose name starts with `prefix`, as (name, value), sorted by name.
std::vector<std::pair<std::string, std::string>> env_with_prefix(const std::string& prefix);

}  // namespace tgtool
