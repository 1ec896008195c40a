// tg bench gpt: examples/gpt's model (examples/gpt/gpt_model.hpp) beside the same model written
// in PyTorch the way nanoGPT writes it (attention from matmul, masked_fill and softmax; a key/value
// cache written at the position and read up to it).
#include <tg/tg.hpp>

#include <memory>
#include <string>
#include <vector>

#include "bench_workload.hpp"
#include "gpt_model.hpp"

namespace tgtool {

namespace {

using tg::Tensor;

constexpr int64_t kVocab = 80;  // the characters of the fortunes text examples/gpt trains on

gpt::Config config(int64_t context) {
  gpt::Config c;
  c.vocab = kVocab;
  c.context = context;
  return c;  // 2 layers, 4 heads, d 128
}

// The PyTorch model: the same layers, names and shapes as gpt_model.hpp.
std::string torch_model(const gpt::Config& c) {
  return "import math, torch.nn as nn, torch.nn.functional as F\n"
         "V, L, H, D, C = " + std::to_string(c.vocab) + ", " + std::to_string(c.n_layer) + ", " + std::to_string(c.n_head) +
         ", " + std::to_string(c.d_model) + ", " + std::to_string(c.context) + "\n" + R"PY(
class Attn(nn.Module):
    def __init__(s):
        super().__init__()
        s.c_attn, s.c_proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
    def heads(s, x):
        B, T, _ = x.shape
        return s.c_attn(x).view(B, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
    def attend(s, q, k, v, mask=None):
        a = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.size(-1)))
        if mask is not None:
            a = a.masked_fill(~mask, float('-inf'))
        return (a.softmax(-1) @ v).transpose(1, 2).reshape(q.size(0), q.size(2), D)
    def forward(s, x, mask):
        q, k, v = s.heads(x)
        return s.c_proj(s.attend(q, k, v, mask))
    def decode(s, x, ck, cv, pos):
        q, k, v = s.heads(x)
        ck[:, :, pos] = k[:, :, 0]
        cv[:, :, pos] = v[:, :, 0]
        return s.c_proj(s.attend(q, ck[:, :, :pos + 1], cv[:, :, :pos + 1]))
class MLP(nn.Module):
    def __init__(s):
        super().__init__()
        s.c_fc, s.c_proj = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)
    def forward(s, x):
        return s.c_proj(F.gelu(s.c_fc(x), approximate='tanh'))
class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.ln_1, s.attn, s.ln_2, s.mlp = nn.LayerNorm(D), Attn(), nn.LayerNorm(D), MLP()
    def forward(s, x, mask):
        x = x + s.attn(s.ln_1(x), mask)
        return x + s.mlp(s.ln_2(x))
    def decode(s, x, ck, cv, pos):
        x = x + s.attn.decode(s.ln_1(x), ck, cv, pos)
        return x + s.mlp(s.ln_2(x))
class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(V, D), nn.Embedding(C, D)
        s.h = nn.ModuleList([Block() for _ in range(L)])
        s.ln_f, s.lm_head = nn.LayerNorm(D), nn.Linear(D, V, bias=False)
        s.register_buffer('causal', torch.ones(C, C, dtype=torch.bool).tril())
    def forward(s, idx):
        T = idx.size(1)
        x = s.wte(idx) + s.wpe.weight[:T]
        for b in s.h:
            x = b(x, s.causal[:T, :T])
        return s.lm_head(s.ln_f(x))
    def decode(s, tok, pos, caches):
        x = s.wte(tok) + s.wpe.weight[pos]
        for b, (ck, cv) in zip(s.h, caches):
            x = b.decode(x, ck, cv, pos)
        return s.lm_head(s.ln_f(x)).view(V)
m = GPT()
)PY";
}

}  // namespace

Workload gpt_train_step(int64_t batch) {
  const gpt::Config c = config(64);
  auto model = std::make_shared<gpt::GPT>(c);
  auto opt = std::make_shared<tg::nn::optim::AdamW>(model->parameters(), 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f);
  Tensor x = Tensor::randint(0, kVocab, {batch, c.context}).realize();
  Tensor y = Tensor::randint(0, kVocab, {batch, c.context}).realize();
  Workload w;
  w.label = "GPT train step (2 layers, 4 heads, d 128, context 64), AdamW, batch " + std::to_string(batch);
  w.work = 1;
  w.unit = "steps/s";
  w.run = [model, opt, x, y] {
    tg::Training training(true);
    opt->zero_grad();
    Tensor loss = (*model)(x).sparse_categorical_crossentropy(y);
    loss.backward();
    opt->step({loss});
    tg::synchronize();
  };
  const std::string shape = "(" + std::to_string(batch) + ", " + std::to_string(c.context) + ")";
  w.torch_body = torch_model(c) +
                 "opt = torch.optim.AdamW(m.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)\n"
                 "x = torch.randint(0, V, " + shape + ")\ny = torch.randint(0, V, " + shape + ")\n"
                 "def f():\n    opt.zero_grad()\n    F.cross_entropy(m(x).view(-1, V), y.view(-1)).backward()\n    opt.step()\n";
  return w;
}

Workload gpt_token(int64_t position) {
  const gpt::Config c = config(256);
  if (position < 0 || position >= c.context)
    throw tg::Error("tg bench gpt: position " + std::to_string(position) + " is outside the context of 256");
  auto model = std::make_shared<gpt::GPT>(c);
  model->eval();
  auto cache = std::make_shared<gpt::KVCache>(*model);
  for (int64_t p = 0; p < position; ++p) cache->step(static_cast<int32_t>(p % kVocab), p);  // the tokens before it
  tg::synchronize();
  Workload w;
  w.label = "GPT one generated token at position " + std::to_string(position) + " (KV cache, context 256)";
  w.work = 1;
  w.unit = "tokens/s";
  // The logits come back to the host (sampling reads them), as in examples/gpt.
  w.run = [model, cache, position] { cache->step(7, position).to_vector<float>(); };
  const std::string pos = std::to_string(position);
  w.torch_body = torch_model(c) +
                 "m.eval()\ntorch.set_grad_enabled(False)\n"
                 "caches = [(torch.zeros(1, H, C, D // H), torch.zeros(1, H, C, D // H)) for _ in range(L)]\n"
                 "for p in range(" + pos + "):\n    m.decode(torch.tensor([[p % V]]), p, caches)\n"
                 "tok = torch.tensor([[7]])\n"
                 "def f(): m.decode(tok, " + pos + ", caches).tolist()\n";
  return w;
}

}  // namespace tgtool
