// conv1d and conv_transpose2d, both as a conv2d: conv1d over a height of 1, and the transposed
// convolution as the convolution whose input gradient it is — the input spread out by the
// stride (zeros between its elements), padded by the kernel's extent less `padding`, and
// convolved with the kernel flipped and its in/out channels swapped per group.
#include "tensor/autocast.hpp"
#include "tensor/nn_ops.hpp"

namespace tg {

namespace {
std::string pair_str(const IntPair& p) { return "(" + std::to_string(p.h) + ", " + std::to_string(p.w) + ")"; }
}  // namespace

Tensor Tensor::conv1d(const Tensor& weight, const std::optional<Tensor>& bias, int64_t stride, int64_t padding,
                      int64_t dilation, int64_t groups) const {
  if (ndim() != 3 || weight.ndim() != 3)
    throw Error("conv1d: needs input (N, C_in, L) and weight (C_out, C_in / groups, K), got " + shape().to_string() +
                " and " + weight.shape().to_string());
  if (groups <= 0 || size(1) != groups * weight.size(1) || weight.size(0) % groups != 0)
    throw Error("conv1d: input " + shape().to_string() + " and weight " + weight.shape().to_string() + " with groups=" +
                std::to_string(groups) + " do not fit: need C_in == groups * weight dim 1 and C_out divisible by groups");
  if (stride <= 0 || dilation <= 0 || padding < 0)
    throw Error("conv1d: stride and dilation must be positive and padding >= 0, got stride " + std::to_string(stride) +
                ", padding " + std::to_string(padding) + ", dilation " + std::to_string(dilation));
  if (dilation * (weight.size(2) - 1) + 1 > size(2) + 2 * padding)
    throw Error("conv1d: the kernel (" + std::to_string(weight.size(2)) + " taps, dilation " + std::to_string(dilation) +
                ") is longer than the padded input (length " + std::to_string(size(2) + 2 * padding) + ")");
  return unsqueeze(2)
      .conv2d(weight.unsqueeze(2), bias, IntPair(1, stride), IntPair(0, padding), IntPair(1, dilation), groups)
      .squeeze(2);
}

Tensor Tensor::conv_transpose2d(const Tensor& weight, const std::optional<Tensor>& bias, IntPair stride, IntPair padding,
                                IntPair output_padding, int64_t groups, IntPair dilation) const {
  if (auto dt = detail::autocast_for(*this, weight, bias))
    return detail::autocast_to(*this, *dt).conv_transpose2d(detail::autocast_to(weight, *dt), detail::autocast_to(bias, *dt),
                                                           stride, padding, output_padding, groups, dilation);
  if (ndim() != 4 || weight.ndim() != 4)
    throw Error("conv_transpose2d: needs input (N, C_in, H, W) and weight (C_in, C_out / groups, kH, kW), got " +
                shape().to_string() + " and " + weight.shape().to_string());
  const int64_t cin = size(1), kh = weight.size(2), kw = weight.size(3);
  if (groups <= 0 || weight.size(0) != cin || cin % groups != 0)
    throw Error("conv_transpose2d: input " + shape().to_string() + " and weight " + weight.shape().to_string() +
                " with groups=" + std::to_string(groups) +
                " do not fit: need weight dim 0 == C_in (" + std::to_string(cin) + ") and C_in divisible by groups");
  const int64_t cout = weight.size(1) * groups;
  if (bias && (bias->ndim() != 1 || bias->size(0) != cout))
    throw Error("conv_transpose2d: bias must have shape (" + std::to_string(cout) + "), got " + bias->shape().to_string());
  if (stride.h <= 0 || stride.w <= 0 || dilation.h <= 0 || dilation.w <= 0 || padding.h < 0 || padding.w < 0)
    throw Error("conv_transpose2d: stride and dilation must be positive and padding >= 0, got stride " +
                pair_str(stride) + ", padding " + pair_str(padding) + ", dilation " + pair_str(dilation));
  // PyTorch's rule: output_padding only picks among the sizes a stride (or dilation) leaves open.
  if (output_padding.h < 0 || output_padding.w < 0 ||
      output_padding.h >= std::max(stride.h, dilation.h) || output_padding.w >= std::max(stride.w, dilation.w))
    throw Error("conv_transpose2d: output_padding " + pair_str(output_padding) +
                " must be >= 0 and smaller than the stride or the dilation (stride " + pair_str(stride) +
                ", dilation " + pair_str(dilation) + ")");
  const int64_t H = size(2), W = size(3);
  const int64_t oh = (H - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + output_padding.h + 1;
  const int64_t ow = (W - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + output_padding.w + 1;
  if (H == 0 || W == 0 || oh <= 0 || ow <= 0)
    throw Error("conv_transpose2d: input " + shape().to_string() + " with kernel " + std::to_string(kh) + "x" +
                std::to_string(kw) + ", stride " + pair_str(stride) + ", padding " + pair_str(padding) +
                " gives an empty output (" + std::to_string(oh) + " x " + std::to_string(ow) + ")");
  // The input spread by the stride: (N, C, H, 1, W, 1) padded to (N, C, H, sh, W, sw), so each
  // element is followed by stride - 1 zeros; the trailing ones are cut by the padding below.
  Tensor x = *this;
  if (stride.h > 1 || stride.w > 1)
    x = x.reshape({size(0), cin, H, 1, W, 1})
            .pad({{0, 0}, {0, 0}, {0, 0}, {0, stride.h - 1}, {0, 0}, {0, stride.w - 1}})
            .reshape({size(0), cin, H * stride.h, W * stride.w});
  // Pad (or cut, where padding exceeds the kernel's extent) to the convolution's input.
  const int64_t eh = dilation.h * (kh - 1), ew = dilation.w * (kw - 1);
  x = x.pad({{0, 0},
             {0, 0},
             {eh - padding.h, eh - padding.h + output_padding.h - (stride.h - 1)},
             {ew - padding.w, ew - padding.w + output_padding.w - (stride.w - 1)}});
  // Weight (C_in, C_out/g, kh, kw) -> (C_out, C_in/g, kh, kw), flipped in space.
  const int64_t ig = cin / groups, og = weight.size(1);
  Tensor w = weight.reshape({groups, ig, og, kh, kw}).permute({0, 2, 1, 3, 4}).reshape({cout, ig, kh, kw}).flip({2, 3});
  return x.conv2d(w, bias, 1, 0, dilation, groups);
}

}  // namespace tg
