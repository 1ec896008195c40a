// A fresh process for the kernel cache tests: runs two different elementwise kernels on the
// default device (TG_DEVICE) and prints their results, "A 3 5 B 8 11", or "TG_ERROR: <message>".
// Two kernels, so a test can swap their cached files and see whether the swap changes results.
#include <iostream>

#include <tg/tg.hpp>

int main() {
  try {
    tg::Tensor x({1.f, 2.f});
    std::vector<float> a = (x * 2 + 1).to_vector<float>();
    std::vector<float> b = (x * 3 + 5).to_vector<float>();
    std::cout << "A " << a.at(0) << " " << a.at(1) << " B " << b.at(0) << " " << b.at(1) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cout << "TG_ERROR: " << e.what() << "\n";
    return 3;
  }
}
