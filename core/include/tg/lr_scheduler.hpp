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
#include <utility>
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
  // Sets what else step t changes besides the rate (OneCycleLR: the momentum); after lr_at(t).
  virtual void set_others(int64_t /*t*/) {}
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
// cycle_momentum (PyTorch's default, true) moves the momentum the other way, from max_momentum
// down to base_momentum while the rate rises and back up while it falls (three_phase: held at
// max_momentum in the last phase): SGD's momentum, Adam's, AdamW's and LAMB's beta1 (see
// Optimizer::set_momentum; it is on the device, so cycling compiles nothing new). An SGD made
// with momentum 0 then gets momentum, as in PyTorch. The cycling arguments come last here (not
// in PyTorch's position) so that earlier calls keep their meaning.
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& opt, float max_lr, int64_t total_steps, float pct_start = 0.3f,
             const std::string& anneal_strategy = "cos", float div_factor = 25.0f, float final_div_factor = 1e4f,
             bool three_phase = false, bool cycle_momentum = true, float base_momentum = 0.85f,
             float max_momentum = 0.95f);

 private:
  double lr_at(int64_t t) const override;
  void set_others(int64_t t) override;
  struct Phase {
    double end_step, start_lr, end_lr, start_momentum, end_momentum;
  };
  // The phase step t is in, and how far into it (0..1, past 1 beyond the last).
  std::pair<const Phase*, double> phase_at(int64_t t) const;
  double anneal(double from, double to, double pct) const;
  std::vector<Phase> phases_;
  int64_t total_steps_;
  bool cos_;
  bool cycle_momentum_;
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
