#!/usr/bin/env python3
"""PyTorch checkpoints for test_torch_load (ctest fixture TorchLoad.checkpoints).

Usage: torch_checkpoints.py OUT_DIR

Writes .pt files with torch.save into OUT_DIR and OUT_DIR/expected.txt, what each holds:
  tensor FILE KEY DTYPE NDIM DIMS... HEX   a tensor's row-major bytes, little-endian ("-": none)
  meta FILE KEY TEXT                       a number or string (the metadata torch_load makes)
  count FILE N                             how many tensors FILE holds
The files: every dtype; views (transposes, slices with offsets, stride 0, a 0-d element) that
share one storage; nested dicts and lists with numbers; a Conv2d/BatchNorm2d/Linear model's
state_dict with an input and PyTorch's output ("tensor model_io x|y"); the same dict pickled with
protocol 4 (other opcodes); an nn.Parameter; a big-endian copy of the dtype file (PyTorch
>= 2.1 marks its byte order in archive/byteorder; this copy is made by rewriting the zip); and a
copy of the views with deflated entries.
Without PyTorch it writes OUT_DIR/no_torch with the reason, and the tests that need it skip.
"""
import io
import os
import pickle
import sys
import zipfile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name in os.listdir(out):
    os.remove(os.path.join(out, name))

try:
    import torch
except ImportError as e:
    with open(os.path.join(out, "no_torch"), "w") as f:
        f.write(f"PyTorch is not importable by {sys.executable} ({e}); install python3-torch\n")
    sys.exit(0)

torch.manual_seed(0)
lines = []
DTYPES = {torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
          torch.float64: "float64", torch.int8: "int8", torch.int16: "int16", torch.int32: "int32",
          torch.int64: "int64", torch.uint8: "uint8", torch.bool: "bool"}


def record(file, key, value):
    if isinstance(value, torch.Tensor):
        t = value.detach().contiguous()
        raw = t.reshape(-1).view(torch.uint8) if t.numel() else None
        hexed = bytes(raw.numpy().tobytes()).hex() if raw is not None else "-"
        lines.append(" ".join(["tensor", file, key, DTYPES[t.dtype], str(t.dim())] +
                              [str(d) for d in t.shape] + [hexed]))
    else:
        lines.append(f"meta {file} {key} {value}")


def save(obj, file, flat, **kw):
    torch.save(obj, os.path.join(out, file), **kw)
    n = 0
    for key, value in flat.items():
        record(file, key, value)
        n += isinstance(value, torch.Tensor)
    lines.append(f"count {file} {n}")


# Every dtype, including a 0-d tensor and an empty one.
dtypes = {
    "f16": torch.randn(3, 4).half(),
    "bf16": torch.randn(5).bfloat16(),
    "f32": torch.randn(2, 3, 4),
    "f64": torch.randn(7).double(),
    "i8": torch.randint(-128, 128, (9,), dtype=torch.int8),
    "i16": torch.randint(-30000, 30000, (4, 2), dtype=torch.int16),
    "i32": torch.randint(-2**31, 2**31 - 1, (6,), dtype=torch.int32),
    "i64": torch.tensor([-2**62, 5, 2**40 + 3], dtype=torch.int64),
    "u8": torch.randint(0, 256, (3, 3), dtype=torch.uint8),
    "bool": torch.tensor([[True, False, True], [False, False, True]]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
save(dtypes, "dtypes.pt", dtypes)

# Views of one storage: every one materializes its own strided window.
base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5)
views = {
    "base": base,
    "transposed": base.transpose(0, 2),
    "sliced": base[1:, ::2, 1:4],
    "row": base[2],
    "element": base[1, 2, 3],
    "diagonal": base.reshape(12, 5)[2:7].diagonal(),
    "expanded": base[0, 0, :3].expand(4, 3),
    "strided": torch.as_strided(base, (2, 3), (7, 11), 4),
    "other": torch.arange(10, dtype=torch.int64)[3:8:2],
}
save(views, "views.pt", views)

# Nested containers with numbers and strings beside the tensors.
w, b, m = torch.randn(2, 2), torch.randn(2), torch.randn(3)
nested = {
    "model": {"layer": {"weight": w, "bias": b}},
    "moments": [m, (m * 2,)],
    "epoch": 7,
    "lr": 0.25,
    "name": "run1",
    "best": True,
    "note": None,
    3: torch.ones(1, dtype=torch.int32),
}
save(nested, "nested.pt", {"model.layer.weight": w, "model.layer.bias": b, "moments.0": m, "moments.1.0": m * 2,
                           "epoch": 7, "lr": 0.25, "name": "run1", "best": True, "note": None,
                           "3": torch.ones(1, dtype=torch.int32)})

# A real model's state_dict, its input and its output in eval mode.
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                            torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 5))
model.train()
for _ in range(3):  # moves the running statistics and num_batches_tracked off their defaults
    model(torch.randn(8, 3, 6, 6) * 2 + 1)
model.eval()
x = torch.randn(2, 3, 6, 6)
with torch.no_grad():
    y = model(x)
save(model.state_dict(), "model.pt", model.state_dict())
record("model_io", "x", x)
record("model_io", "y", y)

# Protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL instead of protocol 2's opcodes.
save(views, "protocol4.pt", views, pickle_protocol=4)

# nn.Parameter pickles through torch._utils._rebuild_parameter.
p = torch.nn.Parameter(torch.randn(2, 3))
save({"p": p}, "parameter.pt", {"p": p})

# A big-endian copy of dtypes.pt: every storage byte-swapped, archive/byteorder = "big".
ITEMSIZE = {"HalfStorage": 2, "BFloat16Storage": 2, "FloatStorage": 4, "DoubleStorage": 8, "CharStorage": 1,
            "ShortStorage": 2, "IntStorage": 4, "LongStorage": 8, "ByteStorage": 1, "BoolStorage": 1}


class StorageSizes(pickle.Unpickler):
    """Reads the persistent ids only: storage key -> element size."""
    sizes = {}

    def persistent_load(self, pid):
        self.sizes[pid[2]] = ITEMSIZE[pid[1].__name__]

    def find_class(self, module, name):
        return (lambda *args: None) if name.startswith("_rebuild") else super().find_class(module, name)


src = zipfile.ZipFile(os.path.join(out, "dtypes.pt"))
prefix = src.namelist()[0].split("/")[0]
reader = StorageSizes(io.BytesIO(src.read(prefix + "/data.pkl")))
reader.load()
with zipfile.ZipFile(os.path.join(out, "dtypes_big.pt"), "w") as dst:
    for name in src.namelist():
        data = src.read(name)
        if name.startswith(prefix + "/data/"):
            n = reader.sizes[name[len(prefix + "/data/"):]]
            data = b"".join(data[i:i + n][::-1] for i in range(0, len(data), n))
        dst.writestr("dtypes_big" + name[len(prefix):], data)
    dst.writestr("dtypes_big/byteorder", "big")
for key, t in dtypes.items():
    record("dtypes_big.pt", key, t)
lines.append(f"count dtypes_big.pt {len(dtypes)}")

# views.pt with every entry deflated (torch.save stores them; other zip tools may not).
with zipfile.ZipFile(os.path.join(out, "views.pt")) as src, \
        zipfile.ZipFile(os.path.join(out, "views_deflated.pt"), "w", zipfile.ZIP_DEFLATED) as dst:
    for name in src.namelist():
        dst.writestr(name, src.read(name))
save_records = [line.replace(" views.pt ", " views_deflated.pt ", 1) for line in lines if line.split(" ")[1] == "views.pt"]
lines += save_records

with open(os.path.join(out, "expected.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print(f"torch_checkpoints.py: wrote {len([n for n in os.listdir(out) if n.endswith('.pt')])} files to {out}")
