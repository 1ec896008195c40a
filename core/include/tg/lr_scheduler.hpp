#pragma once
// tg::nn::optim::lr_scheduler: PyTorch's learning-rate schedules. Each takes the optimizer
// first; constructing one sets the rate for step 0 (its base is the optimizer's rate then),
// step() moves to the next step and sets that step's rate. The rate lives on the device
// (Optimizer::set_lr), so a schedule compiles no new kernels.
//   tg::nn::optim::AdamW opt(model.parameters(), 3e-4f);
//   tg::nn::optim::lr_scheduler::CosineAnnealingLR sched(opt, 1000);
//   for (...) { ...; opt.step(); sched.step(); }
// To chain schedules (a warmup, then a cosine decay), make the next one when the previous one
// has ended: its base is the rate then (a LinearWarmup ends at the full rate).
#include <cstdint>
#include <string>
#include <vector>

#include "tg/nn.hpp"

namespace tg::nn::optim::lr_scheduler {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;
  // Advances one step and sets the optimizer's rate for it.
  void step();
  // The rate this schedule set last.
  float get_last_lr() const { return last_lr_; }
  // Steps taken since construction (PyTorch's last_epoch).
  int64_t last_epoch() const { return last_epoch_; }
  float base_lr() const { return static_cast<float>(base_lr_); }

 protected:
  explicit LRScheduler(Optimizer& opt);
  // The rate at step t (closed form).
  virtual double lr_at(int64_t t) const = 0;
  // Sets the rate for step 0; each constructor calls it once its fields are set.
  void start();
  Optimizer& opt_;
  double base_lr_;

 private:
  int64_t last_epoch_ = 0;
  float last_lr_ = 0;
};

// base * gamma^floor(t / step_size).
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& opt, int64_t step_size, float gamma = 0.1f);

 private:
  double lr_at(int64_t t) const override;
  int64_t step_size_;
  double gamma_;
};

// base * gamma^(number of milestones <= t).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& opt, std::vector<int64_t> milestones, float gamma = 0.1f);

 private:
  double lr_at(int64_t t) const override;
  std::vector<int64_t> milestones_;  // sorted
  double gamma_;
};

// eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2 (periodic past T_max, as PyTorch's).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& opt, int64_t T_max, float eta_min = 0.0f);

 private:
  double lr_at(int64_t t) const override;
  int64_t t_max_;
  double eta_min_;
};

// PyTorch's OneCycleLR: from max_lr / div_factor up to max_lr over pct_start of total_steps,
// then down to max_lr / (div_factor * final_div_factor) ("cos" or "linear" annealing; with
// three_phase, back to the initial rate first, as PyTorch). Stepping past total_steps throws.
// Momentum is not cycled (PyTorch's cycle_momentum=False): the optimizers keep their betas.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& opt, float max_lr, int64_t total_steps, float pct_start = 0.3f,
             const std::string& anneal_strategy = "cos", float div_factor = 25.0f, float final_div_factor = 1e4f,
             bool three_phase = false);

 private:
  double lr_at(int64_t t) const override;
  struct Phase {
    double end_step, start_lr, end_lr;
  };
  std::vector<Phase> phases_;
  int64_t total_steps_;
  bool cos_;
};

// PyTorch's LinearLR with end_factor 1: base * (start_factor + (1 - start_factor) min(t, total_iters) / total_iters).
class LinearWarmup : public LRScheduler {
 public:
  LinearWarmup(Optimizer& opt, float start_factor = 1.0f / 3.0f, int64_t total_iters = 5);

 private:
  double lr_at(int64_t t) const override;
  double start_factor_;
  int64_t total_iters_;
};

}  // namespace tg::nn::optim::lr_scheduler
