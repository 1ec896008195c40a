#pragma once
// tg::nn::amp: mixed-precision training, as PyTorch's torch.amp. Parameters stay float32 (the
// master weights); an autocast scope runs the matmuls and convolutions in bfloat16 or float16;
// a GradScaler scales the loss so that small float16 gradients do not flush to zero, and skips
// the steps whose gradients overflowed.
//   tg::nn::amp::GradScaler scaler;
//   for (...) {
//     Tensor loss;
//     {
//       tg::nn::amp::autocast half(tg::DType::bfloat16);
//       loss = model(x).sparse_categorical_crossentropy(y);   // log_softmax runs in float32
//     }
//     opt.zero_grad();
//     scaler.scale(loss).backward();       // gradients of the float32 parameters, times the scale
//     scaler.unscale_(opt);                // optional: the true gradients, e.g. to clip them
//     nn::utils::clip_grad_norm_(opt.params(), 1.0f);
//     scaler.step(opt, {loss});            // skipped when a gradient is inf or nan
//     scaler.update();                     // halves the scale after a skip, doubles it after 2000 good steps
//   }
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tg/nn.hpp"

namespace tg::nn::amp {

// Within its scope (on this thread), matmul, linear, conv2d (so Conv1d), conv_transpose2d and
// the layers built on them cast their float inputs (activations, weights, biases) to dtype and
// compute in it; log_softmax (and so the cross-entropy losses) and layernorm compute in float32.
// Gradients flow back through the casts: a float32 parameter gets a float32 gradient.
// Scopes nest; the innermost wins; autocast(dtype, false) turns it off inside an enabled scope.
class autocast {
 public:
  explicit autocast(DType dtype = DType::bfloat16, bool enabled = true);
  ~autocast();
  autocast(const autocast&) = delete;
  autocast& operator=(const autocast&) = delete;

 private:
  std::optional<DType> previous_;
};

// The dtype of the innermost enabled autocast scope on this thread, if any.
std::optional<DType> autocast_dtype();

// PyTorch's GradScaler (dynamic loss scaling) with its defaults. The scale lives on the device
// (a float32 tensor of shape ()), so a changing scale compiles no new kernels. Each step reads
// one value back from the device: whether any gradient was inf or nan (step() must know whether
// to skip); get_scale() and update() need no further reads.
class GradScaler {
 public:
  explicit GradScaler(float init_scale = 65536.0f, float growth_factor = 2.0f, float backoff_factor = 0.5f,
                      int64_t growth_interval = 2000, bool enabled = true);

  // loss * scale (float32; a half-precision loss is widened first). Disabled: loss itself.
  Tensor scale(const Tensor& loss) const;
  // Divides the gradients of opt's parameters by the scale (in place) and records whether any
  // is inf or nan, realizing them (with also_realize, e.g. the loss, and BatchNorm's running
  // statistics, so the forward pass runs once). At most once per optimizer between update()s.
  void unscale_(optim::Optimizer& opt, const std::vector<Tensor>& also_realize = {});
  // unscale_(opt) unless done already, then opt.step() unless a gradient was inf or nan.
  // Returns whether the step was taken. Once per optimizer between update()s.
  bool step(optim::Optimizer& opt, const std::vector<Tensor>& also_realize = {});
  // Halves the scale (backoff_factor) if any step since the last update found inf or nan;
  // otherwise counts a good step and doubles it (growth_factor) after growth_interval of them.
  // update(new_scale) sets the scale instead. Needs a step() (or unscale_) since the last one.
  void update();
  void update(float new_scale);
  // The current scale (1 when disabled); no device read.
  float get_scale() const { return enabled_ ? scale_ : 1.0f; }
  bool is_enabled() const { return enabled_; }
  int64_t get_growth_tracker() const { return growth_tracker_; }

  // PyTorch's keys: scale, growth_factor, backoff_factor, growth_interval, _growth_tracker.
  std::map<std::string, double> state_dict() const;
  void load_state_dict(const std::map<std::string, double>& state);

 private:
  enum class Stage { ready, unscaled, stepped };
  struct PerOptimizer {
    Stage stage = Stage::ready;
    bool found_inf = false;
  };
  void set_scale(float value);

  float scale_, growth_factor_, backoff_factor_;
  int64_t growth_interval_, growth_tracker_ = 0;
  bool enabled_;
  mutable Tensor scale_device_;  // the scale as scale() multiplies by it, on the loss's device
  std::map<const optim::Optimizer*, PerOptimizer> per_opt_;
};

}  // namespace tg::nn::amp
