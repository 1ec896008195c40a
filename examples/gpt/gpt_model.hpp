#pragma once
// A small GPT (GPT-2's layout: token and position embeddings, pre-norm blocks of causal
// self-attention and a GELU MLP, a final LayerNorm and a linear head), shared by examples/gpt
// and `tg bench gpt`. State-dict names follow GPT-2's ("h.0.attn.c_attn.weight", ...).
//
// Generation uses a key/value cache (KVCache) of the full context, allocated once: each new
// token's keys and values are written into it at its position through a mask, and attention
// reads the whole cache with the positions after it masked out. Every token therefore builds
// the same graph (the token and the position only move the starts of slices, which kernels take
// at launch), so the kernels compile for the first token and are reused for every later one,
// and a token costs the same at any position.
#include <tg/tg.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gpt {

using tg::Tensor;
namespace nn = tg::nn;

struct Config {
  int64_t vocab = 0;  // characters in the vocabulary
  int64_t n_layer = 2, n_head = 4, d_model = 128, context = 64;
  float dropout = 0.0f;
};

// Scaled dot-product attention of q (B, H, T, hd) over k, v (B, H, S, hd); mask (broadcast to
// (B, H, T, S)) is true where a query may attend (PyTorch's bool attn_mask); causal masks
// key s > query t.
inline Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const std::optional<Tensor>& mask,
                        bool causal) {
  return q.scaled_dot_product_attention(k, v, mask, /*dropout_p=*/0.0f, causal);
}

inline void init_linear(nn::Linear& l, double std) {
  nn::init::normal_(l.weight, 0.0, std);
  if (l.bias) nn::init::zeros_(*l.bias);
}

class CausalSelfAttention : public nn::Module {
 public:
  explicit CausalSelfAttention(const Config& c)
      : n_head(c.n_head), c_attn(c.d_model, 3 * c.d_model), c_proj(c.d_model, c.d_model), dropout(c.dropout) {
    register_module("c_attn", c_attn);
    register_module("c_proj", c_proj);
    register_module("resid_dropout", dropout);
  }

  // x (B, T, d) -> (B, T, d), each position attending to itself and the ones before it.
  Tensor operator()(const Tensor& x) const {
    auto [q, k, v] = heads(x);
    return project(attention(q, k, v, std::nullopt, /*causal=*/true), x.size(0), x.size(1));
  }

  // One position of one sequence: x (1, 1, d). Its keys and values go into the caches
  // (1, H, context, hd) where write_mask (1, 1, context, 1) is true; it attends to the cached
  // positions where attend_mask (1, 1, 1, context) is true.
  Tensor decode(const Tensor& x, Tensor& cache_k, Tensor& cache_v, const Tensor& write_mask,
                const Tensor& attend_mask) const {
    auto [q, k, v] = heads(x);
    cache_k.assign(tg::where(write_mask, k, cache_k));
    cache_v.assign(tg::where(write_mask, v, cache_v));
    return project(attention(q, cache_k, cache_v, attend_mask, /*causal=*/false), 1, 1);
  }

  int64_t n_head;
  nn::Linear c_attn, c_proj;
  nn::Dropout dropout;

 private:
  // (B, T, d) -> q, k, v, each (B, H, T, hd).
  std::array<Tensor, 3> heads(const Tensor& x) const {
    const int64_t B = x.size(0), T = x.size(1), d = x.size(2);
    std::vector<Tensor> qkv = c_attn(x).reshape({B, T, 3, n_head, d / n_head}).permute({2, 0, 3, 1, 4}).chunk(3, 0);
    return {qkv[0].squeeze(0), qkv[1].squeeze(0), qkv[2].squeeze(0)};
  }
  Tensor project(const Tensor& y, int64_t B, int64_t T) const {
    return dropout(c_proj(y.permute({0, 2, 1, 3}).reshape({B, T, -1})));
  }
};

class MLP : public nn::Module {
 public:
  explicit MLP(const Config& c) : c_fc(c.d_model, 4 * c.d_model), c_proj(4 * c.d_model, c.d_model), dropout(c.dropout) {
    register_module("c_fc", c_fc);
    register_module("c_proj", c_proj);
    register_module("dropout", dropout);
  }
  Tensor operator()(const Tensor& x) const { return dropout(c_proj(c_fc(x).gelu())); }
  nn::Linear c_fc, c_proj;
  nn::Dropout dropout;
};

class Block : public nn::Module {
 public:
  explicit Block(const Config& c) : ln_1(tg::Shape{c.d_model}), attn(c), ln_2(tg::Shape{c.d_model}), mlp(c) {
    register_module("ln_1", ln_1);
    register_module("attn", attn);
    register_module("ln_2", ln_2);
    register_module("mlp", mlp);
  }
  Tensor operator()(const Tensor& x) const {
    Tensor h = x + attn(ln_1(x));
    return h + mlp(ln_2(h));
  }
  Tensor decode(const Tensor& x, Tensor& cache_k, Tensor& cache_v, const Tensor& write_mask,
                const Tensor& attend_mask) const {
    Tensor h = x + attn.decode(ln_1(x), cache_k, cache_v, write_mask, attend_mask);
    return h + mlp(ln_2(h));
  }
  nn::LayerNorm ln_1;
  CausalSelfAttention attn;
  nn::LayerNorm ln_2;
  MLP mlp;
};

class GPT : public nn::Module {
 public:
  explicit GPT(const Config& c) : config(c), wte(c.vocab, c.d_model), wpe(c.context, c.d_model), drop(c.dropout),
                                  ln_f(tg::Shape{c.d_model}), lm_head(c.d_model, c.vocab, /*bias=*/false) {
    if (c.vocab <= 0 || c.n_layer <= 0 || c.n_head <= 0 || c.context <= 0 || c.d_model <= 0)
      throw tg::Error("GPT: vocab, layers, heads, d_model and context must be positive");
    if (c.d_model % c.n_head != 0)
      throw tg::Error("GPT: d_model " + std::to_string(c.d_model) + " is not a multiple of the heads " +
                      std::to_string(c.n_head));
    for (int64_t i = 0; i < c.n_layer; ++i) h.emplace_back<Block>(c);
    register_module("wte", wte);
    register_module("wpe", wpe);
    register_module("drop", drop);
    register_module("h", h);
    register_module("ln_f", ln_f);
    register_module("lm_head", lm_head);
    // GPT-2's initialisation: N(0, 0.02) weights, zero biases, the residual projections scaled
    // down by sqrt(2 n_layer) so the residual stream's variance does not grow with depth.
    nn::init::normal_(wte.weight, 0.0, 0.02);
    nn::init::normal_(wpe.weight, 0.0, 0.02);
    init_linear(lm_head, 0.02);
    const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(c.n_layer));
    for (int64_t i = 0; i < c.n_layer; ++i) {
      Block& b = h.at<Block>(i);
      init_linear(b.attn.c_attn, 0.02);
      init_linear(b.attn.c_proj, proj_std);
      init_linear(b.mlp.c_fc, 0.02);
      init_linear(b.mlp.c_proj, proj_std);
    }
  }

  // Token ids (B, T), T <= context -> logits (B, T, vocab).
  Tensor operator()(const Tensor& idx) const {
    const int64_t T = idx.size(1);
    if (T > config.context)
      throw tg::Error("GPT: a sequence of " + std::to_string(T) + " tokens is longer than the context " +
                      std::to_string(config.context));
    Tensor x = drop(wte(idx) + wpe.weight.shrink({{0, T}, {0, config.d_model}}));
    for (int64_t i = 0; i < static_cast<int64_t>(h.size()); ++i) x = h.at<Block>(i)(x);
    return lm_head(ln_f(x));
  }

  Config config;
  nn::Embedding wte, wpe;
  nn::Dropout drop;
  nn::ModuleList h;
  nn::LayerNorm ln_f;
  nn::Linear lm_head;
};

// Keys and values of the positions generated so far, for one sequence: per layer two tensors
// (1, H, context, hd). step(token, pos) returns the logits of the next token.
//
// A token's work is a few dozen small kernels, and building its graph on the host (~800 nodes)
// took longer than running them: the step runs in a tg::TinyJit, which from its third call
// launches the captured kernels without building the graph. Everything that changes from token
// to token is therefore an input tensor: the token, the position, and the caches (each call
// returns the next caches, in fresh buffers).
class KVCache {
 public:
  explicit KVCache(const GPT& model)
      : model_(model), jit_([this](const std::vector<Tensor>& in) { return decode(in); }) {
    const Config& c = model.config;
    const int64_t hd = c.d_model / c.n_head;
    for (int64_t i = 0; i < c.n_layer * 2; ++i)
      caches_.push_back(Tensor::zeros({1, c.n_head, c.context, hd}).contiguous().realize());
    positions_ = Tensor::arange(static_cast<double>(c.context), tg::TensorOptions{tg::DType::int32, {}, {}}).realize();
  }
  KVCache(const KVCache&) = delete;
  KVCache& operator=(const KVCache&) = delete;

  // The logits (vocab) after `token` at position pos (0 <= pos < context). Positions after pos
  // are masked out, so feeding pos = 0 again starts a new sequence.
  Tensor step(int32_t token, int64_t pos) {
    const Config& c = model_.config;
    if (pos < 0 || pos >= c.context)
      throw tg::Error("KVCache::step: position " + std::to_string(pos) + " is outside the context of " +
                      std::to_string(c.context));
    if (token < 0 || token >= c.vocab)
      throw tg::Error("KVCache::step: token " + std::to_string(token) + " is outside the vocabulary of " +
                      std::to_string(c.vocab));
    std::vector<Tensor> in{Tensor(std::vector<int32_t>{token}, tg::Shape{1, 1}),
                           Tensor(std::vector<int32_t>{static_cast<int32_t>(pos)}, tg::Shape{1})};
    in.insert(in.end(), caches_.begin(), caches_.end());
    std::vector<Tensor> out = jit_(in);
    std::copy(out.begin() + 1, out.end(), caches_.begin());
    return out[0];
  }

 private:
  // in: token (1, 1), position (1), the caches; out: the logits (vocab), the next caches.
  std::vector<Tensor> decode(const std::vector<Tensor>& in) const {
    const Config& c = model_.config;
    tg::NoGrad no_grad;
    const Tensor& pos = in[1];
    Tensor write_mask = (positions_ == pos).reshape({1, 1, c.context, 1});   // true at pos only
    Tensor attend_mask = (positions_ <= pos).reshape({1, 1, 1, c.context});  // true at 0..pos
    Tensor x = model_.wte(in[0]) + model_.wpe(pos.reshape({1, 1}));
    std::vector<Tensor> out{Tensor()};
    // Each block is realized with its layer's caches: a token's whole graph (two layers: 770
    // nodes, 531 ops deep) is deeper than one realize lowers at once (512).
    for (int64_t i = 0; i < c.n_layer; ++i) {
      // (new handles: decode() assigns the next caches to them, not to the caller's tensors)
      Tensor k = in[static_cast<size_t>(2 + 2 * i)].detach(), v = in[static_cast<size_t>(3 + 2 * i)].detach();
      x = model_.h.at<Block>(i).decode(x, k, v, write_mask, attend_mask);
      std::vector<Tensor> done{x, k, v};
      tg::realize(done);
      out.push_back(k);
      out.push_back(v);
    }
    out[0] = model_.lm_head(model_.ln_f(x)).reshape({c.vocab}).realize();
    return out;
  }

  const GPT& model_;
  tg::TinyJit jit_;
  std::vector<Tensor> caches_;  // layer i: keys at 2 i, values at 2 i + 1
  Tensor positions_;            // 0 .. context - 1, int32
};

}  // namespace gpt
