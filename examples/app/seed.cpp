// The seed's examples (API.md, "The seed's examples, in C++") as one program. It prints every
// commented result with a label, checks it against the comment, and exits non-zero if any differs.
//
// The training part fits OR rather than XOR: one Linear layer cannot separate XOR, so only OR
// shows the loss really falling. Run with TG_DEVICE=<name> to pick the device.
#include <tg/tg.hpp>

#include <cmath>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using tg::Tensor;

namespace {

int failures = 0;

std::string str(const std::vector<float>& v) {
  std::ostringstream os;
  os << "{";
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "}";
  return os.str();
}

bool near(const std::vector<float>& got, const std::vector<float>& want, float tol = 1e-5f) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::fabs(got[i] - want[i]) <= tol)) return false;
  return true;
}

// Prints "label: got" and whether it is what the comment says (`want`).
void check(bool ok, const std::string& label, const std::string& got, const std::string& want) {
  std::cout << (ok ? "  ok    " : "  FAIL  ") << label << ": " << got;
  if (!ok) std::cout << "   (expected " << want << ")";
  std::cout << "\n";
  if (!ok) ++failures;
}

void check_values(const std::string& label, const Tensor& t, const std::vector<float>& want) {
  std::vector<float> got = t.to_vector<float>();
  check(near(got, want), label, str(got), str(want));
}

void check_type(const std::string& label, const Tensor& t, tg::DType dtype, const tg::Shape& shape) {
  std::string got = std::string(tg::dtype_name(t.dtype())) + " " + t.shape().to_string();
  std::string want = std::string(tg::dtype_name(dtype)) + " " + shape.to_string();
  check(got == want, label, got, want);
}

void check_grad(const std::string& label, const std::optional<Tensor>& grad, const std::vector<float>& want) {
  if (grad) return check_values(label, *grad, want);
  check(false, label, "no gradient", str(want));
}

std::vector<std::vector<float>> values(const std::vector<Tensor>& ts) {
  std::vector<std::vector<float>> out;
  for (const Tensor& t : ts) out.push_back(t.to_vector<float>());
  return out;
}

void creation_and_math() {
  const std::string device = tg::Device::default_device();  // throws if TG_DEVICE cannot be had
  std::cout << "Tensors (device " << device << "):\n";
  Tensor a = Tensor({1, 2, 3});               // int32, shape {3}
  Tensor b = Tensor::zeros({3});              // float32
  Tensor c = Tensor::rand({2, 3});            // uniform [0,1)
  Tensor d = a + b;                           // promotes to float32
  Tensor e = d * 2;
  Tensor f = a.matmul(Tensor({{1}, {2}, {3}}));   // 1-D @ 2-D -> shape {1}
  std::vector<float> v = e.to_vector<float>();    // == numpy(): realizes, copies out

  check_type("a = Tensor({1, 2, 3})", a, tg::DType::int32, {3});
  check_type("b = Tensor::zeros({3})", b, tg::DType::float32, {3});
  check_values("b", b, {0, 0, 0});
  check_type("c = Tensor::rand({2, 3})", c, tg::DType::float32, {2, 3});
  std::vector<float> cv = c.to_vector<float>();
  bool in_range = cv.size() == 6;
  for (float x : cv) in_range = in_range && x >= 0.0f && x < 1.0f;
  check(in_range, "c in [0, 1)", str(cv), "six values in [0, 1)");
  check_type("d = a + b", d, tg::DType::float32, {3});
  check_values("d", d, {1, 2, 3});
  check_type("f = a.matmul({{1}, {2}, {3}})", f, tg::DType::int32, {1});
  check_values("f", f, {14});
  check(near(v, {2, 4, 6}), "v = (d * 2).to_vector<float>()", str(v), str({2, 4, 6}));
}

void autograd() {
  std::cout << "Autograd:\n";
  Tensor::training = true;
  Tensor x = Tensor({1.0f, 2.0f, 3.0f});
  Tensor y = (x * 2).sum();
  y.backward();
  check_grad("x.grad() of (x * 2).sum()", x.grad(), {2, 2, 2});
  // grads accumulate until zeroed
  (x * 2).sum().backward();
  check_grad("x.grad() after a second backward", x.grad(), {4, 4, 4});
}

void training() {
  std::cout << "Training a Linear(2, 1) with Adam on OR:\n";
  Tensor::manual_seed(0);
  Tensor X = Tensor({{0.0f, 0.0f}, {0.0f, 1.0f}, {1.0f, 0.0f}, {1.0f, 1.0f}});
  Tensor Y = Tensor({{0.0f}, {1.0f}, {1.0f}, {1.0f}});
  const float lr = 0.1f;

  tg::nn::Linear model(2, 1);
  tg::nn::optim::Adam opt(tg::nn::state::get_parameters(model), /*lr=*/lr);
  const std::vector<Tensor> params = tg::nn::state::get_parameters(model);
  check(params.size() == 2, "get_parameters(Linear(2, 1))", std::to_string(params.size()) + " tensors",
        "2 tensors (weight, bias)");

  // The seed's step, once, checked exactly: Adam's first update moves each parameter by
  // lr * g / (|g| + eps) against its gradient g.
  std::vector<std::vector<float>> before = values(params);
  Tensor pred = model(X).sigmoid();
  Tensor loss = (pred - Y).pow(2).mean();
  const float first_loss = loss.item<float>();
  loss.backward();
  std::vector<std::vector<float>> grads;
  for (const Tensor& p : params) grads.push_back(p.grad() ? p.grad()->to_vector<float>() : std::vector<float>{});
  opt.step(); opt.zero_grad();
  std::vector<std::vector<float>> after = values(params);
  for (size_t i = 0; i < params.size(); ++i) {
    std::vector<float> want = before[i];
    for (size_t j = 0; j < want.size() && j < grads[i].size(); ++j)
      want[j] -= lr * grads[i][j] / (std::fabs(grads[i][j]) + 1e-8f);
    check(grads[i].size() == before[i].size() && near(after[i], want, 1e-4f),
          "parameter " + std::to_string(i) + " after one Adam step", str(after[i]), str(want));
  }
  bool zeroed = true;
  for (const Tensor& p : params)
    if (p.grad()) zeroed = zeroed && near(p.grad()->to_vector<float>(), std::vector<float>(p.numel(), 0.0f));
  check(zeroed, "gradients after opt.zero_grad()", zeroed ? "none" : "still set", "none");

  // More of the same steps: the loss must fall and the model must learn OR.
  float last_loss = first_loss;
  for (int step = 2; step <= 100; ++step) {
    Tensor l = (model(X).sigmoid() - Y).pow(2).mean();
    l.backward(); opt.step(); opt.zero_grad();
    last_loss = l.item<float>();
    if (step % 25 == 0) std::cout << "        step " << step << ": loss " << last_loss << "\n";
  }
  check(last_loss < first_loss && last_loss < 0.05f, "loss after 100 steps",
        std::to_string(first_loss) + " -> " + std::to_string(last_loss), "below 0.05 and falling");
  std::vector<float> p = model(X).sigmoid().to_vector<float>();
  check(p[0] < 0.5f && p[1] > 0.5f && p[2] > 0.5f && p[3] > 0.5f, "sigmoid(model(X))", str(p), "{<0.5, >0.5, >0.5, >0.5}");

  std::cout << "std::cout << model(Tensor({{0, 0}})):\n";
  std::cout << model(Tensor({{0, 0}})) << "\n";  // prints values, shape, dtype, device
  std::ostringstream printed;
  Tensor out = model(Tensor({{0, 0}}));
  printed << out;
  check(printed.str().find("float32") != std::string::npos && printed.str().find(out.device()) != std::string::npos,
        "it names its dtype and device", "float32, " + out.device(), "float32 and " + out.device());
  check(out.to_vector<float>().at(0) < 0.0f, "model(Tensor({{0, 0}})) (a logit for OR(0, 0) = 0)",
        str(out.to_vector<float>()), "below 0");
}

}  // namespace

int main() {
  try {
    creation_and_math();
    autograd();
    training();
  } catch (const tg::Error& e) {
    std::cerr << "seed: tg error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "seed: unexpected exception: " << e.what() << "\n";
    return 1;
  }
  if (failures) {
    std::cout << failures << " result(s) differ from the seed's comments\n";
    return 1;
  }
  std::cout << "All results match the seed's comments.\n";
  return 0;
}
