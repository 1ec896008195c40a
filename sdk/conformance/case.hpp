#pragma once
// One conformance case: a name, the level it belongs to, what it needs, and a function that
// returns its outcome. Cases are data: each cases_*.cpp appends rows to the one list.
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "plugin_file.hpp"
#include "session.hpp"

namespace tg::conformance {

// Ordered: a run at level L runs every case of level <= L.
enum class Level { Abi = 0, Quick = 1, Standard = 2, Full = 3 };
const char* level_name(Level level);

enum class Needs {
  File,      // only the loaded file; no plugin need be initialized
  Pristine,  // a process in which nothing of the plugin has been initialized yet
  Device,    // the shared session: the plugin initialized and device 0 open
  Own        // makes its own plugin instances; the shared session is closed first
};

// How a case ended. `mark` feeds the support matrix: 'o' ran and matched, 'u' refused with
// UNSUPPORTED where the device does not claim it (honest), 'x' failed.
struct Outcome {
  bool passed = true;
  std::string detail;  // why it failed, or a note on a pass
  char mark = 'o';
};
inline Outcome pass(std::string note = "") { return {true, std::move(note), 'o'}; }
inline Outcome fail(std::string why) { return {false, std::move(why), 'x'}; }
// An empty `why` is a pass.
inline Outcome check(std::string why) { return why.empty() ? pass() : fail(std::move(why)); }

class Context {
 public:
  Context(const PluginFile& file, Level level, uint64_t seed, std::string options = "")
      : file_(file), level_(level), seed_(seed), options_(std::move(options)) {}
  const PluginFile& file() const { return file_; }
  const tg_plugin_api* api() const { return file_.api; }
  Level level() const { return level_; }
  // The shared session, created on first use. Throws SessionError if it cannot be had.
  Session& session();
  bool has_session() const { return session_ != nullptr; }
  void close_session() { session_.reset(); }
  // A generator seeded from the run's seed and the case's name: a case sees the same numbers
  // whatever else runs.
  std::mt19937_64 rng_for(const std::string& case_name) const;

 private:
  const PluginFile& file_;
  Level level_;
  uint64_t seed_;
  std::string options_;  // the plugin's options for the shared session
  std::unique_ptr<Session> session_;
};

struct Case {
  std::string name;  // "section/what/..."; --filter matches it
  Level level;
  Needs needs;
  std::function<Outcome(Context&)> run;
  // Where the outcome goes in the support matrix (empty: nowhere).
  std::string row, col;
};

// The sections, in the order they run.
void add_loading_cases(std::vector<Case>& cases);
void add_struct_cases(std::vector<Case>& cases);
void add_error_cases(std::vector<Case>& cases);
void add_memory_cases(std::vector<Case>& cases);
void add_sort_cases(std::vector<Case>& cases);
void add_op_cases(std::vector<Case>& cases);
void add_rule_cases(std::vector<Case>& cases);
void add_view_cases(std::vector<Case>& cases);
void add_random_cases(std::vector<Case>& cases);
void add_lifecycle_cases(std::vector<Case>& cases);

std::vector<Case> all_cases();

}  // namespace tg::conformance
