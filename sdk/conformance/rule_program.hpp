#pragma once
// A small tg.kir program for the rules/ section: inputs given as lists of values, outputs each
// checked element by element against exact values under a named rule of tg/plugin.h. A
// violation reads
//   rule cast-float-to-int (tg/plugin.h SEMANTICS): "CAST float -> integer ..." -- broken by
//   CAST float32 -> int8, element 0: operand 300 gave 44, want 127
//
// Values are long doubles (which hold every input and every int64 exactly); integers are
// compared exactly, floats bit for bit (-0 and +0 differ), any NaN matches a NaN.
#include <cstdint>
#include <string>
#include <vector>

#include "case.hpp"
#include "program.hpp"

namespace tg::conformance {

class RuleProgram {
 public:
  // An iteration space of `shape`; a REDUCE in it reduces `reduce_axes` (bitmask).
  RuleProgram(std::string name, std::vector<int64_t> shape, uint64_t reduce_axes = 0);

  // A read param of `dtype` holding `values` (one per element of the shape, each rounded or
  // wrapped into the dtype as memory holds it), loaded contiguously. Returns the LOAD node.
  int input(uint32_t dtype, const std::vector<long double>& values);
  // Element e of the input behind LOAD node `load`, as the device reads it.
  long double at(int load, size_t e) const;

  Program& program() { return p_; }

  // STOREs `value` into a new written param, contiguous over the output space (reduced dims
  // stride 0) unless `strides`/`numel` say otherwise, and checks it under rule `rule_id`:
  // `what` names the op ("CAST float32 -> int8"), `operands` are LOADs whose elements the
  // message shows, want[e] the values element e may hold (usually one). Returns the param.
  int output(const char* rule_id, std::string what, int value, std::vector<int> operands,
             std::vector<std::vector<long double>> want, std::vector<int64_t> strides = {}, int64_t numel = -1);
  // Another STORE of `value` into written param `param` (its check stays as output() set it).
  void store_again(int param, int value, std::vector<int64_t> strides = {});

  // Compiles and launches on the session's device with every param placed `offset_elems`
  // elements into its buffer, and checks every output. A program the caps do not claim may be
  // refused with UNSUPPORTED.
  Outcome run(Session& session, int64_t offset_elems = 0) const;

 private:
  struct Check {
    const char* rule_id;
    std::string what;
    int param;
    std::vector<int> operands;
    std::vector<std::vector<long double>> want;
  };
  int64_t numel() const { return product(p_.shape); }
  int out_view(const std::vector<int64_t>& strides);

  Program p_;
  uint64_t axes_;
  std::vector<std::vector<std::byte>> inputs_;  // per param (empty for written ones)
  std::vector<Check> checks_;
};

// "300", "-0", "nan", "1.15292e+18 (0x5d81)": a value of `dtype` for messages.
std::string show(uint32_t dtype, long double v);

}  // namespace tg::conformance
