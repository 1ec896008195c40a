#pragma once
// What the driver prints once every case ran: the support matrix and the summary.
#include <ostream>
#include <string>
#include <vector>

#include "case.hpp"

namespace tg::conformance {

struct Result {
  bool ran = false;
  Outcome outcome;
};

// Rows are ops (and CAST sources, REDUCE kinds), columns dtypes. A cell is "ok" when every case
// of it matched, "--" when the device honestly refused what its caps do not claim, "FAIL" when
// any failed, blank where tg.kir has no such combination or nothing ran.
void print_matrix(std::ostream& out, const std::vector<const Case*>& cases, const std::vector<Result>& results);

// Lists the failures again and ends with "N passed, N failed".
void print_summary(std::ostream& out, const std::vector<const Case*>& cases, const std::vector<Result>& results);

}  // namespace tg::conformance
