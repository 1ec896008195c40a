#pragma once
// tg::nn: modules, optimizers and state (PyTorch's shapes, tinygrad's semantics).
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tg/tensor.hpp"

namespace tg::nn {

// Base of every layer. Every layer takes TensorOptions last (PyTorch's dtype= and device=): its
// parameters' dtype (a float one; unset: the default float, see set_default_float) and device.
// A module registers its parameters and sub-modules by name; names of
// nested parameters are dotted ("0.weight", "encoder.bias"), as in PyTorch.
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Trainable tensors, each once: a parameter shared by two modules (tied weights, or one
  // module registered twice) is listed under its first name only, as PyTorch does.
  std::vector<Tensor> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  // Parameters and buffers (such as BatchNorm's running statistics), in registration order;
  // a shared tensor appears under every name (as in PyTorch's state_dict).
  std::vector<std::pair<std::string, Tensor>> named_tensors() const;
  // The direct sub-modules, in registration order.
  std::vector<std::pair<std::string, Module*>> named_children() const { return children_; }

  // The mode of this module and every module under it, as PyTorch's: train() makes Dropout drop
  // and BatchNorm use (and update) batch statistics, eval() turns both off. A module never set
  // follows the thread's Tensor::training (tinygrad's global flag, see tg::Training), so code
  // that only sets Tensor::training keeps working. Optimizers and Tensor::dropout read only the
  // global flag.
  Module& train(bool mode = true);
  Module& eval() { return train(false); }
  bool is_training() const;

 protected:
  // Registers a trainable tensor (requires_grad is set) under name; returns it.
  Tensor& register_parameter(const std::string& name, Tensor& t);
  // Registers a non-trainable state tensor (saved in state dicts, not optimized).
  Tensor& register_buffer(const std::string& name, Tensor& t);
  // Registers a child module that lives as long as this one (a member, usually).
  void register_module(const std::string& name, Module& child);
  // Registers a child module this one then owns (shares ownership of); returns it.
  template <typename M, std::enable_if_t<std::is_base_of_v<Module, M>, int> = 0>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    if (!child) throw Error("register_module: \"" + name + "\" is an empty std::shared_ptr");
    register_module(name, static_cast<Module&>(*child));
    owned_.push_back(child);
    return child;
  }

 private:
  struct Entry {
    std::string name;
    Tensor* tensor;
    bool trainable;
  };
  std::vector<Entry> tensors_;
  std::vector<std::pair<std::string, Module*>> children_;
  std::vector<std::shared_ptr<Module>> owned_;  // children given as std::shared_ptr
  std::optional<bool> training_;                // unset: follow Tensor::training
};

// y = x @ weight.T + bias, weight of shape (out, in) as PyTorch; PyTorch's initialisation.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  Tensor weight;               // (out_features, in_features)
  std::optional<Tensor> bias;  // (out_features)
};

// 2-D convolution over (N, C_in, H, W); weight (out, in / groups, kH, kW). PyTorch's init.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, IntPair kernel_size, IntPair stride = 1, IntPair padding = 0,
         IntPair dilation = 1, int64_t groups = 1, bool bias = true, TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  Tensor weight;
  std::optional<Tensor> bias;
  IntPair stride, padding, dilation;
  int64_t groups;
};

// 1-D convolution over (N, C_in, L); weight (out, in / groups, kernel_size). PyTorch's init.
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1, int64_t padding = 0,
         int64_t dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor operator()(const Tensor& x) const;
  Tensor weight;
  std::optional<Tensor> bias;
  int64_t stride, padding, dilation, groups;
};

// Transposed 2-D convolution, PyTorch's argument order; weight (in, out / groups, kH, kW) and
// PyTorch's init (fan-in from the weight's dims 1..3, as PyTorch computes it).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, IntPair kernel_size, IntPair stride = 1,
                  IntPair padding = 0, IntPair output_padding = 0, int64_t groups = 1, bool bias = true,
                  IntPair dilation = 1);
  Tensor operator()(const Tensor& x) const;
  Tensor weight;
  std::optional<Tensor> bias;
  IntPair stride, padding, output_padding;
  int64_t groups;
  IntPair dilation;
};

// Resizes the spatial dims (all after N and C) by scale_factor with Tensor::interpolate's modes
// ("nearest", "linear", "bilinear", "trilinear", "nearest-exact"). Output sizes are
// floor(size * scale_factor) and the source positions follow from the sizes (PyTorch's
// recompute_scale_factor=True; the same as its default for integer factors).
class Upsample : public Module {
 public:
  explicit Upsample(double scale_factor, std::string mode = "nearest", bool align_corners = false);
  Tensor operator()(const Tensor& x) const;
  double scale_factor;
  std::string mode;
  bool align_corners;
};

// PyTorch's nn.MultiheadAttention (need_weights=False): the packed input projection
// in_proj_weight (3E, E) and in_proj_bias (3E), out_proj.weight and out_proj.bias, initialized as
// PyTorch does (xavier_uniform in_proj_weight, zero biases), so a PyTorch model's state dict
// loads. batch_first (the default here) takes (N, L, E); otherwise (L, N, E); unbatched (L, E)
// works too. Masks follow nn.MultiheadAttention, not scaled_dot_product_attention: a bool
// attn_mask (L, S) or (N * heads, L, S) and a bool key_padding_mask (N, S) are true where
// attention is NOT allowed; float masks are added to the scores. is_causal attends to keys at
// positions <= the query's. dropout applies to the attention weights while Tensor::training.
// Self-attention (query, key and value the same tensor) projects with one matmul.
class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, bool bias = true, bool batch_first = true,
                     float dropout = 0.0f);
  Tensor operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                    const std::optional<Tensor>& attn_mask = std::nullopt, bool is_causal = false,
                    const std::optional<Tensor>& key_padding_mask = std::nullopt) const;
  int64_t embed_dim, num_heads;
  bool batch_first;
  float dropout;
  Tensor in_proj_weight;
  std::optional<Tensor> in_proj_bias;
  Linear out_proj;
};

// Batch normalization over dim 1 of (N, C, ...). In training mode (Tensor::training) it uses
// the batch's statistics and updates the running ones (running = (1 - momentum) running +
// momentum batch, unbiased variance, as PyTorch); in eval mode it uses the running ones.
// State dict: weight, bias, running_mean, running_var, num_batches_tracked (int64, shape ()).
// The running-statistics update is realized with the next optimizer step (or the next call).
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, float eps = 1e-5f, float momentum = 0.1f, bool affine = true,
                       bool track_running_stats = true, TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  std::optional<Tensor> weight, bias;
  Tensor running_mean, running_var, num_batches_tracked;
  float eps, momentum;
  bool track_running_stats;
};
using BatchNorm = BatchNorm2d;

// Normalizes over the last normalized_shape.size() dims, then weight * x + bias.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, float eps = 1e-5f, bool elementwise_affine = true,
                     TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  Shape normalized_shape;
  std::optional<Tensor> weight, bias;
  float eps;
};

// Normalizes (N, C, ...) over groups of C / num_groups channels, then a per-channel affine.
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, float eps = 1e-5f, bool affine = true, TensorOptions options = {});
  Tensor operator()(const Tensor& x) const;
  int64_t num_groups, num_channels;
  std::optional<Tensor> weight, bias;
  float eps;
};

// A lookup table: integer indices (...) -> (..., dim). Weight N(0, 1) as PyTorch.
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, TensorOptions options = {});
  Tensor operator()(const Tensor& idx) const;
  int64_t num_embeddings, embedding_dim;
  Tensor weight;
};

// A chain of layers, each a module it owns (given as std::shared_ptr) or a function
// Tensor(const Tensor&). Every layer counts in the names, as in PyTorch:
//   tg::nn::Sequential net{std::make_shared<tg::nn::Linear>(784, 128),
//                          [](const tg::Tensor& x) { return x.relu(); },
//                          std::make_shared<tg::nn::Linear>(128, 10)};
//   net.add<tg::nn::Linear>(10, 10);   // constructs in place, returns a reference
// names its parameters "0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias".
class Sequential : public Module {
 public:
  struct Layer {
    template <typename M, std::enable_if_t<std::is_base_of_v<Module, M>, int> = 0>
    Layer(std::shared_ptr<M> m) : module(m), fn([m](const Tensor& x) { return (*m)(x); }) {
      if (!m) throw Error("Sequential: a layer is an empty std::shared_ptr");
    }
    template <typename F, std::enable_if_t<std::is_invocable_r_v<Tensor, const F&, const Tensor&> &&
                                               !std::is_base_of_v<Module, std::decay_t<F>>, int> = 0>
    Layer(F f) : fn(std::move(f)) {}
    std::shared_ptr<Module> module;  // null for a plain function
    std::function<Tensor(const Tensor&)> fn;
  };

  Sequential() = default;
  Sequential(std::initializer_list<Layer> layers);
  Sequential& add(Layer layer);
  template <typename M, typename... Args>
  M& add(Args&&... args) {
    auto m = std::make_shared<M>(std::forward<Args>(args)...);
    add(Layer(m));
    return *m;
  }
  Tensor operator()(const Tensor& x) const;
  size_t size() const { return layers_.size(); }
  // The module at index i (throws if the layer there is a function or i is out of range).
  Module& module(size_t i) const;

 private:
  std::vector<Layer> layers_;
};

namespace functional {
// mean / sum / none of (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
}  // namespace functional

namespace internal {
class AdamMoments;  // Adam's b1^t, b2^t, m and v (core/src/nn/adam_moments.hpp)
}  // namespace internal

namespace optim {

class Optimizer {
 public:
  Optimizer(std::vector<Tensor> params, float lr);
  virtual ~Optimizer() = default;
  // Applies one update from the current gradients and realizes the parameters.
  void step();
  // The same, realizing also_realize (e.g. the loss) in the same schedule, so the forward
  // pass they share with the gradients runs once (tinygrad's loss.realize(*opt.schedule_step())).
  void step(const std::vector<Tensor>& also_realize);
  // Drops every parameter's gradient.
  void zero_grad();
  // The learning rate. It lives on the device (a tensor of shape ()) that the update kernels
  // read, so changing it every step (a schedule) compiles nothing new. set_lr writes it;
  // assigning `lr` directly works too (step() writes a changed value to the device).
  void set_lr(float lr);
  float get_lr() const { return lr; }
  float lr;
  // The momentum a schedule may cycle (PyTorch's OneCycleLR cycle_momentum): SGD's momentum,
  // Adam's, AdamW's and LAMB's beta1. On the device like the rate, so changing it every step
  // compiles nothing new. set_momentum throws a tg::Error for a value out of range (beta1 in
  // [0, 1), SGD's momentum >= 0) and for an optimizer without one (has_momentum() false).
  bool has_momentum() const { return momentum_kind_ != nullptr; }
  void set_momentum(float momentum);
  float get_momentum() const { return momentum_; }
  // The tensors this optimizer updates (PyTorch's param_groups[0]["params"]).
  const std::vector<Tensor>& params() const { return params_; }

 protected:
  // Returns the new values of params_[i] (lazy); state tensors are updated with assign().
  virtual std::vector<Tensor> update(const std::vector<Tensor>& grads) = 0;
  // The learning rate on the device, in dtype dt (for update(): g * lr_as(g.dtype())).
  Tensor lr_as(DType dt) const;
  // Declares the optimizer's momentum (kind: "momentum" or "beta1", for messages) and sets it.
  void init_momentum(const char* kind, float momentum);
  // The momentum on the device, in dtype dt.
  Tensor momentum_as(DType dt) const;
  std::vector<Tensor> params_;
  std::vector<Tensor> state_;  // optimizer state realized together with the parameters

 private:
  Tensor lr_device_;           // shape (), float32, on the parameters' device
  float lr_on_device_ = 0.0f;  // the value lr_device_ holds
  const char* momentum_kind_ = nullptr;  // null: no momentum to set
  float momentum_ = 0.0f;
  Tensor momentum_device_;  // shape (), float32
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, float lr = 1e-3f, float momentum = 0.0f, float weight_decay = 0.0f,
      bool nesterov = false);

 private:
  std::vector<Tensor> update(const std::vector<Tensor>& grads) override;
  float weight_decay_;
  bool nesterov_;
  std::vector<Tensor> buf_;
};

// Adam and AdamW (decoupled weight decay), PyTorch's update rule with bias correction. The
// moments and the update are float32 (float64 for float64 parameters) for any parameter dtype.
class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-8f,
        float weight_decay = 0.01f);

 private:
  std::vector<Tensor> update(const std::vector<Tensor>& grads) override;
  float eps_, weight_decay_;
  std::shared_ptr<internal::AdamMoments> moments_;
};

class Adam : public AdamW {
 public:
  Adam(std::vector<Tensor> params, float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-8f)
      : AdamW(std::move(params), lr, b1, b2, eps, 0.0f) {}
};

// LAMB (You et al.; tinygrad's rule): Adam's bias-corrected step plus weight decay, scaled per
// parameter by the trust ratio ||p|| / ||step|| (1 where either norm is 0). adam=true skips
// the trust ratio.
class LAMB : public Optimizer {
 public:
  LAMB(std::vector<Tensor> params, float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-6f,
       float weight_decay = 0.0f, bool adam = false);

 private:
  std::vector<Tensor> update(const std::vector<Tensor>& grads) override;
  float eps_, weight_decay_;
  bool adam_;
  std::shared_ptr<internal::AdamMoments> moments_;
};

}  // namespace optim

namespace state {
std::vector<Tensor> get_parameters(const Module& module);
}  // namespace state

}  // namespace tg::nn

#include "tg/amp.hpp"
#include "tg/datasets.hpp"
#include "tg/lr_scheduler.hpp"
#include "tg/nn_containers.hpp"
#include "tg/nn_init.hpp"
#include "tg/nn_layers_more.hpp"
#include "tg/state.hpp"
