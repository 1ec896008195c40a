#pragma once
// tg::Error: every failure tg reports is one of these (a std::runtime_error). Messages say what
// was wrong and how to fix it.
#include <stdexcept>
#include <string>

namespace tg {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace tg
