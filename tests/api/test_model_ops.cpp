// The ops transformers, U-Nets and ResNets reach for (core/src/tensor/attention.cpp, einsum.cpp,
// resample.cpp, conv_transpose.cpp, pool.cpp's ceil_mode): values and gradients against PyTorch
// computed in the run (torch_oracle.hpp), gradients against finite differences, kernel counts
// of the fused forms, and the errors bad input gets. tests/api/tinygrad_ops has tinygrad's own cases.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "tg_test_util.hpp"
#include "torch_oracle.hpp"

using tg::Tensor;
using tgtest::all_close;
using tgtest::py_tensor;
using tgtest::run_torch;

namespace {

// Values that are not all alike, deterministic: a float32 tensor of shape `shape`.
Tensor data(tg::Shape shape, double seed = 0.0) {
  std::vector<float> v;
  for (int64_t i = 0; i < shape.numel(); ++i) v.push_back(static_cast<float>(std::sin(0.7 * static_cast<double>(i) + seed) * 1.3));
  return Tensor(v, shape);
}

Tensor leaf(tg::Shape shape, double seed = 0.0) { return data(shape, seed).realize().requires_grad_(); }

std::vector<double> vec(const Tensor& t) { return t.to_vector<double>(); }

template <typename F>
tg::RuntimeStats measure(F&& fn) {
  tg::synchronize();
  tg::reset_runtime_stats();
  fn();
  tg::synchronize();
  return tg::runtime_stats();
}

// d(sum(f(inputs) * weights))/d(input i) by central differences, element by element, against
// tg's gradient of the same.
void expect_grads_match_differences(const std::vector<Tensor>& inputs,
                                    const std::function<Tensor(const std::vector<Tensor>&)>& f, double tol = 2e-2) {
  Tensor probe = f(inputs);
  Tensor weights = data(probe.shape(), 0.3).realize();
  auto loss = [&](const std::vector<Tensor>& xs) { return (f(xs) * weights).sum(); };
  for (const Tensor& x : inputs) const_cast<Tensor&>(x).set_grad(std::nullopt);
  loss(inputs).backward();
  for (size_t i = 0; i < inputs.size(); i++) {
    const std::vector<double> grad = vec(*inputs[i].grad());
    std::vector<float> base = inputs[i].to_vector<float>();
    const float eps = 1e-2f;
    for (size_t j = 0; j < base.size(); j++) {
      auto at = [&](float delta) {
        std::vector<float> moved = base;
        moved[j] += delta;
        std::vector<Tensor> xs = inputs;
        xs[i] = Tensor(moved, inputs[i].shape());
        tg::NoGrad off;
        return loss(xs).item<double>();
      };
      const double numeric = (at(eps) - at(-eps)) / (2.0 * eps);
      EXPECT_NEAR(grad[j], numeric, tol * (1.0 + std::fabs(numeric))) << "input " << i << " element " << j;
    }
  }
}

// Every value of `got` against PyTorch's `want`.
void expect_close(const Tensor& got, const std::vector<double>& want, double tol = 1e-5) {
  EXPECT_TRUE(all_close(got, want, tol, tol));
}

template <typename F>
void expect_error_with(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no tg::Error (expected one mentioning \"" << part << "\")";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

}  // namespace

// ---------------------------------------------------------------- scaled_dot_product_attention

// PyTorch 1.13 (Debian's) has no F.scaled_dot_product_attention: this is the reference
// implementation PyTorch 2 documents for it.
const std::string kTorchSdpa =
    "def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):\n"
    "    L, S = q.size(-2), k.size(-2)\n"
    "    s = q @ k.transpose(-2, -1) * (1 / math.sqrt(q.size(-1)) if scale is None else scale)\n"
    "    if is_causal: s = s.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))\n"
    "    if attn_mask is not None:\n"
    "        s = s.masked_fill(~attn_mask, float('-inf')) if attn_mask.dtype == torch.bool else s + attn_mask\n"
    "    return s.softmax(-1) @ v\n"
    "F.scaled_dot_product_attention = sdpa\n";

TEST(Attention, MatchesPyTorchWithMasksCausalScaleAndGqa) {
  Tensor q = leaf({2, 4, 5, 8}, 0.1), k = leaf({2, 4, 7, 8}, 0.2), v = leaf({2, 4, 7, 6}, 0.3);
  Tensor kg = leaf({2, 2, 7, 8}, 0.4), vg = leaf({2, 2, 7, 6}, 0.5);
  std::vector<bool> mb;
  for (int i = 0; i < 5 * 7; i++) mb.push_back((i * 5) % 7 != 2 || i % 7 == 0);
  Tensor bmask(mb, {5, 7});
  Tensor fmask = data({2, 1, 5, 7}, 0.9);
  const std::string py = "q=" + py_tensor(q, true) + "\nk=" + py_tensor(k, true) + "\nv=" + py_tensor(v, true) +
                         "\nkg=" + py_tensor(kg) + "\nvg=" + py_tensor(vg) + "\nfm=" + py_tensor(fmask) +
                         "\nbm=" + py_tensor(bmask.cast(tg::DType::float32)) + ".bool()\n"
                         "def run(name, o):\n"
                         "    out(name, o)\n"
                         "    q.grad = k.grad = v.grad = None\n"
                         "    (o * torch.arange(o.numel()).reshape(o.shape).sin()).sum().backward()\n"
                         "    out(name + '_dq', q.grad); out(name + '_dk', k.grad); out(name + '_dv', v.grad)\n"
                         "run('plain', F.scaled_dot_product_attention(q, k, v))\n"
                         "run('bool', F.scaled_dot_product_attention(q, k, v, attn_mask=bm))\n"
                         "run('float', F.scaled_dot_product_attention(q, k, v, attn_mask=fm))\n"
                         "run('causal', F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.3))\n"
                         "out('gqa', F.scaled_dot_product_attention(q, kg.repeat_interleave(2, 1), vg.repeat_interleave(2, 1)))\n";
  auto want = run_torch(kTorchSdpa + py);
  auto check = [&](const std::string& name, const Tensor& o) {
    expect_close(o, want[name], 1e-5);
    for (Tensor* t : {&q, &k, &v}) t->set_grad(std::nullopt);
    Tensor w = Tensor::arange(static_cast<double>(o.numel())).reshape(o.shape()).sin();
    (o * w).sum().backward();
    expect_close(*q.grad(), want[name + "_dq"], 1e-4);
    expect_close(*k.grad(), want[name + "_dk"], 1e-4);
    expect_close(*v.grad(), want[name + "_dv"], 1e-4);
  };
  check("plain", q.scaled_dot_product_attention(k, v));
  check("bool", q.scaled_dot_product_attention(k, v, bmask));
  check("float", q.scaled_dot_product_attention(k, v, fmask));
  check("causal", q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, true, 0.3f));
  expect_close(q.scaled_dot_product_attention(kg, vg, std::nullopt, 0.0f, false, std::nullopt, true), want["gqa"]);
}

TEST(Attention, GradientsMatchFiniteDifferences) {
  Tensor q = leaf({1, 2, 3, 4}, 0.1), k = leaf({1, 2, 4, 4}, 0.2), v = leaf({1, 2, 4, 3}, 0.3);
  expect_grads_match_differences({q, k, v}, [](const std::vector<Tensor>& x) {
    return x[0].scaled_dot_product_attention(x[1], x[2], std::nullopt, 0.0f, true);
  });
}

TEST(Attention, ForwardIsFourKernelsAndStoresTwoScoreBuffers) {
  // The scores' GEMM (scale and causal mask in its epilogue), the softmax's max and sum in one
  // nested pass, the probabilities, and their GEMM with value: no other (B, H, L, S) buffer.
  const int64_t B = 2, H = 3, L = 16, S = 16, E = 8;
  Tensor q = data({B, H, L, E}, 0.1).realize(), k = data({B, H, S, E}, 0.2).realize(), v = data({B, H, S, E}, 0.3).realize();
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, true).realize(); });
  EXPECT_LE(s.kernels_launched, 4u);
  const uint64_t scores = static_cast<uint64_t>(B * H * L * S) * 4, outputs = static_cast<uint64_t>(B * H * L * E) * 4;
  EXPECT_LE(s.bytes_allocated, 2 * scores + outputs + static_cast<uint64_t>(B * H * L) * 4 * 2 + 4096)
      << "more than the scores and the probabilities were stored";
  // The same with a bool mask and with PyTorch's formula written out.
  std::vector<bool> mb(static_cast<size_t>(L * S), true);
  mb[3] = false;
  Tensor mask = Tensor(mb, {L, S}).realize();
  s = measure([&] { q.scaled_dot_product_attention(k, v, mask).realize(); });
  EXPECT_LE(s.kernels_launched, 4u);
}

TEST(Attention, ForwardAndBackwardAreElevenKernels) {
  // Forward 4; backward: the products with the output's gradient (dV, dP) and with the score
  // gradient (dQ, dK) are GEMMs, the softmax gradient a row sum and one elementwise pass, and
  // one small copy of dV into the layout of v.
  Tensor q = data({2, 3, 16, 8}, 0.1).realize().requires_grad_(), k = data({2, 3, 16, 8}, 0.2).realize().requires_grad_();
  Tensor v = data({2, 3, 16, 8}, 0.3).realize().requires_grad_(), g = data({2, 3, 16, 8}, 0.4).realize();
  for (int run = 0; run < 2; run++) {
    for (Tensor* t : {&q, &k, &v}) t->set_grad(std::nullopt);
    tg::RuntimeStats s = measure([&] {
      Tensor out = q.scaled_dot_product_attention(k, v, std::nullopt, 0.0f, true);
      out.backward(g);
      std::vector<Tensor> all = {out, *q.grad(), *k.grad(), *v.grad()};
      tg::realize(all);
    });
    EXPECT_LE(s.kernels_launched, 11u) << "run " << run;
  }
}

TEST(Attention, MaskedFillThenSoftmaxIsTwoKernels) {
  Tensor x = data({8, 32}).realize();
  std::vector<bool> mb;
  for (int i = 0; i < 32; i++) mb.push_back(i % 5 == 0);
  Tensor mask = Tensor(mb, {1, 32}).realize();
  Tensor out;
  tg::RuntimeStats s = measure([&] { out = x.masked_fill(mask, -INFINITY).softmax(-1).realize(); });
  EXPECT_LE(s.kernels_launched, 2u);
  std::vector<double> o = vec(out), xv = vec(x);
  for (int r = 0; r < 8; r++) {
    double m = -1e30, sum = 0;
    for (int c = 0; c < 32; c++)
      if (!mb[c]) m = std::max(m, xv[r * 32 + c]);
    for (int c = 0; c < 32; c++)
      if (!mb[c]) sum += std::exp(xv[r * 32 + c] - m);
    for (int c = 0; c < 32; c++)
      EXPECT_NEAR(o[r * 32 + c], mb[c] ? 0.0 : std::exp(xv[r * 32 + c] - m) / sum, 1e-6);
  }
}

TEST(Attention, DropoutOnlyWhileTraining) {
  Tensor q = data({1, 1, 4, 4}, 0.1), k = data({1, 1, 4, 4}, 0.2), v = data({1, 1, 4, 4}, 0.3);
  Tensor plain = q.scaled_dot_product_attention(k, v);
  EXPECT_TRUE(all_close(q.scaled_dot_product_attention(k, v, std::nullopt, 0.5f), vec(plain)));
  Tensor::training = true;
  Tensor::manual_seed(1);
  std::vector<double> dropped = vec(q.scaled_dot_product_attention(k, v, std::nullopt, 1.0f));
  Tensor::training = false;
  for (double d : dropped) EXPECT_EQ(d, 0.0);
}

TEST(Attention, BadInputIsAnError) {
  Tensor q = data({2, 4, 5, 8}), k = data({2, 4, 7, 8}), v = data({2, 4, 7, 6});
  expect_error_with([&] { q.scaled_dot_product_attention(data({2, 4, 7, 3}), v); }, "key's last dim");
  expect_error_with([&] { q.scaled_dot_product_attention(k, data({2, 4, 6, 6})); }, "value's second-to-last");
  expect_error_with([&] { q.scaled_dot_product_attention(k, v, Tensor(std::vector<bool>(35, true), {5, 7}), 0.0f, true); },
                    "not both");
  expect_error_with([&] { q.scaled_dot_product_attention(k, v, data({5, 6})); }, "does not broadcast");
  expect_error_with([&] { q.scaled_dot_product_attention(k, v, Tensor::ones({5, 7}, {tg::DType::int32})); }, "bool");
  expect_error_with([&] { q.scaled_dot_product_attention(data({2, 3, 7, 8}), data({2, 3, 7, 6})); }, "enable_gqa");
  expect_error_with([&] { q.scaled_dot_product_attention(data({2, 3, 7, 8}), data({2, 3, 7, 6}), std::nullopt, 0.f, false, std::nullopt, true); },
                    "multiple");
  expect_error_with([&] { q.scaled_dot_product_attention(k, v, std::nullopt, 1.5f); }, "dropout_p");
  expect_error_with([&] { data({8}).scaled_dot_product_attention(data({8}), data({8})); }, "at least 2 dims");
  expect_error_with([&] { q.cast(tg::DType::int32).scaled_dot_product_attention(k, v); }, "float");
}

// ---------------------------------------------------------------- einsum

TEST(Einsum, MatchesPyTorch) {
  struct Case {
    std::string eq;
    std::vector<std::vector<int64_t>> shapes;
  };
  const std::vector<Case> cases = {
      {"ij,jk->ik", {{3, 4}, {4, 5}}},          {"bij,bjk->bik", {{2, 3, 4}, {2, 4, 5}}},
      {"ii->i", {{4, 4}}},                      {"ii", {{4, 4}}},
      {"...ij->...ji", {{2, 3, 4, 5}}},          {"bhqd,bhkd->bhqk", {{2, 3, 4, 5}, {2, 3, 6, 5}}},
      {"ij,kj", {{3, 4}, {5, 4}}},              {"i,j->ij", {{3}, {4}}},
      {"ik,jkl,il->ij", {{2, 3}, {5, 3, 4}, {2, 4}}}, {"...i,...i->...", {{2, 1, 4}, {3, 4}}},
      {"iij->j", {{3, 3, 2}}},                  {"Ab,bC->AC", {{2, 3}, {3, 2}}},
      {"i->", {{5}}},                           {"ijk,ikl->jil", {{2, 4, 5}, {2, 5, 7}}},
  };
  std::string py;
  std::vector<Tensor> outs;
  for (size_t c = 0; c < cases.size(); c++) {
    std::vector<Tensor> xs;
    std::string args;
    for (size_t i = 0; i < cases[c].shapes.size(); i++) {
      xs.push_back(leaf(tg::Shape(cases[c].shapes[i]), 0.5 * static_cast<double>(i + c)));
      py += "x" + std::to_string(i) + " = " + py_tensor(xs.back(), true) + "\n";
      args += ", x" + std::to_string(i);
    }
    const std::string n = std::to_string(c);
    py += "o = torch.einsum('" + cases[c].eq + "'" + args + ")\nout('f" + n + "', o)\n(o * o).sum().backward()\n";
    for (size_t i = 0; i < xs.size(); i++) py += "out('g" + n + "_" + std::to_string(i) + "', x" + std::to_string(i) + ".grad)\n";
    Tensor o = tg::einsum(cases[c].eq, xs);
    outs.push_back(o);
    (o * o).sum().backward();
    for (size_t i = 0; i < xs.size(); i++) outs.push_back(*xs[i].grad());
  }
  auto want = run_torch(py);
  size_t at = 0;
  for (size_t c = 0; c < cases.size(); c++) {
    SCOPED_TRACE(cases[c].eq);
    const std::string n = std::to_string(c);
    expect_close(outs[at++], want["f" + n], 1e-4);
    for (size_t i = 0; i < cases[c].shapes.size(); i++) expect_close(outs[at++], want["g" + n + "_" + std::to_string(i)], 1e-4);
  }
}

TEST(Einsum, AContractionIsOneMatmulKernel) {
  Tensor a = data({4, 8, 16}).realize(), b = data({4, 16, 8}, 1).realize();
  tg::RuntimeStats mm = measure([&] { a.matmul(b).realize(); });
  tg::RuntimeStats es = measure([&] { tg::einsum("bij,bjk->bik", {a, b}).realize(); });
  EXPECT_EQ(es.kernels_launched, mm.kernels_launched);
  EXPECT_EQ(es.kernels_launched, 1u);
}

TEST(Einsum, GradientsMatchFiniteDifferences) {
  expect_grads_match_differences({leaf({2, 3}, 0.1), leaf({3, 3, 2}, 0.2)}, [](const std::vector<Tensor>& x) {
    return tg::einsum("ij,jjk->ik", x);
  });
}

TEST(Einsum, BadEquationsQuoteTheString) {
  Tensor a = data({3, 4}), b = data({4, 5});
  expect_error_with([&] { tg::einsum("ij,jk->ik", {a}); }, "einsum(\"ij,jk->ik\"): it has 2 operand(s) but 1");
  expect_error_with([&] { tg::einsum("ij->ik", {a}); }, "'k' is in no operand");
  expect_error_with([&] { tg::einsum("ijk->i", {a}); }, "3 subscript(s)");
  expect_error_with([&] { tg::einsum("i1->i", {data({3})}); }, "character '1'");
  expect_error_with([&] { tg::einsum("...i...->i", {a}); }, "more than one \"...\"");
  expect_error_with([&] { tg::einsum("ij,jk->ik", {a, data({3, 5})}); }, "sizes must match");
  expect_error_with([&] { tg::einsum("ij->i->j", {a}); }, "more than one \"->\"");
  expect_error_with([&] { tg::einsum("ii->i", {a}); }, "different sizes");
  expect_error_with([&] { tg::einsum("ij->jj", {a}); }, "appears twice");
  expect_error_with([&] { tg::einsum("i.j->i", {a}); }, "not part of");
  (void)b;
}

// ---------------------------------------------------------------- conv1d, conv_transpose2d

TEST(ConvForms, Conv1dAndConvTranspose2dMatchPyTorch) {
  Tensor x1 = leaf({2, 4, 11}, 0.1), w1 = leaf({6, 2, 3}, 0.2), b1 = leaf({6}, 0.3);
  Tensor x2 = leaf({2, 4, 5, 4}, 0.4), w2 = leaf({4, 3, 3, 2}, 0.5), b2 = leaf({6}, 0.6);
  const std::string py = "x1=" + py_tensor(x1, true) + "\nw1=" + py_tensor(w1, true) + "\nb1=" + py_tensor(b1, true) +
                         "\nx2=" + py_tensor(x2, true) + "\nw2=" + py_tensor(w2, true) + "\nb2=" + py_tensor(b2, true) +
                         "\no = F.conv1d(x1, w1, b1, 2, 1, 2, 2)\nout('c1', o)\n(o * o).sum().backward()\n"
                         "out('c1x', x1.grad); out('c1w', w1.grad); out('c1b', b1.grad)\n"
                         "o = F.conv_transpose2d(x2, w2, b2, (2, 3), (1, 0), (1, 2), 2, (1, 2))\nout('t', o)\n"
                         "(o * o).sum().backward()\nout('tx', x2.grad); out('tw', w2.grad); out('tb', b2.grad)\n"
                         "out('t2', F.conv_transpose2d(x2, w2, b2, 1, 2, 0, 2))\n";
  auto want = run_torch(py);
  Tensor o = x1.conv1d(w1, b1, 2, 1, 2, 2);
  expect_close(o, want["c1"], 1e-5);
  (o * o).sum().backward();
  expect_close(*x1.grad(), want["c1x"], 1e-4);
  expect_close(*w1.grad(), want["c1w"], 1e-4);
  expect_close(*b1.grad(), want["c1b"], 1e-4);
  o = x2.conv_transpose2d(w2, b2, {2, 3}, {1, 0}, {1, 2}, 2, {1, 2});
  expect_close(o, want["t"], 1e-5);
  (o * o).sum().backward();
  expect_close(*x2.grad(), want["tx"], 1e-4);
  expect_close(*w2.grad(), want["tw"], 1e-4);
  expect_close(*b2.grad(), want["tb"], 1e-4);
  expect_close(x2.conv_transpose2d(w2, b2, 1, 2, 0, 2), want["t2"], 1e-5);
}

TEST(ConvForms, ConvTranspose2dGradientsMatchFiniteDifferences) {
  expect_grads_match_differences({leaf({1, 2, 3, 3}, 0.1), leaf({2, 2, 2, 3}, 0.2)}, [](const std::vector<Tensor>& x) {
    return x[0].conv_transpose2d(x[1], std::nullopt, 2, {0, 1}, 1);
  });
}

TEST(ConvForms, BadInputIsAnError) {
  expect_error_with([&] { data({2, 4, 5, 5}).conv1d(data({6, 4, 3})); }, "(N, C_in, L)");
  expect_error_with([&] { data({2, 4, 5}).conv1d(data({6, 3, 3})); }, "do not fit");
  expect_error_with([&] { data({2, 4, 5}).conv1d(data({6, 4, 9})); }, "longer than the padded input");
  expect_error_with([&] { data({2, 4, 5}).conv1d(data({6, 4, 3}), std::nullopt, 0); }, "stride");
  expect_error_with([&] { data({2, 4, 5, 5}).conv_transpose2d(data({3, 2, 3, 3})); }, "weight dim 0");
  expect_error_with([&] { data({2, 4, 5, 5}).conv_transpose2d(data({4, 2, 3, 3}), std::nullopt, 2, 0, 2); },
                    "output_padding");
  expect_error_with([&] { data({2, 4, 5, 5}).conv_transpose2d(data({4, 2, 3, 3}), data({3})); }, "bias");
  expect_error_with([&] { data({2, 4, 1, 1}).conv_transpose2d(data({4, 2, 1, 1}), std::nullopt, 1, 1); }, "empty output");
  expect_error_with([&] { data({2, 4, 5, 5}).conv_transpose2d(data({4, 2, 3, 3}), std::nullopt, 1, 0, 0, 3); }, "groups");
}

// ---------------------------------------------------------------- interpolate, pools

TEST(Resample, InterpolateAndAdaptivePoolMatchPyTorch) {
  Tensor x = leaf({2, 3, 5, 7}, 0.1), x1 = leaf({2, 3, 9}, 0.2);
  std::string py = "x=" + py_tensor(x, true) + "\nx1=" + py_tensor(x1) + "\n";
  struct Case {
    std::string name, torch;
    std::function<Tensor()> tg;
  };
  const std::vector<Case> cases = {
      {"bl", "F.interpolate(x, size=(8, 4), mode='bilinear')", [&] { return x.interpolate({8, 4}, "bilinear"); }},
      {"bla", "F.interpolate(x, size=(8, 4), mode='bilinear', align_corners=True)",
       [&] { return x.interpolate({8, 4}, "bilinear", true); }},
      {"nn", "F.interpolate(x, size=(11, 3), mode='nearest')", [&] { return x.interpolate({11, 3}, "nearest"); }},
      {"nx", "F.interpolate(x, size=(11, 3), mode='nearest-exact')", [&] { return x.interpolate({11, 3}, "nearest-exact"); }},
      {"l1", "F.interpolate(x1, size=(4,), mode='linear')", [&] { return x1.interpolate({4}, "linear"); }},
      {"l3", "F.interpolate(x1, size=(27,), mode='linear')", [&] { return x1.interpolate({27}, "linear"); }},
      {"l1a", "F.interpolate(x1, size=(13,), mode='linear', align_corners=True)",
       [&] { return x1.interpolate({13}, "linear", true); }},
      {"up", "F.interpolate(x, scale_factor=2, mode='bilinear')", [&] { return x.interpolate({10, 14}, "bilinear"); }},
      {"n2", "F.interpolate(x, scale_factor=(3, 2), mode='nearest')", [&] { return x.interpolate({15, 14}, "nearest"); }},
      {"ap", "F.adaptive_avg_pool2d(x, (3, 4))", [&] { return x.adaptive_avg_pool2d({3, 4}); }},
      {"ap1", "F.adaptive_avg_pool2d(x, 1)", [&] { return x.adaptive_avg_pool2d(1); }},
      {"mpc", "F.max_pool2d(x, 2, 2, 1, ceil_mode=True)", [&] { return x.max_pool2d(2, 2, 1, 1, true); }},
      {"apc", "F.avg_pool2d(x, 3, 2, 1, ceil_mode=True)", [&] { return x.avg_pool2d(3, 2, 1, true, true); }},
      {"apcn", "F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)",
       [&] { return x.avg_pool2d(3, 2, 1, false, true); }},
      {"apc0", "F.avg_pool2d(x, 2, 2, 0, ceil_mode=True)", [&] { return x.avg_pool2d(2, 2, 0, true, true); }},
  };
  for (const Case& c : cases)
    py += "x.grad = None\no = " + c.torch + "\nout('" + c.name + "', o)\n" +
          (c.name[0] == 'l' ? "" : "(o * o).sum().backward()\nout('" + c.name + "_g', x.grad)\n");
  auto want = run_torch(py);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    x.set_grad(std::nullopt);
    Tensor o = c.tg();
    expect_close(o, want[c.name], 1e-5);
    if (c.name[0] == 'l') continue;  // x1 needs no gradient
    (o * o).sum().backward();
    expect_close(*x.grad(), want[c.name + "_g"], 1e-4);
  }
}

TEST(Resample, IntegersAndInfinitiesKeepTheirValues) {
  Tensor xi = Tensor({{{{1, 200, 3}, {4, 5, 255}}}}).cast(tg::DType::uint8);
  Tensor up = xi.interpolate({4, 6}, "nearest");
  EXPECT_EQ(up.dtype(), tg::DType::uint8);
  EXPECT_EQ(up.to_vector<int>()[0 * 6 + 2], 200);
  EXPECT_EQ(up.to_vector<int>()[3 * 6 + 5], 255);
  Tensor xf = Tensor({{{1.f, INFINITY, 3.f, 4.f}}});
  // The infinity stays where it is read. PyTorch 1.13 gives {nan, inf, inf, inf, inf, 3.25, 3.75,
  // 4}: at the left edge its 1 * x0 + 0 * x1 is nan when x1 is infinite; tg's integer upscale
  // mixes x0 with itself there and keeps 1. A size that is no multiple takes PyTorch's formula.
  const double inf = INFINITY, nan = NAN;
  EXPECT_TRUE(all_close(xf.interpolate({8}, "linear"), {1.0, inf, inf, inf, inf, 3.25, 3.75, 4.0}));
  EXPECT_TRUE(all_close(xf.interpolate({6}, "linear"), {nan, inf, inf, inf, 3.5, 4.0}));
}

TEST(Resample, GradientsMatchFiniteDifferences) {
  expect_grads_match_differences({leaf({1, 2, 3, 4}, 0.1)}, [](const std::vector<Tensor>& x) {
    return x[0].interpolate({5, 3}, "bilinear", false) + x[0].adaptive_avg_pool2d({2, 3}).sum() +
           x[0].avg_pool2d(2, 2, 1, false, true).sum();
  });
}

TEST(Resample, BadInputIsAnError) {
  Tensor x = data({1, 2, 4, 4});
  expect_error_with([&] { x.interpolate({8, 8}, "cubic"); }, "\"cubic\"");
  expect_error_with([&] { x.interpolate({8, 8}, "nearest", true); }, "align_corners");
  expect_error_with([&] { x.interpolate({8}, "bilinear"); }, "resizes 2 dims");
  expect_error_with([&] { x.interpolate({8, 0}, "linear"); }, "positive");
  expect_error_with([&] { x.interpolate({1, 1, 1, 1, 1}, "linear"); }, "trailing dims");
  expect_error_with([&] { x.adaptive_avg_pool2d({0, 2}); }, "positive");
  expect_error_with([&] { data({4}).adaptive_avg_pool2d(1); }, "at least 2 dims");
  expect_error_with([&] { x.max_pool2d(9, std::nullopt, 0, 1, true); }, "larger than");
}

// ---------------------------------------------------------------- the call forms of API.md

TEST(CallForms, ModelsPeopleUseCompileAndGiveShapes) {
  using tgtest::dims;
  using Dims = std::vector<int64_t>;
  Tensor a = data({2, 3, 4}), b = data({2, 4, 5}), x = data({1, 2, 8, 8}), x1 = data({1, 2, 8});
  Tensor w1 = data({4, 2, 3}), b1 = data({4}), wt = data({2, 3, 3, 3}), bt = data({3});
  Tensor q = data({1, 2, 5, 4}), k = data({1, 2, 5, 4}), v = data({1, 2, 5, 4});
  EXPECT_EQ(dims(tg::einsum("bij,bjk->bik", {a, b})), (Dims{2, 3, 5}));
  EXPECT_EQ(dims(tg::einsum("ii->i", {data({3, 3})})), (Dims{3}));
  EXPECT_EQ(dims(tg::einsum("...ij->...ji", {a})), (Dims{2, 4, 3}));
  EXPECT_EQ(dims(x.interpolate({64, 64}, "bilinear", /*align_corners=*/false)), (Dims{1, 2, 64, 64}));
  EXPECT_EQ(dims(x.adaptive_avg_pool2d({1, 1})), (Dims{1, 2, 1, 1}));
  EXPECT_EQ(dims(x.max_pool2d(3, 2, 1, 1, /*ceil_mode=*/true)), (Dims{1, 2, 5, 5}));  // PyTorch: 5 x 5
  EXPECT_EQ(dims(x1.conv1d(w1, b1, 1, 1, 1, 1)), (Dims{1, 4, 8}));
  EXPECT_EQ(dims(x.conv_transpose2d(wt, bt, /*stride*/2, /*padding*/1, /*output_padding*/1, /*groups*/1, /*dilation*/1)),
            (Dims{1, 3, 16, 16}));
  EXPECT_EQ(dims(q.scaled_dot_product_attention(k, v, /*attn_mask*/std::nullopt, /*dropout_p*/0.f, /*is_causal*/true)),
            (Dims{1, 2, 5, 4}));
  tg::nn::Conv1d c1(2, 4, 3);
  tg::nn::ConvTranspose2d ct(2, 3, 3, 2, 1, 1);
  tg::nn::Upsample up(2, "bilinear");
  tg::nn::MultiheadAttention mha(8, 2, /*bias*/true, /*batch_first*/true);
  EXPECT_EQ(dims(c1(x1)), (Dims{1, 4, 6}));
  EXPECT_EQ(dims(ct(x)), (Dims{1, 3, 16, 16}));
  EXPECT_EQ(dims(up(x)), (Dims{1, 2, 16, 16}));
  Tensor seq = data({2, 5, 8});
  EXPECT_EQ(dims(mha(seq, seq, seq)), (Dims{2, 5, 8}));
}
