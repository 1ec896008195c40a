// Sequential: owns its module layers, calls every layer in order.
#include "tg/nn.hpp"

namespace tg::nn {

Sequential::Sequential(std::initializer_list<Layer> layers) {
  for (const Layer& l : layers) add(l);
}

Sequential& Sequential::add(Layer layer) {
  if (!layer.fn) throw Error("Sequential: a layer is an empty function");
  if (layer.module) register_module(std::to_string(layers_.size()), *layer.module);
  layers_.push_back(std::move(layer));
  return *this;
}

Tensor Sequential::operator()(const Tensor& x) const {
  Tensor y = x;
  for (const Layer& l : layers_) y = l.fn(y);
  return y;
}

Module& Sequential::module(size_t i) const {
  if (i >= layers_.size())
    throw Error("Sequential::module: index " + std::to_string(i) + " is out of range; there are " +
                std::to_string(layers_.size()) + " layers");
  if (!layers_[i].module) throw Error("Sequential::module: layer " + std::to_string(i) + " is a function, not a module");
  return *layers_[i].module;
}

}  // namespace tg::nn
