#!/usr/bin/env python3
"""PyTorch's answers for test_nn_torch (ctest fixture NnTorch.reference).

Usage: nn_torch_reference.py OUT_FILE

Writes named tensors, one a line: `name ndim dim... value...` (floats as exact hex, so the C++
side reads exactly what PyTorch computed). For the layers it writes the inputs, PyTorch's
initial weights (the C++ test loads them with load_state_dict, so PyTorch's state-dict names are
checked too), the outputs and the gradients; for the schedules the rate of every step; for
clip_grad_norm_ the gradients before and after and the returned norm; for tg::nn::init the sample
statistics PyTorch's initialisers give on the same shapes (random draws differ, statistics not).
"""
import math
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:
    sys.exit(f"nn_torch_reference.py: cannot import PyTorch ({e}); test_nn_torch compares with it: "
             "install python3-torch (apt-get install python3-torch, listed in scripts/lib.sh)")

torch.set_num_threads(1)
lines = []


def put(name, t):
    t = torch.as_tensor(t).detach().double().cpu()
    values = " ".join(float.hex(v) for v in t.reshape(-1).tolist())
    lines.append(f"{name} {t.dim()} {' '.join(str(d) for d in t.shape)} {values}\n")


def state(prefix, module):
    for k, v in module.state_dict().items():
        put(f"{prefix}.state.{k}", v)


def data(*shape, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(*shape, generator=g, dtype=torch.float64) * 4 - 2).float()


# ---- layers ----
torch.manual_seed(0)

# RMSNorm (PyTorch >= 2.4 has nn.RMSNorm; this one has the formula): x rsqrt(mean x^2 + eps) w.
x = data(3, 4, 8, seed=1).requires_grad_()
w = data(8, seed=2).requires_grad_()
y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w
y.backward(data(3, 4, 8, seed=3))
put("rmsnorm.x", x); put("rmsnorm.state.weight", w); put("rmsnorm.y", y)
put("rmsnorm.gy", data(3, 4, 8, seed=3)); put("rmsnorm.gx", x.grad); put("rmsnorm.gw", w.grad)

# InstanceNorm2d: PyTorch's defaults (no affine, no running stats), then affine with running
# statistics: one training step (output, running stats), then eval.
x = data(2, 3, 5, 4, seed=4).requires_grad_()
m = torch.nn.InstanceNorm2d(3)
y = m(x)
y.backward(data(2, 3, 5, 4, seed=5))
put("instnorm.x", x); put("instnorm.y", y); put("instnorm.gy", data(2, 3, 5, 4, seed=5)); put("instnorm.gx", x.grad)

m = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
with torch.no_grad():
    m.weight.copy_(data(3, seed=6)); m.bias.copy_(data(3, seed=7))
state("instnorm_affine", m)
m.train()
put("instnorm_affine.train_y", m(x))
put("instnorm_affine.running_mean", m.running_mean); put("instnorm_affine.running_var", m.running_var)
m.eval()
put("instnorm_affine.eval_y", m(x))

# LSTMCell(5, 7): PyTorch's own initial weights, one step from a given state and one from zeros.
torch.manual_seed(1)
cell = torch.nn.LSTMCell(5, 7)
state("lstm", cell)
x = data(3, 5, seed=8).requires_grad_()
h0, c0 = data(3, 7, seed=9), data(3, 7, seed=10)
h, c = cell(x, (h0, c0))
(h.sum() + 2 * c.sum()).backward()
put("lstm.x", x); put("lstm.h0", h0); put("lstm.c0", c0); put("lstm.h", h); put("lstm.c", c)
put("lstm.gx", x.grad); put("lstm.gw_ih", cell.weight_ih.grad); put("lstm.gb_hh", cell.bias_hh.grad)
h, c = cell(x)
put("lstm.h_zero", h); put("lstm.c_zero", c)
h, c = cell(x[0])
put("lstm.h_unbatched", h)

# ---- clip_grad_norm_ ----
for name, max_norm, norm_type in [("clip2", 1.0, 2.0), ("clip_big", 1e3, 2.0), ("clip_inf", 0.5, math.inf)]:
    ps = [torch.zeros(4, 3, requires_grad=True), torch.zeros(5, requires_grad=True)]
    ps[0].grad = data(4, 3, seed=11)
    ps[1].grad = data(5, seed=12) * 3
    put(f"{name}.g0", ps[0].grad); put(f"{name}.g1", ps[1].grad)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    put(f"{name}.total", total); put(f"{name}.c0", ps[0].grad); put(f"{name}.c1", ps[1].grad)


# ---- learning-rate schedules: the rate at construction, then after each of `steps` steps ----
def rates(name, make, steps, lr=0.01):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = make(opt)
    out = [opt.param_groups[0]["lr"]]
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    put(f"sched.{name}", torch.tensor(out, dtype=torch.float64))


S = torch.optim.lr_scheduler
rates("step", lambda o: S.StepLR(o, 3, 0.5), 12)
rates("multistep", lambda o: S.MultiStepLR(o, [2, 5, 5, 8], 0.3), 12)
rates("cosine", lambda o: S.CosineAnnealingLR(o, 10, 1e-4), 25)
rates("onecycle", lambda o: S.OneCycleLR(o, 0.1, 20, cycle_momentum=False), 20)
rates("onecycle_pct", lambda o: S.OneCycleLR(o, 0.05, 37, pct_start=0.25, cycle_momentum=False), 37)
rates("onecycle_3lin", lambda o: S.OneCycleLR(o, 0.1, 30, anneal_strategy="linear", three_phase=True,
                                              cycle_momentum=False), 30)
rates("linear", lambda o: S.LinearLR(o, 0.25, 1.0, 4), 8)


# ---- OneCycleLR with cycle_momentum (PyTorch's default): the rate and the momentum (SGD's
# momentum or Adam's beta1) at construction and after each step, and the parameters after each
# step of training with given gradients (so the optimizers' use of the cycled momentum counts) ----
def cycled(name, make_opt, make_sched, steps):
    p = data(4, 3, seed=30).requires_grad_()
    opt = make_opt([p])
    sched = make_sched(opt)

    def momentum():
        g = opt.param_groups[0]
        return g["betas"][0] if "betas" in g else g["momentum"]

    lrs, moms, params = [opt.param_groups[0]["lr"]], [momentum()], []
    for s in range(steps):
        p.grad = data(4, 3, seed=100 + s)
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(momentum())
        params.append(p.detach().clone())
    put(f"cycle.{name}.p0", data(4, 3, seed=30))
    put(f"cycle.{name}.lr", torch.tensor(lrs, dtype=torch.float64))
    put(f"cycle.{name}.momentum", torch.tensor(moms, dtype=torch.float64))
    put(f"cycle.{name}.params", torch.stack(params))
    for s in range(steps):
        put(f"cycle.{name}.g{s}", data(4, 3, seed=100 + s))


O = torch.optim
cycled("adam", lambda ps: O.Adam(ps, lr=0.01), lambda o: S.OneCycleLR(o, 0.1, 12), 12)
cycled("adamw_3lin", lambda ps: O.AdamW(ps, lr=0.01, weight_decay=0.05),
       lambda o: S.OneCycleLR(o, 0.05, 15, anneal_strategy="linear", three_phase=True, base_momentum=0.8,
                              max_momentum=0.9), 15)
cycled("sgd", lambda ps: O.SGD(ps, lr=0.01, momentum=0.9), lambda o: S.OneCycleLR(o, 0.1, 12, pct_start=0.25), 12)
cycled("sgd_nesterov", lambda ps: O.SGD(ps, lr=0.01, momentum=0.9, nesterov=True),
       lambda o: S.OneCycleLR(o, 0.1, 10), 10)
# SGD made without momentum: PyTorch's OneCycleLR gives it max_momentum, then cycles it.
cycled("sgd0", lambda ps: O.SGD(ps, lr=0.01), lambda o: S.OneCycleLR(o, 0.1, 10), 10)

# ---- tg::nn::init: PyTorch's sample statistics on each initialiser's shape ----
torch.manual_seed(2)


def stats(name, fill, shape):
    t = torch.empty(*shape)
    fill(t)
    put(f"init.{name}", torch.tensor([t.mean().item(), t.std().item(), t.min().item(), t.max().item()],
                                     dtype=torch.float64))


I = torch.nn.init
stats("normal", lambda t: I.normal_(t, 0.5, 2.0), (256, 300))
stats("uniform", lambda t: I.uniform_(t, -0.3, 0.7), (256, 300))
stats("xavier_uniform", lambda t: I.xavier_uniform_(t), (256, 300))
stats("xavier_uniform_gain", lambda t: I.xavier_uniform_(t, gain=2.0), (64, 32, 3, 3))
stats("kaiming_normal", lambda t: I.kaiming_normal_(t), (256, 300))
stats("kaiming_normal_out_relu", lambda t: I.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), (64, 32, 3, 3))
stats("trunc_normal", lambda t: I.trunc_normal_(t), (256, 300))
stats("trunc_normal_narrow", lambda t: I.trunc_normal_(t, mean=0.1, std=0.02, a=0.08, b=0.15), (256, 300))

with open(sys.argv[1], "w") as f:
    f.writelines(lines)
