// tg::nn::amp::GradScaler: PyTorch's dynamic loss scaling (torch.amp.GradScaler).
#include <cmath>
#include <cstdio>
#include <string>

#include "nn/deferred.hpp"
#include "schedule/schedule.hpp"
#include "tensor/impl.hpp"
#include "tg/amp.hpp"
#include "tg/device.hpp"

namespace tg::nn::amp {
namespace {

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

GradScaler::GradScaler(float init_scale, float growth_factor, float backoff_factor, int64_t growth_interval,
                       bool enabled)
    : scale_(init_scale),
      growth_factor_(growth_factor),
      backoff_factor_(backoff_factor),
      growth_interval_(growth_interval),
      enabled_(enabled) {
  if (!positive_finite(init_scale))
    throw Error("GradScaler: init_scale must be positive and finite, got " + num(init_scale) +
                " (PyTorch's default is 65536 = 2^16)");
  if (!(growth_factor > 1) || !std::isfinite(growth_factor))
    throw Error("GradScaler: growth_factor must be > 1, got " + num(growth_factor) + " (the default is 2)");
  if (!(backoff_factor > 0 && backoff_factor < 1))
    throw Error("GradScaler: backoff_factor must be in (0, 1), got " + num(backoff_factor) + " (the default is 0.5)");
  if (growth_interval <= 0)
    throw Error("GradScaler: growth_interval must be positive, got " + std::to_string(growth_interval) +
                " (the default is 2000)");
}

void GradScaler::set_scale(float value) {
  scale_ = value;
  scale_device_ = Tensor();  // made again, holding the new value, where it is next needed
}

Tensor GradScaler::scale(const Tensor& loss) const {
  if (!loss.defined()) throw Error("GradScaler::scale: the loss is an empty Tensor");
  if (!is_float(loss.dtype()))
    throw Error(std::string("GradScaler::scale: the loss must be a float tensor, got ") + dtype_name(loss.dtype()));
  if (!enabled_) return loss;
  // The scale is an input buffer of the kernels, not a constant in them: a new scale (after a
  // backoff or a growth) is new data for the same programs.
  if (!scale_device_.defined() || scale_device_.device() != loss.device())
    scale_device_ = Tensor(std::vector<float>{scale_}, Shape{}, TensorOptions{DType::float32, loss.device(), false});
  // A float16 loss times 65536 would overflow before the backward pass starts: widen it first.
  const Tensor wide = loss.dtype() == DType::float64 ? loss : loss.cast(DType::float32);
  return wide * scale_device_.cast(wide.dtype());
}

void GradScaler::unscale_(optim::Optimizer& opt, const std::vector<Tensor>& also_realize) {
  if (!enabled_) return;
  PerOptimizer& st = per_opt_[&opt];
  if (st.stage == Stage::unscaled)
    throw Error("GradScaler::unscale_: already called for this optimizer since the last update(); call it at most "
                "once per optimizer between update()s");
  if (st.stage == Stage::stepped)
    throw Error("GradScaler::unscale_: called after step(); unscale_ comes before step() (which unscales by itself "
                "if you did not), then update()");
  std::vector<detail::NodePtr> nodes;
  Tensor inv;         // 1 / scale, a fresh input buffer (as the learning rate): no new kernels
  Tensor non_finite;  // the number of gradients holding an inf or nan, as one float32 value
  for (Tensor p : opt.params()) {  // a handle: set_grad below reaches the optimizer's parameter
    std::optional<Tensor> g = p.grad();
    if (!g) continue;
    if (!inv.defined())
      inv = Tensor(std::vector<float>{1.0f / scale_}, Shape{}, TensorOptions{DType::float32, g->device(), false});
    Tensor unscaled = (g->detach() * inv.to(g->device()).cast(g->dtype())).cast(g->dtype());
    Tensor bad = unscaled.isfinite().logical_not().any().cast(DType::float32);
    non_finite = non_finite.defined() ? non_finite + bad.to(non_finite.device()) : bad;
    p.set_grad(unscaled);
    nodes.push_back(unscaled.node());
  }
  st.stage = Stage::unscaled;
  st.found_inf = false;
  if (non_finite.defined()) nodes.push_back(non_finite.node());  // none without gradients
  // The gradients, the check, the caller's tensors (the loss) and BatchNorm's running statistics
  // in one schedule: the forward and backward passes run once.
  for (const Tensor& t : also_realize) nodes.push_back(t.node());
  for (Tensor& t : nn::internal::take_deferred()) nodes.push_back(t.node());
  if (!nodes.empty()) detail::realize(nodes);
  // The one read from the device per step: step() must know on the host whether to skip.
  if (non_finite.defined()) st.found_inf = non_finite.item<float>() != 0.0f;
}

bool GradScaler::step(optim::Optimizer& opt, const std::vector<Tensor>& also_realize) {
  if (!enabled_) {
    opt.step(also_realize);
    return true;
  }
  auto it = per_opt_.find(&opt);
  if (it != per_opt_.end() && it->second.stage == Stage::stepped)
    throw Error("GradScaler::step: already called for this optimizer since the last update(); call scaler.update() "
                "after each scaler.step(opt)");
  bool realized_others = false;
  if (it == per_opt_.end() || it->second.stage == Stage::ready) {
    unscale_(opt, also_realize);
    realized_others = true;
  }
  PerOptimizer& st = per_opt_[&opt];
  st.stage = Stage::stepped;
  if (st.found_inf) {
    // Skipped, as PyTorch: the parameters and the optimizer's state stay as they were.
    if (!realized_others && !also_realize.empty()) {
      std::vector<detail::NodePtr> nodes;
      for (const Tensor& t : also_realize) nodes.push_back(t.node());
      detail::realize(nodes);
    }
    return false;
  }
  opt.step(realized_others ? std::vector<Tensor>{} : also_realize);
  return true;
}

void GradScaler::update() {
  if (!enabled_) return;
  if (per_opt_.empty())
    throw Error("GradScaler::update: no step() (or unscale_()) since the last update(); call scaler.step(opt) "
                "before scaler.update()");
  bool found_inf = false;
  for (const auto& [opt, st] : per_opt_) found_inf = found_inf || st.found_inf;
  per_opt_.clear();
  if (found_inf) {
    set_scale(scale_ * backoff_factor_);
    growth_tracker_ = 0;
    return;
  }
  if (++growth_tracker_ == growth_interval_) {
    const float grown = scale_ * growth_factor_;
    if (std::isfinite(grown)) set_scale(grown);  // as PyTorch: a scale that would overflow stays
    growth_tracker_ = 0;
  }
}

void GradScaler::update(float new_scale) {
  if (!enabled_) return;
  if (!positive_finite(new_scale))
    throw Error("GradScaler::update: new_scale must be positive and finite, got " + num(new_scale));
  per_opt_.clear();
  set_scale(new_scale);
}

std::map<std::string, double> GradScaler::state_dict() const {
  if (!enabled_) return {};
  return {{"scale", scale_},
          {"growth_factor", growth_factor_},
          {"backoff_factor", backoff_factor_},
          {"growth_interval", static_cast<double>(growth_interval_)},
          {"_growth_tracker", static_cast<double>(growth_tracker_)}};
}

void GradScaler::load_state_dict(const std::map<std::string, double>& state) {
  if (!enabled_) throw Error("GradScaler::load_state_dict: the scaler is disabled (enabled = false)");
  if (state.empty()) throw Error("GradScaler::load_state_dict: the state is empty (saved from a disabled scaler?)");
  auto get = [&](const char* key) {
    auto it = state.find(key);
    if (it == state.end()) throw Error(std::string("GradScaler::load_state_dict: the state has no \"") + key + "\"");
    return it->second;
  };
  // Checked by a scaler made with them, so a bad state changes nothing.
  const double growth_interval = get("growth_interval"), tracker = get("_growth_tracker");
  if (growth_interval != std::floor(growth_interval) || !(tracker >= 0) || tracker != std::floor(tracker))
    throw Error("GradScaler::load_state_dict: growth_interval and _growth_tracker must be whole numbers, got " +
                num(growth_interval) + " and " + num(tracker));
  GradScaler checked(static_cast<float>(get("scale")), static_cast<float>(get("growth_factor")),
                     static_cast<float>(get("backoff_factor")), static_cast<int64_t>(growth_interval));
  growth_factor_ = checked.growth_factor_;
  backoff_factor_ = checked.backoff_factor_;
  growth_interval_ = checked.growth_interval_;
  growth_tracker_ = static_cast<int64_t>(tracker);
  set_scale(checked.scale_);
}

}  // namespace tg::nn::amp
