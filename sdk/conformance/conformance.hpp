#pragma once
// tg's plugin conformance suite: runs every case against one plugin file through the C ABI
// alone (no libtg) and reports a support matrix and "N passed, N failed".
//
//   tg::conformance::Options o;
//   o.plugin_path = "build/lib/tg-plugins/libtg-ref.so";
//   int status = tg::conformance::run(o, std::cout);   // 0: every case passed
//
// Each case runs in a child process (fork), so a plugin that crashes or hangs fails that case
// instead of ending the run; the next case starts in a fresh child.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tg::conformance {

struct Options {
  std::string plugin_path;
  std::vector<std::string> filters;  // glob patterns over case names; "-pattern" excludes
  std::string level = "standard";    // abi, quick, standard, full
  bool fork = true;                  // false: run in this process (for a debugger)
  bool verbose = false;              // print every case and the plugin's log lines
  bool list = false;                 // print the selected cases' names instead of running them
  int timeout_s = 300;               // per case; a case that takes longer fails
  uint64_t seed = 0;                 // changes every random input and random program
  std::string plugin_options;        // tg_init_args.options of the cases' sessions ("key=value;...")
};

// Runs the suite. Returns 0 if every selected case passed, 1 if any failed, 2 if the options
// are wrong (a message is printed to `out`).
int run(const Options& options, std::ostream& out);

// What the suite checks, its sections, levels and filter syntax: for `tg conformance --help`.
std::string describe();

// The named rules of tg/plugin.h's SEMANTICS that the rules/ section checks, one per line:
// "<name>: <text>" (`tg conformance --rules`).
std::string rules_text();

}  // namespace tg::conformance
