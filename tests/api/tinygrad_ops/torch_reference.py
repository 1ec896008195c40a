#!/usr/bin/env python3
"""PyTorch's answers for the ported tinygrad op tests (ctest fixture TinygradOps.reference).

Usage: torch_reference.py TEST_EXECUTABLE OUT_DIR

Runs `TEST_EXECUTABLE --dump-cases` for the cases (see harness.hpp), then for each case does what
tinygrad's prepare_test_op and helper_test_op do on the PyTorch side: inputs from
np.random.seed(0); np.random.uniform(low, high, shape).astype(float32) per shape, or torch.tensor
of the `vals` (Python ints become int32), requires_grad unless forward_only; the forward result;
the gradients of fxn(*inputs).sum() with respect to every input (constants, such as index
tensors, follow the inputs and get no gradient). An exception case records the
exception torch raised. Writes OUT_DIR/<test>.txt per test, values as exact hex floats.
"""
import json
import math
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    sys.exit(f"torch_reference.py: cannot import PyTorch ({e}); the ported tinygrad op tests compare "
             "with it: install python3-torch (apt-get install python3-torch, listed in scripts/lib.sh)")

NAMESPACE = {"torch": torch, "np": np, "math": math, "F": torch.nn.functional}


def prepare(case):
    forward_only = case["forward_only"]
    if case["vals"] is not None:
        vals = eval(case["vals"], dict(NAMESPACE))
        ts = [torch.tensor(x, requires_grad=not forward_only) for x in vals]
    else:
        np.random.seed(0)
        data = [np.random.uniform(low=case["low"], high=case["high"], size=tuple(s)).astype(np.float32)
                for s in case["shapes"]]
        ts = [torch.tensor(d, requires_grad=not forward_only) for d in data]
    # tinygrad: "torch default int64 for python ints input"
    return [t.type(torch.int32) if t.dtype == torch.int64 else t for t in ts]


def fmt(kind, t):
    t = t.detach().cpu()
    dtype = str(t.dtype).replace("torch.", "")
    if t.dtype.is_floating_point:
        values = " ".join(map(float.hex, t.double().reshape(-1).tolist()))
    else:
        values = " ".join(str(int(v)) for v in t.reshape(-1).tolist())
    return f"{kind} {dtype} {t.dim()} {' '.join(str(d) for d in t.shape)} {values}\n"


def one_line(text):
    return " ".join(str(text).split())


def run_case(case):
    lines = [f"src {case['torch']}\n"]
    try:
        fxn = eval(case["torch"], dict(NAMESPACE))
        ts = prepare(case)
    except Exception as e:  # a broken case: the C++ test reports it
        return lines + [f"status torch_error preparing: {type(e).__name__}: {one_line(e)}\n"]
    consts = []
    if case.get("consts"):
        consts = eval(case["consts"], dict(NAMESPACE))
    inputs = [fmt("input", t) for t in ts]
    inputs += [fmt("const", c.type(torch.int32) if c.dtype == torch.int64 else c) for c in consts]
    args = ts + list(consts)
    if case["kind"] == "raises":
        try:
            fxn(*args)
        except Exception as e:
            return lines + [f"status raises {type(e).__name__}\n"] + inputs
        return lines + ["status torch_error it raised nothing\n"] + inputs
    try:
        out = fxn(*args)
        body = inputs + [fmt("output", out)]
        if not case["forward_only"] and ts:
            grads = torch.autograd.grad(fxn(*args).sum(), ts)
            body += [fmt("grad", g) for g in grads]
    except Exception as e:
        return lines + [f"status torch_error {type(e).__name__}: {one_line(e)}\n"]
    return lines + ["status ok\n"] + body


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    exe, out_dir = sys.argv[1], sys.argv[2]
    dump = subprocess.run([exe, "--dump-cases"], check=True, stdout=subprocess.PIPE).stdout
    spec = json.loads(dump)
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)  # the same answers on every machine, and ctest runs tests beside it
    ncases = 0
    for test in spec["tests"]:
        lines = []
        for i, case in enumerate(test["cases"]):
            lines += [f"case {i}\n"] + run_case(case)
            ncases += 1
        tmp = os.path.join(out_dir, test["name"] + ".txt.tmp")
        with open(tmp, "w") as f:
            f.writelines(lines)
        os.replace(tmp, os.path.join(out_dir, test["name"] + ".txt"))
    print(f"PyTorch {torch.__version__}: {ncases} cases of {len(spec['tests'])} tests written to {out_dir}")
    print(f"tinygrad test_ops: {spec['ported']} ported, {spec['waiting']} waiting")


if __name__ == "__main__":
    main()
