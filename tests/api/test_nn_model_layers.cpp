// nn::Conv1d, ConvTranspose2d, Upsample and MultiheadAttention against PyTorch's modules
// (computed in the run, torch_oracle.hpp): PyTorch's weights load by their state-dict names,
// then outputs and input gradients match; initialization follows PyTorch's bounds.
#include <gtest/gtest.h>

#include <cmath>

#include "tg_test_util.hpp"
#include "torch_oracle.hpp"

using tg::Tensor;
using tgtest::all_close;
using tgtest::py_tensor;
using tgtest::run_torch;
namespace nn = tg::nn;

namespace {

Tensor data(tg::Shape shape, double seed = 0.0) {
  std::vector<float> v;
  for (int64_t i = 0; i < shape.numel(); ++i) v.push_back(static_cast<float>(std::sin(0.37 * static_cast<double>(i) + seed)));
  return Tensor(v, shape);
}

// Python that prints module `m`'s state dict (after checking its names are `names`) as <m>.<name>.
std::string dump_state(const std::string& m, const std::vector<std::string>& names) {
  std::string list;
  for (const auto& n : names) list += "'" + n + "',";
  return "assert list(" + m + ".state_dict().keys()) == [" + list + "], list(" + m + ".state_dict().keys())\n"
         "for _n, _t in " + m + ".state_dict().items(): out('" + m + ".' + _n, _t)\n";
}

// Loads PyTorch's printed state (<prefix>.<name>) into module, by tg's own names and shapes.
void load_torch_state(nn::Module& module, std::map<std::string, std::vector<double>>& want, const std::string& prefix) {
  nn::state::StateDict dict;
  for (const auto& [name, t] : module.named_tensors()) {
    const std::vector<double>& v = want[prefix + "." + name];
    ASSERT_EQ(static_cast<int64_t>(v.size()), t.numel()) << name << ": PyTorch has no tensor of that name and size";
    dict.set(name, Tensor(std::vector<float>(v.begin(), v.end()), t.shape()));
  }
  nn::state::load_state_dict(module, dict);
}

std::vector<std::string> names_of(const nn::Module& m) {
  std::vector<std::string> r;
  for (const auto& [n, t] : m.named_tensors()) r.push_back(n);
  return r;
}

// Every value of t within [-bound, bound], and (for 32 or more) spread over more than half of it.
void expect_uniform_within(const Tensor& t, double bound) {
  std::vector<double> v = t.to_vector<double>();
  double lo = 1e9, hi = -1e9;
  for (double x : v) lo = std::min(lo, x), hi = std::max(hi, x);
  EXPECT_GE(lo, -bound);
  EXPECT_LE(hi, bound);
  if (v.size() >= 32) {
    EXPECT_GT(hi - lo, bound) << "values spread over less than half the range";
  }
}

}  // namespace

TEST(ModelLayers, ConvLayersLoadPyTorchWeightsAndMatch) {
  nn::Conv1d c1(4, 6, 3, 2, 1, 1, 2);
  nn::ConvTranspose2d ct(4, 6, {3, 2}, 2, 1, 1, 2);
  EXPECT_EQ(names_of(c1), (std::vector<std::string>{"weight", "bias"}));
  // PyTorch's init bounds: kaiming_uniform(a=sqrt 5) = 1 / sqrt(fan_in), the bias the same.
  expect_uniform_within(c1.weight, 1.0 / std::sqrt(2.0 * 3));
  expect_uniform_within(ct.weight, 1.0 / std::sqrt(3.0 * 3 * 2));
  expect_uniform_within(*ct.bias, 1.0 / std::sqrt(3.0 * 3 * 2));
  Tensor x1 = data({2, 4, 9}).realize().requires_grad_(), x2 = data({2, 4, 5, 4}, 1).realize().requires_grad_();
  const std::string py = "torch.manual_seed(0)\nc1 = torch.nn.Conv1d(4, 6, 3, 2, 1, 1, 2)\n"
                         "ct = torch.nn.ConvTranspose2d(4, 6, (3, 2), 2, 1, 1, 2)\n" +
                         dump_state("c1", {"weight", "bias"}) + dump_state("ct", {"weight", "bias"}) +
                         "x1 = " + py_tensor(x1, true) + "\nx2 = " + py_tensor(x2, true) +
                         "\no = c1(x1); out('c1', o); (o * o).sum().backward(); out('c1g', x1.grad)\n"
                         "o = ct(x2); out('ct', o); (o * o).sum().backward(); out('ctg', x2.grad)\n"
                         "out('ctw', ct.weight.grad)\n";
  auto want = run_torch(py);
  load_torch_state(c1, want, "c1");
  load_torch_state(ct, want, "ct");
  Tensor o = c1(x1);
  EXPECT_TRUE(all_close(o, want["c1"], 1e-5, 1e-5));
  (o * o).sum().backward();
  EXPECT_TRUE(all_close(*x1.grad(), want["c1g"], 1e-4, 1e-4));
  o = ct(x2);
  EXPECT_TRUE(all_close(o, want["ct"], 1e-5, 1e-5));
  (o * o).sum().backward();
  EXPECT_TRUE(all_close(*x2.grad(), want["ctg"], 1e-4, 1e-4));
  EXPECT_TRUE(all_close(*ct.weight.grad(), want["ctw"], 1e-4, 1e-4));
}

TEST(ModelLayers, UpsampleMatchesPyTorch) {
  Tensor x = data({1, 2, 3, 5});
  auto want = run_torch("x = " + py_tensor(x) +
                        "\nout('n', torch.nn.Upsample(scale_factor=2, mode='nearest')(x))\n"
                        "out('b', torch.nn.Upsample(scale_factor=3, mode='bilinear')(x))\n"
                        "out('ba', torch.nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)(x))\n");
  EXPECT_TRUE(all_close(nn::Upsample(2)(x), want["n"]));
  EXPECT_TRUE(all_close(nn::Upsample(3, "bilinear")(x), want["b"], 1e-5, 1e-5));
  EXPECT_TRUE(all_close(nn::Upsample(2, "bilinear", true)(x), want["ba"], 1e-5, 1e-5));
  EXPECT_THROW(nn::Upsample(0), tg::Error);
  EXPECT_THROW(nn::Upsample(2, "cubic")(x), tg::Error);
}

TEST(ModelLayers, MultiheadAttentionLoadsPyTorchWeightsAndMatches) {
  const int64_t E = 8, H = 2, N = 2, L = 5, S = 4;
  nn::MultiheadAttention mha(E, H);
  const std::vector<std::string> names = {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"};
  EXPECT_EQ(names_of(mha), names);
  // PyTorch's init: xavier_uniform in_proj_weight, zero biases.
  expect_uniform_within(mha.in_proj_weight, std::sqrt(6.0 / (E + 3 * E)));
  EXPECT_TRUE(all_close(*mha.in_proj_bias, std::vector<double>(3 * E, 0.0)));
  EXPECT_TRUE(all_close(*mha.out_proj.bias, std::vector<double>(E, 0.0)));

  Tensor x = data({N, L, E}).realize().requires_grad_(), kv = data({N, S, E}, 2).realize();
  std::vector<bool> pad = {false, false, false, true, false, false, false, false};  // (N, S): true = ignore
  std::vector<bool> am;                                                           // (L, L): true = not allowed
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < L; j++) am.push_back(j == (i + 2) % L);
  Tensor fmask = data({L, S}, 3);
  const std::string py =
      "torch.manual_seed(0)\nm = torch.nn.MultiheadAttention(8, 2, batch_first=True)\n" + dump_state("m", names) +
      "x = " + py_tensor(x, true) + "\nkv = " + py_tensor(kv) + "\nfm = " + py_tensor(fmask) +
      "\npad = torch.tensor([" + std::string("0,0,0,1,0,0,0,0") + "]).reshape(2, 4).bool()\n"
      "am = torch.tensor([" + [&] { std::string s; for (bool b : am) s += b ? "1," : "0,"; return s; }() +
      "]).reshape(5, 5).bool()\n"
      "o = m(x, x, x, attn_mask=am, need_weights=False)[0]; out('self', o)\n"
      "(o * o).sum().backward(); out('self_g', x.grad)\n"
      "out('cross', m(x, kv, kv, key_padding_mask=pad, attn_mask=fm, need_weights=False)[0])\n"
      "out('causal', m(x, x, x, attn_mask=torch.ones(5, 5).triu(1).bool(), need_weights=False)[0])\n"
      "out('unbatched', m(x[0], kv[0], kv[0], need_weights=False)[0])\n"
      "m.batch_first = False\n"
      "out('seq_first', m(x.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1), need_weights=False)[0])\n";
  auto want = run_torch(py);
  load_torch_state(mha, want, "m");
  Tensor o = mha(x, x, x, Tensor(am, {L, L}));
  EXPECT_TRUE(all_close(o, want["self"], 1e-5, 1e-5));
  (o * o).sum().backward();
  EXPECT_TRUE(all_close(*x.grad(), want["self_g"], 1e-4, 1e-4));
  EXPECT_TRUE(all_close(mha(x, kv, kv, fmask, false, Tensor(pad, {N, S})), want["cross"], 1e-5, 1e-5));
  EXPECT_TRUE(all_close(mha(x, x, x, std::nullopt, true), want["causal"], 1e-5, 1e-5));
  EXPECT_TRUE(all_close(mha(x[0], kv[0], kv[0]), want["unbatched"], 1e-5, 1e-5));
  mha.batch_first = false;
  EXPECT_TRUE(all_close(mha(x.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1)), want["seq_first"], 1e-5, 1e-5));
}

TEST(ModelLayers, BadArgumentsAreErrors) {
  EXPECT_THROW(nn::MultiheadAttention(10, 3), tg::Error);
  EXPECT_THROW(nn::MultiheadAttention(0, 1), tg::Error);
  EXPECT_THROW(nn::Conv1d(3, 4, 3, 1, 0, 1, 2), tg::Error);
  EXPECT_THROW(nn::ConvTranspose2d(4, 6, 3, 1, 0, 0, 4), tg::Error);
  nn::MultiheadAttention m(8, 2);
  Tensor x = data({2, 5, 8});
  EXPECT_THROW(m(x, data({2, 5, 6}), data({2, 5, 6})), tg::Error);
  EXPECT_THROW(m(x, x, x, data({4, 4})), tg::Error);
  EXPECT_THROW(m(x, x, x, std::nullopt, false, data({2, 3})), tg::Error);
}
