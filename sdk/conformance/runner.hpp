#pragma once
// Runs one tg.kir program on the device and judges it against the host's evaluation:
//   - every param gets a buffer of its own with kGuard bytes of a pattern before and after; the
//     guards, and the whole of every read param, must be unchanged after the launch;
//   - written params start filled with a sentinel: elements no STORE writes must keep it;
//   - a program whose ops and dtypes the device's caps claim must compile and match; one they do
//     not claim must be refused with UNSUPPORTED at compile (or, if it compiles, still match).
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "case.hpp"
#include "program.hpp"

namespace tg::conformance {

inline constexpr uint64_t kGuard = 64;

// Which values random inputs take. Floats are multiples of 2^-frac_bits in [lo, hi] with
// |x| >= min_abs; integers are in [lo, hi] intersected with the dtype's range; bool is 0 or 1.
struct Domain {
  double lo = -4, hi = 4;
  double min_abs = 0;
  int frac_bits = 4;
  std::vector<int64_t> choices;  // if not empty: integers are picked from these instead
};
std::vector<std::byte> random_input(uint32_t dtype, int64_t numel, const Domain& domain, std::mt19937_64& rng);

// What the program needs of the caps: each op and dtype it uses is claimed.
bool claimed_by(const Session& session, const Program& program, std::string* missing = nullptr);

// Compiles and runs `program` on the session's device with `inputs` (one per param; written
// params' entries are ignored) and compares. `launches` > 1 runs the executable again on the
// same buffers; every run must match.
Outcome run_and_compare(Session& session, const Program& program, const std::vector<std::vector<std::byte>>& inputs,
                        int launches = 1);

}  // namespace tg::conformance
