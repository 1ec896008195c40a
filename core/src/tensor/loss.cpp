// Losses in the Tensor layer: cross entropies (tinygrad's, with PyTorch's label smoothing and
// ignore_index) and binary cross entropies.
#include "tensor/nn_ops.hpp"

namespace tg {
namespace detail {

Tensor reduce_loss(const Tensor& unreduced, const std::string& reduction, const char* what) {
  if (reduction == "mean") return unreduced.mean();
  if (reduction == "sum") return unreduced.sum();
  if (reduction == "none") return unreduced;
  throw Error(std::string(what) + ": reduction must be \"mean\", \"sum\" or \"none\", got \"" + reduction + "\"");
}

}  // namespace detail

namespace {

void check_smoothing(float ls, const char* what) {
  if (!(ls >= 0.0f && ls <= 1.0f))
    throw Error(std::string(what) + ": label_smoothing must be in [0, 1], got " + std::to_string(ls));
}

void check_class_targets(const Tensor& logits, const Tensor& targets, int64_t class_axis, const char* what) {
  if (is_float(targets.dtype()) || targets.dtype() == DType::bool_)
    throw Error(std::string(what) + ": class targets must be an integer tensor, got " + dtype_name(targets.dtype()));
  detail::Dims want = logits.shape().dims();
  want.erase(want.begin() + class_axis);
  if (targets.shape().dims() != want)
    throw Error(std::string(what) + ": logits " + logits.shape().to_string() + " need class targets of shape " +
                Shape(want).to_string() + " (the logits without the class dim " + std::to_string(class_axis) + "), got " +
                targets.shape().to_string());
}

}  // namespace

Tensor Tensor::sparse_categorical_crossentropy(const Tensor& targets, int64_t ignore_index, float label_smoothing,
                                               const std::string& reduction) const {
  const char* what = "sparse_categorical_crossentropy";
  check_smoothing(label_smoothing, what);
  if (ndim() == 0) throw Error(std::string(what) + ": logits need a class dim, got a 0-dim tensor");
  check_class_targets(*this, targets, ndim() - 1, what);
  const int64_t classes = shape().back();
  Tensor log_probs = log_softmax(-1);
  // Compared in int32 (or int64), so that ignore_index = -1 does not wrap to 255 for uint8 targets.
  Tensor wide = targets.dtype() == DType::int64 ? targets : targets.cast(DType::int32);
  Tensor mask = wide != Scalar(static_cast<long long>(ignore_index));
  Tensor y = wide.one_hot(classes).cast(log_probs.dtype()) * mask.unsqueeze(-1);
  Tensor picked = (log_probs * y).sum(-1);
  Tensor unreduced = picked * (1.0 - static_cast<double>(label_smoothing)) +
                     log_probs.mean(-1) * mask * static_cast<double>(label_smoothing);
  if (reduction == "mean") return -(unreduced.sum() / mask.sum());
  return -detail::reduce_loss(unreduced, reduction, what);
}

Tensor Tensor::cross_entropy(const Tensor& targets, float label_smoothing, const std::string& reduction) const {
  const char* what = "cross_entropy";
  check_smoothing(label_smoothing, what);
  if (ndim() == 0) throw Error(std::string(what) + ": logits need a class dim, got a 0-dim tensor");
  const int64_t axis = ndim() >= 2 ? 1 : 0, classes = shape()[static_cast<size_t>(axis)];
  Tensor log_probs = log_softmax(axis);
  Tensor y;
  if (is_float(targets.dtype())) {
    if (targets.shape() != shape())
      throw Error(std::string(what) + ": probability targets must have the logits' shape " + shape().to_string() +
                  ", got " + targets.shape().to_string() + " (integer targets give class indices)");
    y = targets.cast(log_probs.dtype());
  } else {
    check_class_targets(*this, targets, axis, what);
    y = targets.one_hot(classes).cast(log_probs.dtype());  // (N, ..., C)
    if (ndim() > 2) {
      std::vector<int64_t> order{0, ndim() - 1};
      for (int64_t d = 1; d < ndim() - 1; d++) order.push_back(d);
      y = y.permute(order);
    }
  }
  if (label_smoothing > 0.0f)
    y = y * (1.0 - static_cast<double>(label_smoothing)) + static_cast<double>(label_smoothing) / static_cast<double>(classes);
  return detail::reduce_loss(-(log_probs * y).sum(axis), reduction, what);
}

Tensor Tensor::binary_crossentropy(const Tensor& targets, const std::string& reduction) const {
  Tensor p = detail::to_float(*this);
  Tensor y = targets.cast(p.dtype());
  Tensor loss = -(y * p.log().maximum(-100.0) + (1.0 - y) * (1.0 - p).log().maximum(-100.0));
  return detail::reduce_loss(loss, reduction, "binary_crossentropy");
}

Tensor Tensor::logsigmoid() const { return -(-detail::to_float(*this)).softplus(); }

Tensor Tensor::binary_crossentropy_logits(const Tensor& targets, const std::string& reduction,
                                          const std::optional<Tensor>& pos_weight) const {
  Tensor x = detail::to_float(*this);
  Tensor y = targets.cast(x.dtype());
  Tensor pos = pos_weight ? y * *pos_weight : y;
  Tensor loss = -(pos * x.logsigmoid() + (1.0 - y) * (-x).logsigmoid());
  return detail::reduce_loss(loss, reduction, "binary_crossentropy_logits");
}

}  // namespace tg
