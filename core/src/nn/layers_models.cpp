// Layers for the models people port: Conv1d, ConvTranspose2d, Upsample, MultiheadAttention
// (PyTorch's argument order, initialization and state-dict names).
#include <cmath>

#include "nn/param_options.hpp"
#include "tg/nn.hpp"

namespace tg::nn {
namespace {

void divisible(int64_t in, int64_t out, int64_t groups, const char* what) {
  internal::positive(groups, what, "groups");
  if (in % groups != 0 || out % groups != 0)
    throw Error(std::string(what) + ": in_channels (" + std::to_string(in) + ") and out_channels (" +
                std::to_string(out) + ") must both be divisible by groups (" + std::to_string(groups) + ")");
}

}  // namespace

Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, int64_t stride_, int64_t padding_, int64_t dilation_, int64_t groups_,
               bool has_bias)
    : stride(stride_), padding(padding_), dilation(dilation_), groups(groups_) {
  internal::positive(in, "Conv1d", "in_channels");
  internal::positive(out, "Conv1d", "out_channels");
  internal::positive(k, "Conv1d", "kernel_size");
  divisible(in, out, groups, "Conv1d");
  weight = Tensor::kaiming_uniform({out, in / groups, k}, std::sqrt(5.0));
  register_parameter("weight", weight);
  if (has_bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in / groups * k));
    bias = Tensor::uniform({out}, -bound, bound);
    register_parameter("bias", *bias);
  }
}

Tensor Conv1d::operator()(const Tensor& x) const { return x.conv1d(weight, bias, stride, padding, dilation, groups); }

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, IntPair k, IntPair stride_, IntPair padding_,
                                 IntPair output_padding_, int64_t groups_, bool has_bias, IntPair dilation_)
    : stride(stride_), padding(padding_), output_padding(output_padding_), groups(groups_), dilation(dilation_) {
  internal::positive(in, "ConvTranspose2d", "in_channels");
  internal::positive(out, "ConvTranspose2d", "out_channels");
  internal::positive(k.h, "ConvTranspose2d", "kernel_size");
  internal::positive(k.w, "ConvTranspose2d", "kernel_size");
  divisible(in, out, groups, "ConvTranspose2d");
  // PyTorch's fan-in of a (in, out / groups, kH, kW) weight is its dims 1..3: out / groups * kH * kW.
  weight = Tensor::kaiming_uniform({in, out / groups, k.h, k.w}, std::sqrt(5.0));
  register_parameter("weight", weight);
  if (has_bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(out / groups * k.h * k.w));
    bias = Tensor::uniform({out}, -bound, bound);
    register_parameter("bias", *bias);
  }
}

Tensor ConvTranspose2d::operator()(const Tensor& x) const {
  return x.conv_transpose2d(weight, bias, stride, padding, output_padding, groups, dilation);
}

Upsample::Upsample(double scale_factor_, std::string mode_, bool align_corners_)
    : scale_factor(scale_factor_), mode(std::move(mode_)), align_corners(align_corners_) {
  if (!(scale_factor > 0) || !std::isfinite(scale_factor))
    throw Error("Upsample: scale_factor must be positive and finite, got " + std::to_string(scale_factor));
}

Tensor Upsample::operator()(const Tensor& x) const {
  if (x.ndim() < 3)
    throw Error("Upsample: expected input (N, C, spatial...), got " + x.shape().to_string());
  std::vector<int64_t> size;
  for (int64_t d = 2; d < x.ndim(); d++) {
    const int64_t s = static_cast<int64_t>(std::floor(static_cast<double>(x.size(d)) * scale_factor));
    if (s <= 0)
      throw Error("Upsample: scale_factor " + std::to_string(scale_factor) + " makes dim " + std::to_string(d) +
                  " of " + x.shape().to_string() + " empty");
    size.push_back(s);
  }
  return x.interpolate(size, mode, align_corners);
}

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_, bool bias, bool batch_first_,
                                       float dropout_)
    : embed_dim(embed_dim_), num_heads(num_heads_), batch_first(batch_first_), dropout(dropout_),
      out_proj(embed_dim_ > 0 ? embed_dim_ : 1, embed_dim_ > 0 ? embed_dim_ : 1, bias) {
  internal::positive(embed_dim, "MultiheadAttention", "embed_dim");
  internal::positive(num_heads, "MultiheadAttention", "num_heads");
  if (embed_dim % num_heads != 0)
    throw Error("MultiheadAttention: embed_dim (" + std::to_string(embed_dim) + ") must be divisible by num_heads (" +
                std::to_string(num_heads) + ")");
  if (!(dropout >= 0.0f && dropout <= 1.0f))
    throw Error("MultiheadAttention: dropout must be in [0, 1], got " + std::to_string(dropout));
  in_proj_weight = Tensor::glorot_uniform({3 * embed_dim, embed_dim});  // PyTorch's xavier_uniform_
  register_parameter("in_proj_weight", in_proj_weight);
  if (bias) {
    in_proj_bias = Tensor::zeros({3 * embed_dim});
    register_parameter("in_proj_bias", *in_proj_bias);
    out_proj.bias->assign(Tensor::zeros({embed_dim}));
  }
  register_module("out_proj", out_proj);
}

Tensor MultiheadAttention::operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                      const std::optional<Tensor>& attn_mask, bool is_causal,
                                      const std::optional<Tensor>& key_padding_mask) const {
  const int64_t E = embed_dim, H = num_heads, hd = E / H;
  const bool unbatched = query.ndim() == 2;
  auto batched = [&](const Tensor& t, const char* name) {
    if (t.ndim() != (unbatched ? 2 : 3) || t.shape().back() != E)
      throw Error(std::string("MultiheadAttention: ") + name + " must be " +
                  (unbatched ? "(L, E)" : batch_first ? "(N, L, E)" : "(L, N, E)") + " with E = " + std::to_string(E) +
                  " like the query " + query.shape().to_string() + ", got " + t.shape().to_string());
    if (unbatched) return t.unsqueeze(0);
    return batch_first ? t : t.transpose(0, 1);
  };
  const Tensor q_in = batched(query, "query"), k_in = batched(key, "key"), v_in = batched(value, "value");
  const int64_t N = q_in.size(0), L = q_in.size(1), S = k_in.size(1);
  if (k_in.size(0) != N || v_in.size(0) != N || v_in.size(1) != S)
    throw Error("MultiheadAttention: query " + query.shape().to_string() + ", key " + key.shape().to_string() +
                " and value " + value.shape().to_string() + " must share the batch, and key and value the length");
  auto proj = [&](const Tensor& x, int64_t part, int64_t parts) {
    Tensor w = in_proj_weight.slice(0, part * E, (part + parts) * E);
    std::optional<Tensor> b;
    if (in_proj_bias) b = in_proj_bias->slice(0, part * E, (part + parts) * E);
    return x.linear(w.transpose(), b);
  };
  Tensor q, k, v;
  if (query.node() == key.node() && key.node() == value.node()) {
    std::vector<Tensor> qkv = proj(q_in, 0, 3).chunk(3, -1);  // self-attention: one GEMM of 3E columns
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    q = proj(q_in, 0, 1), k = proj(k_in, 1, 1), v = proj(v_in, 2, 1);
  }
  auto heads = [&](const Tensor& t, int64_t len) { return t.reshape({N, len, H, hd}).transpose(1, 2); };
  // The masks as one for scaled_dot_product_attention: bool true = attend, or float added.
  std::optional<Tensor> mask;
  auto add_mask = [&](Tensor m) {
    if (!mask) mask = m;
    else if (mask->dtype() == DType::bool_ && m.dtype() == DType::bool_) mask = mask->logical_and(m);
    else {
      auto as_float = [](const Tensor& t) {
        return t.dtype() == DType::bool_ ? tg::where(t, 0.0f, -INFINITY) : t;
      };
      mask = as_float(*mask) + as_float(m);
    }
  };
  if (attn_mask) {
    Tensor m = *attn_mask;
    if (m.ndim() == 3) {
      if (m.size(0) != N * H || m.size(1) != L || m.size(2) != S)
        throw Error("MultiheadAttention: a 3-D attn_mask must be (N * num_heads, L, S) = (" + std::to_string(N * H) +
                    ", " + std::to_string(L) + ", " + std::to_string(S) + "), got " + m.shape().to_string());
      m = m.reshape({N, H, L, S});
    } else if (m.ndim() != 2 || m.size(0) != L || m.size(1) != S) {
      throw Error("MultiheadAttention: attn_mask must be (L, S) = (" + std::to_string(L) + ", " + std::to_string(S) +
                  ") or (N * num_heads, L, S), got " + m.shape().to_string());
    }
    add_mask(m.dtype() == DType::bool_ ? m.logical_not() : m);
  }
  if (key_padding_mask) {
    const Tensor& m = *key_padding_mask;
    const bool fits = unbatched ? (m.ndim() == 1 && m.size(0) == S) : (m.ndim() == 2 && m.size(0) == N && m.size(1) == S);
    if (!fits)
      throw Error("MultiheadAttention: key_padding_mask must be " + std::string(unbatched ? "(S)" : "(N, S)") +
                  " with S = " + std::to_string(S) + ", got " + m.shape().to_string());
    Tensor m4 = m.reshape({N, 1, 1, S});
    add_mask(m4.dtype() == DType::bool_ ? m4.logical_not() : m4);
  }
  if (is_causal && mask) {
    std::vector<bool> tri(static_cast<size_t>(L * S));
    for (int64_t i = 0; i < L; i++)
      for (int64_t j = 0; j < S; j++) tri[static_cast<size_t>(i * S + j)] = j <= i;
    add_mask(Tensor(tri, {L, S}, TensorOptions{DType::bool_, query.device(), false}));
  }
  Tensor o = heads(q, L).scaled_dot_product_attention(heads(k, S), heads(v, S), mask, dropout, is_causal && !mask);
  o = out_proj(o.transpose(1, 2).reshape({N, L, E}));
  if (unbatched) return o.squeeze(0);
  return batch_first ? o : o.transpose(0, 1);
}

}  // namespace tg::nn
