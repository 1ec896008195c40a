#pragma once
// The named semantic rules of tg/plugin.h (its SEMANTICS AND ACCURACY block), as the rules/
// section quotes them when a device breaks one. The texts follow plugin.h's word for word
// (tests/sdk/conformance checks that each appears there).
#include <string>
#include <vector>

namespace tg::conformance {

struct Rule {
  const char* id;    // "cast-float-to-int": the name plugin.h gives it
  const char* text;  // the rule as plugin.h states it
};

const std::vector<Rule>& rules();
// The rule named `id`; throws std::logic_error for an unknown name (a bug in a case).
const Rule& rule(const std::string& id);

}  // namespace tg::conformance
