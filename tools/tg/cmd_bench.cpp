// tg bench: times a workload on a tg device and, where PyTorch is installed, the same work in
// PyTorch in the same run (2 threads each), and prints both with their ratio.
//   tg bench matmul [N]       N x N float32 matmul (default 1024)           GFLOP/s
//   tg bench elementwise [N]  ((x*2+1).relu()*x+0.5) on N floats (16M)      GB/s (one read, one write)
//   tg bench reduce [N]       x.sum() of N floats (16M)                      GB/s
//   tg bench fma [N]          a*b+c on N floats (16M)                        GB/s (three reads, one write)
//   tg bench conv [B]         conv2d 32->64 3x3 on (B, 32, 13, 13) (B 128)   GFLOP/s
//   tg bench mlp [B]          784-128-10 MLP training step, Adam, batch B    steps/s
//   tg bench cnn [B]          the mnist example's CNN training step, Adam    steps/s
//   tg bench embedding [T]    Embedding(50000, 512) on T tokens (4096), forward + backward  steps/s
//   tg bench gpt [B]          examples/gpt's train step (AdamW, batch B, 16) steps/s, and one
//                             generated token at positions 10 and 200 (KV cache)   tokens/s
//   tg bench all              each of the above at its default size
//   tg bench topk [K]         x.topk(K) (64) along the rows of a (1024, 50000) float32 x  runs/s
//   tg bench sort             x.sort() of the same x (values and indices)    runs/s
//   tg bench basics           matmul 256, 512 and 1024, fma and reduce at 16M: a new device's
//                             first numbers (with --device; plugins/opencl/README.md's table)
//   tg bench attention        causal scaled_dot_product_attention (16, 8, 256, 64), fwd+bwd,
//                             beside PyTorch's formula written out               runs/s
//   tg bench ops              common ops beyond those, each on one tensor (ops_workloads below)
//   tg bench raw-matmul [N]   N x N float32 matmul (1024) through tg and straight through oneDNN,
//                             alternating in one process: tg / raw (bench_raw_matmul.cpp)
//   tg bench mnist-slice      a Fashion-MNIST MLP epoch batched by slice on the device, epochs 1
//                             and 2, beside host-gathered batches (bench_mnist_slice.cpp)
// Peak memory is what the work needs beyond its inputs and model: tg's is how far the device
// memory its buffers held (runtime_stats()) rose above what was in use before the runs;
// PyTorch's is how far the process's peak resident size (ru_maxrss) rose above where it stood
// after setup.
// Times are the best of --repeat runs after two warm-up runs, each ending in a synchronize; tg's
// runs and PyTorch's (a python3 child, torch_peer.hpp) alternate in blocks of 5, so a machine
// whose speed drifts from minute to minute slows both alike.
#include <tg/tg.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "bench_workload.hpp"
#include "torch_peer.hpp"

namespace tgtool {
namespace {

using tg::Tensor;

// The best of `times` runs back to back. The block starts after a 10 ms pause: the peer
// process's OpenMP threads spin for a while after their own runs, and would otherwise share
// the cores with these.
double best_of(const std::function<void()>& f, int times) {
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  double best = 1e30;
  for (int i = 0; i < times; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// Runs per block when tg and PyTorch alternate.
constexpr int kBlock = 5;

// `precision` significant digits, and never an exponent: 1.08e+03 steps/s reads as 1080.
std::string fmt(double v, const char* unit, int precision = 3) {
  std::ostringstream s;
  if (std::fabs(v) >= 1000) {
    s << std::llround(v);
  } else {
    s.precision(precision);
    s << v;
  }
  s << (*unit ? " " : "") << unit;
  return s.str();
}
std::string fmt_time(double s) { return s < 1e-3 ? fmt(s * 1e6, "us") : fmt(s * 1e3, "ms"); }
std::string fmt_bytes(double b) {
  return b < 1e3 ? fmt(b, "B") : b < 1e6 ? fmt(b / 1e3, "kB") : fmt(b / 1e6, "MB");
}

Workload matmul(int64_t n) {
  Tensor a = Tensor::rand({n, n}).realize(), b = Tensor::rand({n, n}).realize();
  Workload w;
  w.label = "matmul " + std::to_string(n) + " fp32";
  w.work = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  w.unit = "GFLOP/s";
  w.run = [a, b] { a.matmul(b).realize(); tg::synchronize(); };
  w.torch_body = "a = torch.rand(" + std::to_string(n) + ", " + std::to_string(n) + ")\nb = torch.rand_like(a)\n"
                 "def f(): a @ b\n";
  return w;
}

Workload elementwise(int64_t n) {
  Tensor x = Tensor::rand({n}).realize();
  Workload w;
  w.label = "((x*2+1).relu()*x+0.5) " + std::to_string(n);
  w.work = 2.0 * 4.0 * static_cast<double>(n);
  w.unit = "GB/s";
  w.run = [x] { ((x * 2 + 1).relu() * x + 0.5f).realize(); tg::synchronize(); };
  w.torch_body = "x = torch.rand(" + std::to_string(n) + ")\ndef f(): ((x*2+1).relu()*x+0.5)\n";
  return w;
}

Workload reduce(int64_t n) {
  Tensor x = Tensor::rand({n}).realize();
  Workload w;
  w.label = "x.sum() " + std::to_string(n);
  w.work = 4.0 * static_cast<double>(n);
  w.unit = "GB/s";
  w.run = [x] { x.sum().realize(); tg::synchronize(); };
  w.torch_body = "x = torch.rand(" + std::to_string(n) + ")\ndef f(): x.sum()\n";
  return w;
}

Workload mul_add(int64_t n) {
  Tensor a = Tensor::rand({n}).realize(), b = Tensor::rand({n}).realize(), c = Tensor::rand({n}).realize();
  Workload w;
  w.label = "a*b+c " + std::to_string(n);
  w.work = 4.0 * 4.0 * static_cast<double>(n);
  w.unit = "GB/s";
  w.run = [a, b, c] { (a * b + c).realize(); tg::synchronize(); };
  w.torch_body = "a = torch.rand(" + std::to_string(n) + ")\nb = torch.rand_like(a)\nc = torch.rand_like(a)\n"
                 "def f(): a * b + c\n";
  return w;
}

Workload conv(int64_t batch) {
  Tensor x = Tensor::rand({batch, 32, 13, 13}).realize(), wt = Tensor::rand({64, 32, 3, 3}).realize();
  Workload w;
  w.label = "conv2d 32->64 3x3, (" + std::to_string(batch) + ", 32, 13, 13)";
  w.work = 2.0 * static_cast<double>(batch) * 64 * 11 * 11 * 32 * 9;
  w.unit = "GFLOP/s";
  w.run = [x, wt] { x.conv2d(wt).realize(); tg::synchronize(); };
  w.torch_body = "import torch.nn.functional as F\nx = torch.rand(" + std::to_string(batch) +
                 ", 32, 13, 13)\nw = torch.rand(64, 32, 3, 3)\ndef f(): F.conv2d(x, w)\n";
  return w;
}

// The mnist example's CNN: conv 32 3x3, relu, maxpool 2, conv 64 3x3, relu, maxpool 2, linear 1600->10.
Workload cnn(int64_t batch) {
  auto c1 = std::make_shared<tg::nn::Conv2d>(1, 32, 3), c2 = std::make_shared<tg::nn::Conv2d>(32, 64, 3);
  auto fc = std::make_shared<tg::nn::Linear>(1600, 10);
  std::vector<Tensor> params = c1->parameters();
  for (const auto& m : std::vector<std::shared_ptr<tg::nn::Module>>{c2, fc})
    for (const Tensor& p : m->parameters()) params.push_back(p);
  auto opt = std::make_shared<tg::nn::optim::Adam>(params, 1e-3f);
  Tensor x = Tensor::rand({batch, 1, 28, 28}).requires_grad_(false).realize(), y = Tensor::randint(0, 10, {batch}).realize();
  Workload w;
  w.label = "CNN (mnist example) Adam step, batch " + std::to_string(batch);
  w.work = 1;
  w.unit = "steps/s";
  w.run = [c1, c2, fc, opt, x, y] {
    Tensor::training = true;
    opt->zero_grad();
    Tensor h = (*c1)(x).relu().max_pool2d(2);
    h = (*c2)(h).relu().max_pool2d(2);
    Tensor loss = (*fc)(h.flatten(1)).sparse_categorical_crossentropy(y);
    loss.backward();
    opt->step();
    tg::synchronize();
  };
  w.torch_body = "import torch.nn as nn, torch.nn.functional as F\n"
                 "m = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),\n"
                 "                  nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 10))\n"
                 "opt = torch.optim.Adam(m.parameters(), lr=1e-3)\n"
                 "x = torch.rand(" + std::to_string(batch) + ", 1, 28, 28)\ny = torch.randint(0, 10, (" + std::to_string(batch) + ",))\n"
                 "def f():\n    opt.zero_grad()\n    F.cross_entropy(m(x), y).backward()\n    opt.step()\n";
  return w;
}

Workload mlp(int64_t batch) {
  auto l1 = std::make_shared<tg::nn::Linear>(784, 128), l2 = std::make_shared<tg::nn::Linear>(128, 10);
  std::vector<Tensor> params = l1->parameters();
  for (const Tensor& p : l2->parameters()) params.push_back(p);
  auto opt = std::make_shared<tg::nn::optim::Adam>(params, 1e-3f);
  // Inputs need no gradient (as in PyTorch); left unset, tg would compute and keep one.
  Tensor x = Tensor::rand({batch, 784}).requires_grad_(false).realize(), y = Tensor::randint(0, 10, {batch}).realize();
  Workload w;
  w.label = "MLP 784-128-10 Adam step, batch " + std::to_string(batch);
  w.work = 1;
  w.unit = "steps/s";
  w.run = [l1, l2, opt, x, y] {
    Tensor::training = true;
    opt->zero_grad();
    Tensor loss = (*l2)((*l1)(x).relu()).sparse_categorical_crossentropy(y);
    loss.backward();
    opt->step();
    tg::synchronize();
  };
  w.torch_body = "import torch.nn as nn, torch.nn.functional as F\n"
                 "m = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\n"
                 "opt = torch.optim.Adam(m.parameters(), lr=1e-3)\n"
                 "x = torch.rand(" + std::to_string(batch) + ", 784)\ny = torch.randint(0, 10, (" + std::to_string(batch) + ",))\n"
                 "def f():\n    opt.zero_grad()\n    F.cross_entropy(m(x), y).backward()\n    opt.step()\n";
  return w;
}

// Embedding(50000, 512) on `tokens` random token ids: the forward (a gather of rows), a weighted
// sum as the loss, and the backward to the table's gradient (a scatter-add of rows into zeros),
// both realized. PyTorch does the same with nn.Embedding (its dense gradient).
Workload embedding(int64_t tokens) {
  const int64_t vocab = 50000, dim = 512;
  auto emb = std::make_shared<tg::nn::Embedding>(vocab, dim);
  emb->weight.realize();
  Tensor idx = Tensor::randint(0, vocab, {tokens}).realize();
  Tensor g = Tensor::rand({tokens, dim}).requires_grad_(false).realize();
  Workload w;
  w.label = "Embedding(50000, 512) fwd+bwd, " + std::to_string(tokens) + " tokens";
  w.work = 1;
  w.unit = "steps/s";
  w.run = [emb, idx, g] {
    emb->weight.set_grad(std::nullopt);
    Tensor loss = ((*emb)(idx) * g).sum();
    loss.backward();
    emb->weight.grad()->realize();
    loss.realize();  // the forward's value too, as PyTorch computes it
    tg::synchronize();
  };
  w.torch_body = "import torch.nn as nn\nm = nn.Embedding(50000, 512)\n"
                 "idx = torch.randint(0, 50000, (" + std::to_string(tokens) + ",))\n"
                 "g = torch.rand(" + std::to_string(tokens) + ", 512)\n"
                 "def f():\n    m.weight.grad = None\n    (m(idx) * g).sum().backward()\n";
  return w;
}

// Causal self-attention, forward and backward: tg's scaled_dot_product_attention beside
// PyTorch's formula written out (scores, masked_fill, softmax, product), as a model spells it.
Workload attention() {
  const int64_t B = 16, H = 8, T = 256, D = 64;
  auto make = [&] { return Tensor::randn({B, H, T, D}).realize().requires_grad_(); };
  Tensor q = make(), k = make(), v = make();
  Tensor g = Tensor::randn({B, H, T, D}).requires_grad_(false).realize();
  Workload w;
  w.label = "attention (16, 8, 256, 64) causal fwd+bwd";
  w.work = 1;
  w.unit = "runs/s";
  w.run = [q, k, v, g]() mutable {
    for (Tensor* t : {&q, &k, &v}) t->set_grad(std::nullopt);
    Tensor out = q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, true);
    out.backward(g);
    // The output too, as a model needs it (backward alone would not compute it).
    std::vector<Tensor> results = {out, *q.grad(), *k.grad(), *v.grad()};
    tg::realize(results);
    tg::synchronize();
  };
  w.torch_body = "import math\n"
                 "q, k, v = (torch.randn(16, 8, 256, 64, requires_grad=True) for _ in range(3))\n"
                 "g = torch.randn(16, 8, 256, 64)\n"
                 "mask = torch.ones(256, 256, dtype=torch.bool).tril()\n"
                 "def f():\n"
                 "    for t in (q, k, v): t.grad = None\n"
                 "    s = (q @ k.transpose(-2, -1) / math.sqrt(64)).masked_fill(~mask, float('-inf'))\n"
                 "    (s.softmax(-1) @ v).backward(g)\n";
  return w;
}

// One op on one realized random float tensor: tg's call and PyTorch's expression of the same
// (on `x`). Rate: bytes read and written once each.
Workload one_op(const std::string& label, const std::vector<int64_t>& shape, std::function<Tensor(const Tensor&)> op,
                const std::string& torch_expr) {
  Tensor x = Tensor::rand(tg::Shape(shape)).realize();
  Tensor out = op(x).realize();
  tg::synchronize();
  Workload w;
  w.label = label;
  w.work = 4.0 * static_cast<double>(x.numel()) + static_cast<double>(out.numel() * tg::dtype_size(out.dtype()));
  w.unit = "GB/s";
  w.run = [x, op] { op(x).realize(); tg::synchronize(); };
  std::string dims;
  for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  w.torch_body = "import torch.nn.functional as F\nx = torch.rand(" + dims + ")\ndef f(): " + torch_expr + "\n";
  return w;
}

// `tg bench ops`: ops a model is made of beyond the matmuls and convolutions, at sizes where
// their speed shows.
std::vector<std::function<Workload()>> ops_workloads() {
  return {
      [] { return one_op("x.exp() 16777216", {int64_t{1} << 24}, [](const Tensor& x) { return x.exp(); }, "x.exp()"); },
      [] {
        return one_op("x.gelu() 16777216", {int64_t{1} << 24}, [](const Tensor& x) { return x.gelu(); },
                      "F.gelu(x, approximate='tanh')");
      },
      [] {
        return one_op("softmax(-1) (4096, 1024)", {4096, 1024}, [](const Tensor& x) { return x.softmax(-1); }, "x.softmax(-1)");
      },
      [] {
        return one_op("layernorm(-1) (4096, 1024)", {4096, 1024}, [](const Tensor& x) { return x.layernorm(-1, 1e-5f); },
                      "F.layer_norm(x, (1024,), eps=1e-5)");
      },
      [] {
        return one_op("log_softmax(-1) (1024, 1000)", {1024, 1000}, [](const Tensor& x) { return x.log_softmax(-1); },
                      "x.log_softmax(-1)");
      },
      [] {
        return one_op("x.T.contiguous() (4096, 4096)", {4096, 4096}, [](const Tensor& x) { return x.transpose(0, 1).contiguous(); },
                      "x.t().contiguous()");
      },
      [] {
        return one_op("permute NHWC->NCHW (128, 26, 26, 32)", {128, 26, 26, 32},
                      [](const Tensor& x) { return x.permute({0, 3, 1, 2}).contiguous(); }, "x.permute(0, 3, 1, 2).contiguous()");
      },
      [] { return one_op("x.sum(0) (4096, 4096)", {4096, 4096}, [](const Tensor& x) { return x.sum(0); }, "x.sum(0)"); },
      [] { return one_op("x.argmax(1) (4096, 1024)", {4096, 1024}, [](const Tensor& x) { return x.argmax(1); }, "x.argmax(1)"); },
      [] { return one_op("x.cumsum(1) (4096, 1024)", {4096, 1024}, [](const Tensor& x) { return x.cumsum(1); }, "x.cumsum(1)"); },
      [] {
        return one_op("max_pool2d(2) (64, 64, 32, 32)", {64, 64, 32, 32}, [](const Tensor& x) { return x.max_pool2d(2); },
                      "F.max_pool2d(x, 2)");
      },
  };
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("device", po::value<std::string>(), "Device to run on (default: TG_DEVICE or the best available).")(
      "repeat", po::value<int>()->default_value(10), "Timed runs; the best is reported.")(
      "no-torch", "Do not run PyTorch for comparison.");
  const std::string usage = "bench <matmul [N] | elementwise [N] | reduce [N] | fma [N] | conv [BATCH] | mlp [BATCH] | cnn [BATCH] | embedding [TOKENS] | gpt [BATCH] | topk [K] | sort | all | basics | ops | attention | raw-matmul [N] | mnist-slice> [options]";
  // Workload and size come first; the options parser takes the rest.
  std::vector<std::string> rest = args;
  std::string which;
  int64_t size = 0;
  if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
    which = rest[0];
    rest.erase(rest.begin());
    if (!rest.empty() && rest[0].rfind("-", 0) != 0) {
      char* end = nullptr;
      size = std::strtoll(rest[0].c_str(), &end, 10);
      if (*end != '\0' || size <= 0) throw UsageError("tg bench: size must be a positive integer, got '" + rest[0] + "'", "tg bench");
      rest.erase(rest.begin());
    }
  }
  po::variables_map vm;
  if (!parse_args(command("bench"), usage, options, rest, vm)) return kExitOk;
  if (which.empty()) throw UsageError("tg bench: name a workload: matmul, elementwise, reduce, fma, conv, mlp, cnn, embedding, gpt, topk, sort, all, basics, ops, attention, raw-matmul or mnist-slice", "tg bench");
  if (vm.count("device")) tg::Device::set_default(vm["device"].as<std::string>());
  const int repeat = std::max(1, vm["repeat"].as<int>());
  if (which == "raw-matmul") {
#ifdef TG_TOOL_RAW_MATMUL
    return run_raw_matmul(size ? size : 1024, repeat);
#else
    throw UsageError("tg bench raw-matmul: this tg was built without the onednn plugin (-DTG_WITH_ONEDNN=ON)", "tg bench");
#endif
  }
  if (which == "mnist-slice") {
    if (size) throw UsageError("tg bench mnist-slice: takes no size", "tg bench");
    return run_mnist_slice(vm["repeat"].defaulted() ? 3 : repeat);
  }

  std::vector<std::function<Workload()>> todo;
  const int64_t n16m = int64_t{1} << 24;
  if (which == "matmul" || which == "all") todo.push_back([&] { return matmul(size && which != "all" ? size : 1024); });
  if (which == "elementwise" || which == "all") todo.push_back([&] { return elementwise(size && which != "all" ? size : n16m); });
  if (which == "reduce" || which == "all") todo.push_back([&] { return reduce(size && which != "all" ? size : n16m); });
  if (which == "fma") todo.push_back([&] { return mul_add(size ? size : n16m); });
  if (which == "basics") {
    if (size) throw UsageError("tg bench basics: takes no size", "tg bench");
    for (int64_t n : {256, 512, 1024}) todo.push_back([n] { return matmul(n); });
    todo.push_back([&] { return mul_add(n16m); });
    todo.push_back([&] { return reduce(n16m); });
  }
  if (which == "conv" || which == "all") todo.push_back([&] { return conv(size && which != "all" ? size : 128); });
  if (which == "mlp" || which == "all") todo.push_back([&] { return mlp(size && which != "all" ? size : 128); });
  if (which == "cnn" || which == "all") todo.push_back([&] { return cnn(size && which != "all" ? size : 128); });
  if (which == "gpt" || which == "all") {
    todo.push_back([&] { return gpt_train_step(size && which != "all" ? size : 16); });
    todo.push_back([] { return gpt_token(10); });
    todo.push_back([] { return gpt_token(200); });
  }
  if (which == "embedding" || which == "all") todo.push_back([&] { return embedding(size && which != "all" ? size : 4096); });
  // (not in "all": PyTorch's sort of these rows alone takes seconds per run)
  if (which == "topk") todo.push_back([&] { return topk_rows(size ? size : 64); });
  if (which == "sort") {
    if (size) throw UsageError("tg bench sort: takes no size", "tg bench");
    todo.push_back(sort_rows);
  }
  if (which == "attention") {
    if (size) throw UsageError("tg bench attention: takes no size", "tg bench");
    todo.push_back(attention);
  }
  if (which == "ops") {
    if (size) throw UsageError("tg bench ops: takes no size", "tg bench");
    todo = ops_workloads();
  }
  if (todo.empty()) throw UsageError("tg bench: unknown workload '" + which + "'", "tg bench");

  const bool torch = !vm.count("no-torch") && torch_installed();
  const std::string device = tg::Device::default_device();  // before any output: it may fail
  std::string peer = "python3-torch, 2 threads, OpenBLAS";
  if (vm.count("no-torch")) peer = "skipped (--no-torch)";
  else if (!torch) peer = "not installed";
  else if (torch_device() != "cpu") peer = "PyTorch on " + torch_device() + " (TG_BENCH_TORCH_DEVICE)";
  std::cout << "device: " << device << "; PyTorch: " << peer << "; best of " << repeat << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"WORKLOAD", "TG TIME", "TG RATE", "TG PEAK MEM", "TORCH TIME", "TORCH PEAK MEM", "TORCH/TG"}};
  for (const auto& make : todo) {
    Workload w = make();
    TorchPeer peer;
    bool with_torch = torch && peer.start(w.torch_body);
    tg::synchronize();
    tg::reset_runtime_stats();
    const uint64_t before = tg::runtime_stats().bytes_in_use;  // the inputs and the model
    // Two warm-up runs each, then blocks of kBlock runs alternate between tg and PyTorch: both
    // see the same minutes, and runs within a block follow each other as in a training loop.
    best_of(w.run, 2);
    if (with_torch && peer.run(2) < 0) with_torch = false;
    double t = 1e30, tt = 1e30;
    for (int done = 0; done < repeat; done += kBlock) {
      const int n = std::min(kBlock, repeat - done);
      t = std::min(t, best_of(w.run, n));
      if (with_torch) {
        const double theirs = peer.run(n);
        if (theirs < 0) with_torch = false;
        tt = std::min(tt, theirs);
      }
    }
    const uint64_t peak = tg::runtime_stats().peak_bytes - before;
    std::vector<std::string> row = {w.label, fmt_time(t), fmt(w.work / t / (w.work == 1 ? 1 : 1e9), w.unit),
                                    fmt_bytes(static_cast<double>(peak))};
    if (with_torch) {
      row.insert(row.end(), {fmt_time(tt), fmt_bytes(peer.peak_bytes()), fmt(tt / t, "", 3)});
    } else if (torch) {
      std::string why = peer.why();
      for (char& c : why) c = c == '\n' ? ' ' : c;
      row.insert(row.end(), {"failed: " + why, "-", "-"});
    } else {
      row.insert(row.end(), {"-", "-", "-"});
    }
    rows.push_back(row);
  }
  print_table(std::cout, rows);
  return kExitOk;
}

}  // namespace tgtool
