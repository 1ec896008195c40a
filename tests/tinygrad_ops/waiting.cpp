// tinygrad's op tests that tg cannot run yet, with the feature each waits for. As features land,
// a test moves from here into the ops_*.cpp files (TinygradOpsSuite.CoversEveryTinygradTest checks
// that the two together name each of test_ops.py's 427 tests once).
#include "harness.hpp"

namespace tgops {

const std::vector<Waiting>& waiting_tests() {
  static const std::vector<Waiting> w = {
  };
  return w;
}

}  // namespace tgops
