#include "report.hpp"

#include <algorithm>
#include <iomanip>
#include <map>

#include "values.hpp"

namespace tg::conformance {

void print_matrix(std::ostream& out, const std::vector<const Case*>& cases, const std::vector<Result>& results) {
  std::vector<std::string> rows;
  std::map<std::string, std::map<std::string, char>> cells;  // row -> dtype -> worst mark
  auto rank = [](char m) { return m == 'x' ? 3 : m == 'o' ? 2 : m == 'u' ? 1 : 0; };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = *cases[i];
    if (c.row.empty() || !results[i].ran) continue;
    if (std::find(rows.begin(), rows.end(), c.row) == rows.end()) rows.push_back(c.row);
    char& cell = cells[c.row][c.col];
    const char m = results[i].outcome.passed ? results[i].outcome.mark : 'x';
    if (rank(m) > rank(cell)) cell = m;
  }
  if (rows.empty()) return;
  size_t width = 0;
  for (const std::string& r : rows) width = std::max(width, r.size());
  out << "\nSupport matrix (ok: matches the host; --: refused as UNSUPPORTED, not claimed; FAIL: see above)\n";
  out << std::left << std::setw(static_cast<int>(width) + 2) << "";
  for (uint32_t d : kAllDtypes) out << std::setw(9) << dtype_str(d);
  out << "\n";
  for (const std::string& r : rows) {
    out << std::setw(static_cast<int>(width) + 2) << r;
    for (uint32_t d : kAllDtypes) {
      const auto it = cells[r].find(dtype_str(d));
      const char m = it == cells[r].end() ? 0 : it->second;
      out << std::setw(9) << (m == 'x' ? "FAIL" : m == 'o' ? "ok" : m == 'u' ? "--" : "");
    }
    out << "\n";
  }
  out << std::right;
}

void print_summary(std::ostream& out, const std::vector<const Case*>& cases, const std::vector<Result>& results) {
  size_t passed = 0, failed = 0;
  std::vector<size_t> failures;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (results[i].ran && results[i].outcome.passed) {
      ++passed;
    } else {
      ++failed;
      failures.push_back(i);
    }
  }
  if (!failures.empty()) {
    out << "\nFailed:\n";
    for (size_t i : failures) {
      const std::string& d = results[i].outcome.detail;
      out << "  " << cases[i]->name << ": " << (results[i].ran ? d : "not run") << "\n";
    }
  }
  out << "\n" << passed << " passed, " << failed << " failed\n";
}

}  // namespace tg::conformance
