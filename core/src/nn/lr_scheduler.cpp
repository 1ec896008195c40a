// Learning-rate schedules: PyTorch's closed forms, written to the optimizer's device-side rate.
#include "tg/lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tg::nn::optim::lr_scheduler {
namespace {

// The shortest decimal that reads back as f, as a double: 0.3f is 0.3 here, not
// 0.30000001192..., so the schedules compute in double what PyTorch computes from the Python
// float the user wrote (a phase of OneCycleLR ending at step 0.3 * 30 - 1 = 8, not 8.0000004).
double as_decimal(float f) {
  if (!std::isfinite(f)) return f;
  char buf[32];
  for (int digits = 6; digits <= 9; digits++) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return std::strtod(buf, nullptr);
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& opt) : opt_(opt), base_lr_(as_decimal(opt.get_lr())) {}

void LRScheduler::start() {
  last_lr_ = static_cast<float>(lr_at(0));
  opt_.set_lr(last_lr_);
  set_others(0);
}

void LRScheduler::step() {
  const double lr = lr_at(last_epoch_ + 1);  // may throw (OneCycleLR past its end): nothing changes then
  last_epoch_++;
  last_lr_ = static_cast<float>(lr);
  opt_.set_lr(last_lr_);
  set_others(last_epoch_);
}

StepLR::StepLR(Optimizer& opt, int64_t step_size, float gamma)
    : LRScheduler(opt), step_size_(step_size), gamma_(as_decimal(gamma)) {
  if (step_size <= 0) throw Error("StepLR: step_size must be positive, got " + std::to_string(step_size));
  start();
}
double StepLR::lr_at(int64_t t) const {
  return base_lr_ * std::pow(gamma_, static_cast<double>(t / step_size_));
}

MultiStepLR::MultiStepLR(Optimizer& opt, std::vector<int64_t> milestones, float gamma)
    : LRScheduler(opt), milestones_(std::move(milestones)), gamma_(as_decimal(gamma)) {
  std::sort(milestones_.begin(), milestones_.end());
  start();
}
double MultiStepLR::lr_at(int64_t t) const {
  auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin();
  return base_lr_ * std::pow(gamma_, static_cast<double>(passed));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& opt, int64_t T_max, float eta_min)
    : LRScheduler(opt), t_max_(T_max), eta_min_(as_decimal(eta_min)) {
  if (T_max <= 0) throw Error("CosineAnnealingLR: T_max must be positive, got " + std::to_string(T_max));
  start();
}
double CosineAnnealingLR::lr_at(int64_t t) const {
  return eta_min_ + (base_lr_ - eta_min_) * (1.0 + std::cos(M_PI * static_cast<double>(t) / static_cast<double>(t_max_))) / 2.0;
}

OneCycleLR::OneCycleLR(Optimizer& opt, float max_lr, int64_t total_steps, float pct_start,
                       const std::string& anneal_strategy, float div_factor, float final_div_factor, bool three_phase,
                       bool cycle_momentum, float base_momentum, float max_momentum)
    : LRScheduler(opt), total_steps_(total_steps), cos_(anneal_strategy == "cos"), cycle_momentum_(cycle_momentum) {
  if (total_steps <= 0) throw Error("OneCycleLR: total_steps must be positive, got " + std::to_string(total_steps));
  if (!(pct_start >= 0 && pct_start <= 1))
    throw Error("OneCycleLR: pct_start must be in [0, 1], got " + std::to_string(pct_start));
  if (anneal_strategy != "cos" && anneal_strategy != "linear")
    throw Error("OneCycleLR: anneal_strategy is \"" + anneal_strategy + "\"; use \"cos\" or \"linear\"");
  if (!(max_lr > 0) || !(div_factor > 0) || !(final_div_factor > 0))
    throw Error("OneCycleLR: max_lr, div_factor and final_div_factor must be positive");
  if (cycle_momentum) {
    if (!opt.has_momentum())
      throw Error("OneCycleLR: cycle_momentum needs an optimizer with a momentum or beta1 (SGD, Adam, AdamW, LAMB); "
                  "pass cycle_momentum = false");
    for (float m : {base_momentum, max_momentum})
      if (!(m >= 0 && m < 1))
        throw Error("OneCycleLR: base_momentum and max_momentum must be in [0, 1), got " + std::to_string(m));
  }
  // As PyTorch: the phases end at fractional steps (pct_start * total_steps - 1, ...).
  const double top = as_decimal(max_lr), initial = top / as_decimal(div_factor),
               min_lr = initial / as_decimal(final_div_factor);
  const double n = static_cast<double>(total_steps), pct = as_decimal(pct_start);
  const double lo = as_decimal(base_momentum), hi = as_decimal(max_momentum);
  if (three_phase) {
    phases_ = {{pct * n - 1, initial, top, hi, lo}, {2 * pct * n - 2, top, initial, lo, hi}, {n - 1, initial, min_lr, hi, hi}};
  } else {
    phases_ = {{pct * n - 1, initial, top, hi, lo}, {n - 1, top, min_lr, lo, hi}};
  }
  start();
}

std::pair<const OneCycleLR::Phase*, double> OneCycleLR::phase_at(int64_t t) const {
  double start_step = 0;
  for (size_t i = 0; i < phases_.size(); i++) {
    const Phase& p = phases_[i];
    if (static_cast<double>(t) <= p.end_step || i + 1 == phases_.size())
      return {&p, (static_cast<double>(t) - start_step) / (p.end_step - start_step)};
    start_step = p.end_step;
  }
  return {&phases_.back(), 1.0};
}

double OneCycleLR::anneal(double from, double to, double pct) const {
  if (cos_) return to + (from - to) / 2.0 * (std::cos(M_PI * pct) + 1);
  return (to - from) * pct + from;
}

double OneCycleLR::lr_at(int64_t t) const {
  if (t > total_steps_)
    throw Error("OneCycleLR: tried to step " + std::to_string(t) + " times; the schedule has total_steps = " +
                std::to_string(total_steps_));
  auto [p, pct] = phase_at(t);
  return anneal(p->start_lr, p->end_lr, pct);
}

void OneCycleLR::set_others(int64_t t) {
  if (!cycle_momentum_) return;
  auto [p, pct] = phase_at(t);
  opt_.set_momentum(static_cast<float>(anneal(p->start_momentum, p->end_momentum, pct)));
}

LinearWarmup::LinearWarmup(Optimizer& opt, float start_factor, int64_t total_iters)
    : LRScheduler(opt), start_factor_(as_decimal(start_factor)), total_iters_(total_iters) {
  if (!(start_factor > 0 && start_factor <= 1))
    throw Error("LinearWarmup: start_factor must be in (0, 1], got " + std::to_string(start_factor));
  if (total_iters <= 0) throw Error("LinearWarmup: total_iters must be positive, got " + std::to_string(total_iters));
  start();
}
double LinearWarmup::lr_at(int64_t t) const {
  const double f = static_cast<double>(std::min(t, total_iters_)) / static_cast<double>(total_iters_);
  return base_lr_ * (start_factor_ + (1.0 - start_factor_) * f);
}

}  // namespace tg::nn::optim::lr_scheduler
