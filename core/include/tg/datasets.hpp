#pragma once
// tg::nn::datasets: loaders for standard data sets (included by tg/nn.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn::datasets {

// Images uint8 (N, 1, rows, cols) and labels uint8 (N); use with structured bindings:
//   auto [X_train, Y_train, X_test, Y_test] = tg::nn::datasets::mnist();
struct MNIST {
  Tensor X_train, Y_train, X_test, Y_test;
};

// The directory Debian's dataset-fashion-mnist package installs.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// Reads train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
// t10k-labels-idx1-ubyte from dir, each plain or gzipped (".gz"). An empty dir means
// $TG_MNIST_DIR if set, else kFashionMnistDir. Missing or corrupt files throw tg::Error
// naming the file and the problem. Tensors are created on device (default: the default device).
MNIST mnist(const std::string& dir = "", std::optional<std::string> device = std::nullopt);

// One IDX file of unsigned bytes (magic 0x0801 labels or 0x0803 images), plain or gzipped:
// the data and its dims. Exposed for tests and other IDX data sets.
struct IdxFile {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};
IdxFile read_idx(const std::string& path);

}  // namespace tg::nn::datasets
