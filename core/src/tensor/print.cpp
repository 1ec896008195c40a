// Printing: values (summarized past 1000 elements), shape, dtype and device.
#include <cmath>
#include <iomanip>
#include <sstream>

#include "runtime/runtime.hpp"
#include "tensor/impl.hpp"

namespace tg {
namespace {

void format_value(std::ostream& os, double v, DType d) {
  if (d == DType::bool_) {
    os << (v != 0 ? "true" : "false");
  } else if (!is_float(d)) {
    os << static_cast<long long>(v);
  } else if (std::isnan(v)) {
    os << "nan";
  } else if (std::isinf(v)) {
    os << (v > 0 ? "inf" : "-inf");
  } else {
    std::ostringstream s;
    s << std::setprecision(6) << v;
    std::string t = s.str();
    if (t.find_first_of(".e") == std::string::npos) t += ".";
    os << t;
  }
}

void format_dim(std::ostream& os, const std::vector<double>& v, const detail::Dims& shape, size_t dim, int64_t offset,
                int64_t stride, DType d, bool summarize) {
  if (dim == shape.size()) {
    format_value(os, v[static_cast<size_t>(offset)], d);
    return;
  }
  int64_t n = shape[dim];
  int64_t inner = stride / std::max<int64_t>(n, 1);
  os << "[";
  for (int64_t i = 0; i < n; i++) {
    if (summarize && n > 6 && i == 3) {
      os << "...";
      i = n - 3;
      os << ", ";
    }
    if (i > 0 && !(summarize && n > 6 && i == n - 3)) os << ", ";
    format_dim(os, v, shape, dim + 1, offset + i * inner, inner, d, summarize);
  }
  os << "]";
}

}  // namespace

std::string Tensor::to_string() const {
  const auto& n = detail::node_of(*this);
  std::vector<double> v = to_vector<double>();
  std::ostringstream os;
  os << "Tensor(";
  if (n->shape.empty()) format_value(os, v[0], n->dtype);
  else format_dim(os, v, n->shape, 0, 0, n->numel(), n->dtype, n->numel() > 1000);
  os << ", shape=" << shape().to_string() << ", dtype=" << dtype_name(n->dtype) << ", device=" << n->device->name()
     << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace tg
