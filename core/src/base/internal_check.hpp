#pragma once
// Internal invariants. A failed one is a bug in tg, not in the caller's input, so its message
// says so, asks for a report and names the place (file:line); errors in what the user gave keep
// their own messages (what was wrong, how to fix it) and do not use these.
//   TG_INTERNAL_CHECK(cond, message): throws unless cond holds
//   TG_INTERNAL_ERROR(message): throws (after a switch that handled every case)
// The message is a std::string expression, evaluated only on failure. Header-only, so the
// header-only containers (small_vector.hpp, node_index.hpp) can use it too.
#include <cstring>
#include <string>

#include "tg/error.hpp"

namespace tg::detail {

// The source file from core/ on (__FILE__ is the build's absolute path).
inline const char* source_path(const char* file) {
  const char* core = std::strstr(file, "core/src/");
  return core ? core : file;
}

[[noreturn]] inline void internal_failure(const char* file, int line, const std::string& message) {
  throw Error("tg internal error: " + message + " (at " + source_path(file) + ":" + std::to_string(line) +
              "). This is a bug in tg, not in your program; please report it with this message.");
}

}  // namespace tg::detail

#define TG_INTERNAL_ERROR(message) ::tg::detail::internal_failure(__FILE__, __LINE__, (message))
#define TG_INTERNAL_CHECK(cond, message)                                   \
  do {                                                                      \
    if (!(cond)) ::tg::detail::internal_failure(__FILE__, __LINE__, (message)); \
  } while (0)
