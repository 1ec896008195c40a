#include "host.hpp"

#include <cstdio>
#include <mutex>

namespace tg::conformance {
namespace {

struct LogState {
  std::mutex mutex;
  bool echo = false;
  std::vector<std::string> lines;
};
LogState& log_state() {
  static LogState state;
  return state;
}

void log(int32_t level, const char* message) {
  LogState& s = log_state();
  std::lock_guard<std::mutex> lock(s.mutex);
  const std::string line = std::string(level >= TG_LOG_WARNING ? "warning: " : "") + (message ? message : "");
  if (s.echo) std::fprintf(stderr, "  [plugin] %s\n", line.c_str());
  s.lines.push_back(line);
}

}  // namespace

const tg_host_services& host_services() {
  static const tg_host_services services{sizeof(tg_host_services), &tg::sdk::host_error_create, &log};
  return services;
}

void set_log_echo(bool echo) {
  std::lock_guard<std::mutex> lock(log_state().mutex);
  log_state().echo = echo;
}

std::vector<std::string> take_log_lines() {
  std::lock_guard<std::mutex> lock(log_state().mutex);
  std::vector<std::string> lines;
  lines.swap(log_state().lines);
  return lines;
}

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += len;
  }
  return true;
}

std::string expect_error(const std::string& call, const Status& got, int32_t want) {
  if (got.ok()) return call + ": succeeded; expected " + tg::sdk::status_text(want);
  if (got.code != want) return call + ": returned " + got.str() + "; expected " + tg::sdk::status_text(want);
  if (got.message.empty()) return call + ": returned " + tg::sdk::status_text(want) + " with an empty message";
  if (!valid_utf8(got.message)) return call + ": its message is not valid UTF-8";
  return "";
}

}  // namespace tg::conformance
