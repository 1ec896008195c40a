// Creating tensors: from data, constants, ranges and random numbers.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <thread>

#include <unistd.h>

#include "graph/build.hpp"
#include "runtime/runtime.hpp"
#include "tensor/impl.hpp"
#include "tensor/ops.hpp"
#include "tg/half.h"

namespace tg {
namespace {

using detail::Dims;

void check_shape(const Shape& s, const char* what) {
  for (int64_t d : s)
    if (d < 0)
      throw Error(std::string(what) + ": shape " + s.to_string() + " has a negative dim; dims must be >= 0");
  detail::check_shape_size(s.dims().data(), s.size());
}

// n values of T on the host, for data to be copied to a device; a shape too big for host memory
// (rand({2^31, 2^31}) is within the element limit) is a tg::Error, not std::bad_alloc.
template <typename T>
std::vector<T> host_values(int64_t n, const char* what) {
  try {
    return std::vector<T>(static_cast<size_t>(n));
  } catch (const std::exception&) {  // std::bad_alloc, std::length_error
    throw Error(std::string(what) + ": " + std::to_string(n) + " values of " + std::to_string(sizeof(T)) +
                " bytes do not fit in host memory");
  }
}

// Doubles -> elements of dtype (float -> int truncates toward zero and saturates; NaN -> 0).
std::vector<uint8_t> encode(const std::vector<double>& v, DType dtype) {
  std::vector<uint8_t> out(v.size() * static_cast<size_t>(dtype_size(dtype)));
  auto put = [&](size_t i, auto x) { std::memcpy(out.data() + i * sizeof(x), &x, sizeof(x)); };
  auto to_int = [](double x, double lo, double hi) {
    return std::isnan(x) ? 0.0 : std::trunc(std::fmin(std::fmax(x, lo), hi));
  };
  for (size_t i = 0; i < v.size(); i++) {
    double x = v[i];
    switch (dtype) {
      case DType::bool_: put(i, static_cast<uint8_t>(x != 0)); break;
      case DType::int8: put(i, static_cast<int8_t>(to_int(x, -128, 127))); break;
      case DType::uint8: put(i, static_cast<uint8_t>(to_int(x, 0, 255))); break;
      case DType::int16: put(i, static_cast<int16_t>(to_int(x, -32768, 32767))); break;
      case DType::int32: put(i, static_cast<int32_t>(to_int(x, -2147483648.0, 2147483647.0))); break;
      case DType::int64: put(i, static_cast<int64_t>(to_int(x, -9.2233720368547758e18, 9.2233720368547748e18))); break;
      case DType::float16: put(i, tg_float_to_half(static_cast<float>(x))); break;
      case DType::bfloat16: put(i, tg_float_to_bfloat16(static_cast<float>(x))); break;
      case DType::float32: put(i, static_cast<float>(x)); break;
      case DType::float64: put(i, x); break;
    }
  }
  return out;
}

// Host data of type T -> a leaf on the requested device, cast to opts.dtype if it differs.
template <typename T>
Tensor from_host(const T* data, const Shape& shape, DType natural, const TensorOptions& opts) {
  check_shape(shape, "Tensor");
  auto dev = detail::device_for(opts);
  if (opts.dtype && *opts.dtype != natural) {  // convert on the host: leaves are plain buffers
    std::vector<double> wide = host_values<double>(shape.numel(), "Tensor");
    detail::convert_to<double>(data, natural, shape.numel(), wide.data());
    std::vector<uint8_t> bytes = encode(wide, *opts.dtype);
    return detail::make_leaf(detail::buffer_node(bytes.data(), shape.dims(), *opts.dtype, dev), opts);
  }
  return detail::make_leaf(detail::buffer_node(data, shape.dims(), natural, dev), opts);
}

template <typename T>
Tensor from_vector(const std::vector<T>& data, const Shape& shape, DType natural, const TensorOptions& opts) {
  if (static_cast<int64_t>(data.size()) != shape.numel())
    throw Error("Tensor: " + std::to_string(data.size()) + " values do not fill shape " + shape.to_string() + " (" +
                std::to_string(shape.numel()) + " elements)");
  return from_host(data.data(), shape, natural, opts);
}

// One generator per thread: threads draw without a lock, and a thread that seeds its own
// (manual_seed) gets the same numbers whatever other threads draw meanwhile. Unseeded, each
// thread starts from the clock and its id. (On the heap: a 2.5 kB generator in thread-local
// storage took the static TLS room glibc keeps, and libtg then failed to load under LD_AUDIT.)
std::mt19937_64& rng() {
  thread_local std::unique_ptr<std::mt19937_64> g;
  if (!g)
    g = std::make_unique<std::mt19937_64>(
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        std::hash<std::thread::id>{}(std::this_thread::get_id()));
  return *g;
}
double uniform01() { return static_cast<double>(rng()() >> 11) * 0x1.0p-53; }
float uniform01f() { return static_cast<float>(rng()() >> 40) * 0x1.0p-24f; }

DType float_dtype(const TensorOptions& opts, const char* what) {
  DType d = opts.dtype.value_or(default_float);
  if (!is_float(d)) throw Error(std::string(what) + ": needs a float dtype, got " + dtype_name(d));
  return d;
}

Tensor random_tensor(const Shape& shape, const TensorOptions& opts, const char* what, double (*sample)()) {
  check_shape(shape, what);
  DType d = float_dtype(opts, what);
  std::vector<float> data = host_values<float>(shape.numel(), what);
  for (auto& x : data) x = static_cast<float>(sample());
  TensorOptions o = opts;
  o.dtype = d;
  return from_host(data.data(), shape, DType::float32, o);
}

DType scalar_dtype(const Scalar& v) { return v.kind == DType::bool_ ? DType::bool_ : v.kind; }

}  // namespace

namespace detail {
void throw_ragged(size_t depth, size_t got, int64_t want) {
  throw Error("Tensor: ragged nested list: a list at depth " + std::to_string(depth) + " has " + std::to_string(got) +
              " elements, an earlier one has " + std::to_string(want) + "; every row must have the same length");
}
}  // namespace detail

Tensor::Tensor(bool v, TensorOptions opts) { *this = full({}, Scalar(v), opts); }
Tensor::Tensor(int v, TensorOptions opts) { *this = full({}, Scalar(v), opts); }
Tensor::Tensor(int64_t v, TensorOptions opts) {
  if (!opts.dtype) opts.dtype = DType::int64;
  *this = full({}, Scalar(static_cast<double>(v)), opts);
}
Tensor::Tensor(float v, TensorOptions opts) { *this = full({}, Scalar(v), opts); }
Tensor::Tensor(double v, TensorOptions opts) { *this = full({}, Scalar(v), opts); }

Tensor::Tensor(std::vector<float> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::float32, o); }
Tensor::Tensor(std::vector<double> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::float64, o); }
Tensor::Tensor(std::vector<int32_t> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::int32, o); }
Tensor::Tensor(std::vector<int64_t> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::int64, o); }
Tensor::Tensor(std::vector<uint8_t> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::uint8, o); }
Tensor::Tensor(std::vector<int8_t> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::int8, o); }
Tensor::Tensor(std::vector<int16_t> d, Shape s, TensorOptions o) { *this = from_vector(d, s, DType::int16, o); }
Tensor::Tensor(std::vector<bool> d, Shape s, TensorOptions o) {
  std::vector<uint8_t> bytes(d.begin(), d.end());
  *this = from_vector(bytes, s, DType::bool_, o);
}

Tensor Tensor::from_blob(const void* data, Shape shape, DType dtype, TensorOptions opts) {
  if (!data && shape.numel() > 0) throw Error("from_blob: data is null but shape " + shape.to_string() + " is not empty");
  return from_host(static_cast<const uint8_t*>(data), shape, dtype, opts);
}

Tensor Tensor::full(Shape shape, Scalar value, TensorOptions opts) {
  check_shape(shape, "full");
  DType d = opts.dtype.value_or(scalar_dtype(value));
  auto dev = detail::device_for(opts);
  detail::NodePtr c = detail::const_node(value.value, d, dev, /*unique=*/true);
  c = detail::reshape(c, Dims(shape.size(), 1));
  c = detail::expand(c, shape.dims());
  return detail::make_leaf(c, opts);
}

Tensor Tensor::zeros(Shape shape, TensorOptions opts) {
  if (!opts.dtype) opts.dtype = default_float;
  return full(std::move(shape), 0.0, opts);
}
Tensor Tensor::ones(Shape shape, TensorOptions opts) {
  if (!opts.dtype) opts.dtype = default_float;
  return full(std::move(shape), 1.0, opts);
}
Tensor Tensor::empty(Shape shape, TensorOptions opts) {
  check_shape(shape, "empty");
  DType d = opts.dtype.value_or(default_float);
  auto dev = detail::device_for(opts);
  detail::check_shape_size(shape.dims().data(), shape.size());
  detail::Node n;
  n.op = detail::Op::BUFFER;
  n.dtype = d;
  n.shape = shape.dims();
  n.device = dev;
  n.buffer = dev->alloc(n.nbytes());
  return detail::make_leaf(detail::intern(std::move(n)), opts);
}

Tensor Tensor::arange(double stop, TensorOptions opts) { return arange(0, stop, 1, opts); }

namespace {

// A number as a person writes it: 129, 0.25, 1e+300.
std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", x);
  return buf;
}

// The range of values an int dtype holds.
std::pair<double, double> int_range(DType d) {
  switch (d) {
    case DType::int8: return {-128, 127};
    case DType::uint8: return {0, 255};
    case DType::int16: return {-32768, 32767};
    case DType::int32: return {-2147483648.0, 2147483647.0};
    default: return {-9223372036854775808.0, 9223372036854775807.0};
  }
}

// n values of dtype d are built on the host (as doubles, then encoded) and copied to the device:
// refuse before allocating what this machine cannot hold.
void check_fits_in_memory(double n, DType d, const std::string& what) {
  const double bytes = n * static_cast<double>(8 + 2 * dtype_size(d));
  const double memory = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  if (memory > 0 && bytes > memory)
    throw Error(what + ": " + num(n) + " elements of " + dtype_name(d) + " need about " +
                std::to_string(static_cast<long long>(bytes / (1 << 30))) + " GiB to build, more than this machine's " +
                std::to_string(static_cast<long long>(memory / (1 << 30))) + " GiB of memory");
}

}  // namespace

// The dtype: PyTorch's rule, with tg's default int: integral start, stop and step give an int
// (int32, or int64 where a value does not fit int32), anything else default_float. A given
// int dtype must hold every value; bool is not a range.
Tensor Tensor::arange(double start, double stop, double step, TensorOptions opts) {
  const std::string args = "arange(" + num(start) + ", " + num(stop) + ", " + num(step) + ")";
  if (step == 0 || !std::isfinite(start) || !std::isfinite(stop) || !std::isfinite(step))
    throw Error(args + ": step must be non-zero and start, stop, step finite");
  const double count = std::max(0.0, std::ceil((stop - start) / step));
  if (!(count < 9.2e18)) throw Error(args + " has " + num(count) + " elements, too many for any tensor");
  const int64_t n = static_cast<int64_t>(count);
  const double last = n > 0 ? start + static_cast<double>(n - 1) * step : start;
  const double lo = std::min(start, last), hi = std::max(start, last);
  const bool integral = start == std::trunc(start) && stop == std::trunc(stop) && step == std::trunc(step);
  if (!opts.dtype) {
    if (!integral) opts.dtype = default_float;
    else opts.dtype = lo >= int_range(DType::int32).first && hi <= int_range(DType::int32).second ? DType::int32 : DType::int64;
  }
  const DType d = *opts.dtype;
  if (d == DType::bool_) throw Error(args + ": a range of bool is not defined; use an int or float dtype");
  if (is_int(d) && n > 0) {
    auto [min, max] = int_range(d);
    if (std::trunc(lo) < min || std::trunc(hi) > max)
      throw Error(args + ": values from " + num(lo) + " to " + num(hi) + " do not fit " +
                  dtype_name(d) + " [" + std::to_string(static_cast<long long>(min)) + ", " +
                  std::to_string(static_cast<long long>(max)) + "]; use a wider dtype");
  }
  check_fits_in_memory(count, d, args);
  std::vector<double> data(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; i++) data[static_cast<size_t>(i)] = start + static_cast<double>(i) * step;
  return from_host(data.data(), Shape({n}), DType::float64, opts);
}

Tensor Tensor::linspace(double start, double stop, int64_t steps, TensorOptions opts) {
  if (steps < 0) throw Error("linspace: steps must be >= 0, got " + std::to_string(steps));
  if (!opts.dtype) opts.dtype = default_float;
  if (*opts.dtype == DType::bool_)
    throw Error("linspace: a bool dtype is not supported (as in PyTorch and tinygrad); use an int or float dtype");
  check_fits_in_memory(static_cast<double>(steps), *opts.dtype, "linspace");
  std::vector<double> data(static_cast<size_t>(steps));
  for (int64_t i = 0; i < steps; i++)
    data[static_cast<size_t>(i)] = steps == 1 ? start : start + (stop - start) * static_cast<double>(i) / static_cast<double>(steps - 1);
  return from_host(data.data(), Shape({steps}), DType::float64, opts);
}

// Lazily, with no host data (tinygrad's): rows of n + 1 (a one, then n zeros) read n at a time
// put each row's one a place further right. eye(2^31) is a view until realized.
Tensor Tensor::eye(int64_t n, TensorOptions opts) {
  if (n < 0) throw Error("eye: n must be >= 0, got " + std::to_string(n));
  detail::checked_mul(n, detail::checked_add(n, 1, "eye"), "eye");  // the (n, n + 1) rows below
  if (!opts.dtype) opts.dtype = default_float;
  auto dev = detail::device_for(opts);
  detail::NodePtr one = detail::const_node(1.0, *opts.dtype, dev, /*unique=*/true);
  detail::NodePtr rows = detail::pad(detail::expand(detail::reshape(one, {1, 1}), {n, 1}), {{0, 0}, {0, n}});
  detail::NodePtr flat = detail::shrink(detail::reshape(rows, {n * (n + 1)}), {{0, n * n}});
  return detail::make_leaf(detail::reshape(flat, {n, n}), opts);
}

void Tensor::manual_seed(uint64_t seed) { rng().seed(seed); }

Tensor Tensor::rand(Shape shape, TensorOptions opts) {
  return random_tensor(shape, opts, "rand", [] { return static_cast<double>(uniform01f()); });
}

Tensor Tensor::randn(Shape shape, TensorOptions opts) {
  return random_tensor(shape, opts, "randn", [] {
    double u1 = 1.0 - uniform01(), u2 = uniform01();  // u1 in (0, 1]
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  });
}

Tensor Tensor::randint(int64_t low, int64_t high, Shape shape, TensorOptions opts) {
  check_shape(shape, "randint");
  if (high <= low)
    throw Error("randint: high (" + std::to_string(high) + ") must be greater than low (" + std::to_string(low) + ")");
  std::uniform_int_distribution<int64_t> dist(low, high - 1);
  std::vector<int64_t> data = host_values<int64_t>(shape.numel(), "randint");
  for (auto& x : data) x = dist(rng());
  if (!opts.dtype) opts.dtype = default_int;
  return from_host(data.data(), shape, DType::int64, opts);
}

Tensor Tensor::uniform(Shape shape, double low, double high, TensorOptions opts) {
  Tensor r = rand(shape, opts);
  return detail::make_leaf((r * (high - low) + low).node(), opts);
}

Tensor Tensor::normal(Shape shape, double mean, double std, TensorOptions opts) {
  Tensor r = randn(shape, opts);
  return detail::make_leaf((r * std + mean).node(), opts);
}

Tensor Tensor::kaiming_uniform(Shape shape, double a, TensorOptions opts) {
  int64_t fan_in = 1;
  for (size_t i = 1; i < shape.size(); i++) fan_in *= shape[i];
  double bound = std::sqrt(2.0 / (1.0 + a * a)) * std::sqrt(3.0 / static_cast<double>(std::max<int64_t>(fan_in, 1)));
  return uniform(shape, -bound, bound, opts);
}

Tensor Tensor::glorot_uniform(Shape shape, TensorOptions opts) {
  int64_t fan_in = 1;
  for (size_t i = 1; i < shape.size(); i++) fan_in *= shape[i];
  double fan_out = shape.empty() ? 1.0 : static_cast<double>(shape[0]);
  double bound = std::sqrt(6.0 / (fan_out + static_cast<double>(fan_in)));
  return uniform(shape, -bound, bound, opts);
}

using detail::like;

Tensor Tensor::zeros_like(const Tensor& t, TensorOptions opts) { return full(t.shape(), 0.0, like(t, opts)); }
Tensor Tensor::ones_like(const Tensor& t, TensorOptions opts) { return full(t.shape(), 1.0, like(t, opts)); }
Tensor Tensor::full_like(const Tensor& t, Scalar v, TensorOptions opts) { return full(t.shape(), v, like(t, opts)); }
Tensor Tensor::rand_like(const Tensor& t, TensorOptions opts) {
  opts = like(t, opts);
  if (!is_float(*opts.dtype)) opts.dtype = default_float;
  return rand(t.shape(), opts);
}

}  // namespace tg
