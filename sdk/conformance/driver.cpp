// The driver: selects cases by level and filter, runs them in forked children (a crash or a hang
// fails one case, and the next starts in a fresh child), prints each failure as it happens, the
// support matrix and the summary.
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <sstream>

#include "case.hpp"
#include "conformance.hpp"
#include "host.hpp"
#include "report.hpp"

namespace tg::conformance {
namespace {

bool parse_level(const std::string& s, Level& level) {
  for (Level l : {Level::Abi, Level::Quick, Level::Standard, Level::Full})
    if (s == level_name(l)) {
      level = l;
      return true;
    }
  return false;
}

// A name is selected when it matches some include pattern (or there is none) and no exclude.
// A pattern without '*', '?' or '[' matches as a substring.
bool matches(const std::string& pattern, const std::string& name) {
  if (pattern.find_first_of("*?[") == std::string::npos) return name.find(pattern) != std::string::npos;
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}
bool selected(const std::vector<std::string>& filters, const std::string& name) {
  bool any_include = false, included = false;
  for (const std::string& f : filters) {
    if (!f.empty() && f[0] == '-') {
      if (matches(f.substr(1), name)) return false;
    } else {
      any_include = true;
      included = included || matches(f, name);
    }
  }
  return !any_include || included;
}

// One line of the child's report; newlines in the detail become "\n" escapes.
std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\n') o += "\\n";
    else if (c == '\\') o += "\\\\";
    else o += c;
  }
  return o;
}
std::string unescape(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      o += s[i + 1] == 'n' ? '\n' : s[i + 1];
      ++i;
    } else {
      o += s[i];
    }
  }
  return o;
}

Outcome run_one(const Case& c, Context& ctx) {
  try {
    if (c.needs == Needs::Own) ctx.close_session();
    if (c.needs != Needs::File && c.needs != Needs::Pristine && !ctx.api())
      return fail("the plugin gave no table for ABI 1: " + (ctx.file().load_error.empty() ? std::string("tg_plugin_get_api returned NULL") : ctx.file().load_error));
    return c.run(ctx);
  } catch (const SessionError& e) {
    return fail(std::string("cannot get a device: ") + e.what());
  } catch (const std::exception& e) {
    return fail(std::string("the conformance suite failed running this case (its bug): ") + e.what());
  }
}

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// The child: runs cases from `first` on, reporting "B i", "R i <0|1> <mark> <detail>" lines, or
// "X i" when case i needs a fresh process.
[[noreturn]] void child(const Options& o, Level level, const std::vector<const Case*>& cases, size_t first, int fd) {
  PluginFile file = PluginFile::load(o.plugin_path);
  {
    Context ctx(file, level, o.seed, o.plugin_options);
    for (size_t i = first; i < cases.size(); ++i) {
      if (cases[i]->needs == Needs::Pristine && i != first) {
        write_all(fd, "X " + std::to_string(i) + "\n");
        break;
      }
      write_all(fd, "B " + std::to_string(i) + "\n");
      const Outcome r = run_one(*cases[i], ctx);
      write_all(fd, "R " + std::to_string(i) + " " + (r.passed ? "1" : "0") + " " + (r.mark ? r.mark : '-') + " " +
                        escape(r.detail) + "\n");
    }
  }
  close(fd);
  _exit(0);
}

std::string death(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "the plugin crashed the process: signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  if (WIFEXITED(status)) return "the process exited with status " + std::to_string(WEXITSTATUS(status)) + " during this case";
  return "the process ended during this case";
}

void report_case(std::ostream& out, const Case& c, const Result& r, bool verbose) {
  if (!r.outcome.passed) {
    out << "FAIL " << c.name << ": " << r.outcome.detail << "\n";
  } else if (verbose) {
    out << "ok   " << c.name << (r.outcome.detail.empty() ? "" : " (" + r.outcome.detail + ")") << "\n";
  }
  out.flush();
}

void run_forked(const Options& o, Level level, const std::vector<const Case*>& cases, std::vector<Result>& results,
                std::ostream& out) {
  size_t next = 0;
  while (next < cases.size()) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    out.flush();
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      setpgid(0, 0);  // its own group: a timeout kills whatever it forked too
      close(fds[0]);
      child(o, level, cases, next, fds[1]);
    }
    close(fds[1]);
    std::string buffer;
    long current = -1;       // the case begun and not yet reported
    long last = -1;          // the last case reported
    long restart_at = -1;    // where a fresh child must go on ("X i")
    bool killed = false;
    auto started = std::chrono::steady_clock::now();
    for (;;) {
      pollfd p{fds[0], POLLIN, 0};
      const int ready = poll(&p, 1, 1000);
      if (ready == 0) {
        const auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
        if (secs >= o.timeout_s) {
          kill(-pid, SIGKILL);
          kill(pid, SIGKILL);
          killed = true;
          break;  // a grandchild may still hold the pipe open: stop reading
        }
        continue;
      }
      char chunk[4096];
      const ssize_t n = read(fds[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        const std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        std::istringstream in(line);
        char tag = 0;
        size_t i = 0;
        in >> tag >> i;
        if (i >= cases.size()) continue;
        if (tag == 'B') {
          current = static_cast<long>(i);
          started = std::chrono::steady_clock::now();
        } else if (tag == 'X') {
          restart_at = static_cast<long>(i);
        } else if (tag == 'R') {
          int ok = 0;
          char mark = 0;
          in >> ok >> mark;
          std::string detail;
          std::getline(in, detail);
          if (!detail.empty() && detail[0] == ' ') detail.erase(0, 1);
          results[i].ran = true;
          results[i].outcome = Outcome{ok == 1, unescape(detail), mark == '-' ? '\0' : mark};
          report_case(out, *cases[i], results[i], o.verbose);
          current = -1;
          last = static_cast<long>(i);
          started = std::chrono::steady_clock::now();
        }
      }
    }
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    const std::string why = killed ? "timed out after " + std::to_string(o.timeout_s) + " s (killed)" : death(status);
    if (current >= 0) {  // died inside a case
      results[static_cast<size_t>(current)].ran = true;
      results[static_cast<size_t>(current)].outcome = fail(why);
      report_case(out, *cases[static_cast<size_t>(current)], results[static_cast<size_t>(current)], o.verbose);
      next = static_cast<size_t>(current) + 1;
    } else if (restart_at >= 0) {
      next = static_cast<size_t>(restart_at);
    } else if (last >= 0) {
      next = static_cast<size_t>(last) + 1;
    } else {  // died before it began any case: loading the plugin crashed or hung
      results[next].ran = true;
      results[next].outcome = fail("before the case began (loading the plugin): " + why);
      report_case(out, *cases[next], results[next], o.verbose);
      ++next;
    }
  }
}

void run_in_process(const Options& o, Level level, const std::vector<const Case*>& cases, std::vector<Result>& results,
                    std::ostream& out) {
  PluginFile file = PluginFile::load(o.plugin_path);
  Context ctx(file, level, o.seed, o.plugin_options);
  for (size_t i = 0; i < cases.size(); ++i) {
    results[i].ran = true;
    results[i].outcome = run_one(*cases[i], ctx);
    report_case(out, *cases[i], results[i], o.verbose);
  }
}

}  // namespace

int run(const Options& o, std::ostream& out) {
  Level level;
  if (!parse_level(o.level, level)) {
    out << "tg conformance: unknown level '" << o.level << "' (abi, quick, standard, full)\n";
    return 2;
  }
  if (o.plugin_path.empty()) {
    out << "tg conformance: no plugin file given\n";
    return 2;
  }
  if (access(o.plugin_path.c_str(), R_OK) != 0) {
    out << "tg conformance: cannot read " << o.plugin_path << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  static const std::vector<Case> all = all_cases();
  std::vector<const Case*> cases;
  for (const Case& c : all)
    if (c.level <= level && selected(o.filters, c.name)) cases.push_back(&c);
  if (o.list) {
    for (const Case* c : cases) out << c->name << "\n";
    return 0;
  }
  if (cases.empty()) {
    out << "tg conformance: no case matches the filter at level " << o.level << "\n";
    return 2;
  }
  out << "tg conformance: " << o.plugin_path << "\n  level " << o.level << ", " << cases.size() << " cases"
      << (o.fork ? ", each in a child process" : ", in this process") << ", seed " << o.seed << "\n\n";
  set_log_echo(o.verbose);
  std::vector<Result> results(cases.size());
  if (o.fork) run_forked(o, level, cases, results, out);
  else run_in_process(o, level, cases, results, out);
  print_matrix(out, cases, results);
  print_summary(out, cases, results);
  for (const Result& r : results)
    if (!r.ran || !r.outcome.passed) return 1;
  return 0;
}

}  // namespace tg::conformance
