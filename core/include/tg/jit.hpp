#pragma once
// tg::TinyJit: runs a function's kernels again without building its graph (tinygrad's TinyJit).
//
// realize() already keeps the schedule of every graph it sees, so the next training step or
// token runs the kernels it compiled before; but the host still builds, walks and looks up that
// graph each time. For small steps (a generated token: a few dozen small kernels) that host work
// costs more than the kernels. A TinyJit wraps a function of tensors:
//
//   tg::TinyJit step([&](const std::vector<tg::Tensor>& in) {
//     return std::vector<tg::Tensor>{model(in[0]).realize()};
//   });
//   for (...) logits = step({tokens})[0];
//
// Call 1 runs the function (its kernels compile, lazily made weights are computed). Call 2 runs
// it again and captures every kernel it launches. From call 3 on, the captured kernels run
// directly: the inputs' data comes from the tensors passed in this call, everything else the
// function read (weights, constant tensors) from where it was at the capture; each output is a
// new tensor, so earlier results stay as they were. The rules of a capture:
//   - Inputs keep their shapes, dtypes and devices from call to call (else tg::Error).
//   - What changes between calls must be an input tensor. Host numbers in the function (an int
//     position used as a slice start, a float learning rate, a random seed) are baked into the
//     captured kernels, as tinygrad's are; random numbers drawn inside repeat.
//   - A tensor the function reads that later gets a new value (assign(), load_state_dict, an
//     optimizer step) leaves its old buffer behind: when that buffer is gone the next call
//     captures again; call reset() after changing weights that something else still holds.
//   - Work a replay could not repeat (copies between devices, sorts, kernels a device declined)
//     leaves the function running as it is on every call (TG_DEBUG=1 says why), as do three
//     captures in a row that found a buffer they read gone.
//   - Outputs have no gradient history. One thread at a time calls a TinyJit.
#include <functional>
#include <memory>
#include <vector>

#include "tg/tensor.hpp"

namespace tg {

class TinyJit {
 public:
  using Function = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;
  explicit TinyJit(Function fn);
  ~TinyJit();
  TinyJit(const TinyJit&) = delete;
  TinyJit& operator=(const TinyJit&) = delete;

  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs);
  // Forgets the capture: the next call runs the function and the one after captures again.
  void reset();
  // Whether the next call replays a capture.
  bool captured() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace tg
