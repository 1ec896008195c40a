// A fresh process for the error tests: creates and computes a tensor on the default device (as
// TG_DEVICE picks it) and prints "OK <device>" or "TG_ERROR: <message>". Exit 0, 3 or 4.
#include <iostream>

#include <tg/tg.hpp>

int main() {
  try {
    tg::Tensor t({1.f, 2.f});
    tg::Tensor u = t * 2 + 1;
    std::vector<float> v = u.to_vector<float>();
    if (v.size() != 2 || v[0] != 3.f || v[1] != 5.f) {
      std::cout << "WRONG_VALUES\n";
      return 5;
    }
    std::cout << "OK " << u.device() << "\n";
    return 0;
  } catch (const tg::Error& e) {
    std::cout << "TG_ERROR: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cout << "OTHER_EXCEPTION: " << e.what() << "\n";
    return 4;
  }
}
