#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/*.cpp) into OUT/<target>/.

  python3 tests/fuzz/make_corpus.py OUT

Every seed is a small valid input (the fuzzer mutates from there into the malformed ones), made
here from the formats' specifications so that nothing binary is kept in the tree:
  safetensors/  files as safe_save writes them: every dtype, empty and 0-d tensors, metadata
  idx/          IDX files of 1 to 4 dims behind fuzz_idx's mode byte: raw, gzipped by the
                target, and gzipped here (a gzip stream for the fuzzer to mutate); and one
                known bad file (issue 21: dims whose product wraps)
  torch_load/   fuzz_torch_load's mode byte, then a pickle as torch.save writes it (tensors on the
                target's fixed storages: views, offsets, every storage type, nested dicts, numbers,
                protocol 2 and 4) or a whole archive; and a hostile pickle (os.system)
  kir/          tg.kir programs in fuzz_kir's byte layout: elementwise, reductions, masks,
                casts and compares, a linear mask, a 0-d program; and the programs this
                target found check_program wrongly accepting (now refused or safe)
"""
import collections
import gzip
import io
import itertools
import json
import os
import pickle
import struct
import sys
import zipfile

# ---- safetensors -------------------------------------------------------------------------------

DTYPES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "I32": 4, "I64": 8, "F16": 2, "BF16": 2, "F32": 4, "F64": 8}


def safetensors(tensors, metadata=None):
    """tensors: [(name, dtype, shape)]; data bytes are a counting pattern."""
    header, data = {}, b""
    for name, dtype, shape in tensors:
        n = DTYPES[dtype]
        for d in shape:
            n *= d
        blob = bytes((len(data) + i) % 251 for i in range(n))
        if dtype == "BOOL":
            blob = bytes(b & 1 for b in blob)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + n]}
        data += blob
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    yield "empty", safetensors([])
    yield "f32_2x3", safetensors([("weight", "F32", [2, 3])])
    yield "every_dtype", safetensors([(f"t_{d.lower()}", d, [2]) for d in DTYPES])
    yield "zero_size_and_scalar", safetensors([("empty", "F32", [0, 4]), ("scalar", "I64", []), ("b", "U8", [3])])
    yield "metadata", safetensors([("layer.bias", "F16", [4])], {"format": "pt", "note": "seed"})
    yield "metadata_only", safetensors([], {"k": "v"})
    yield "mlp", safetensors([("0.weight", "F32", [4, 2]), ("0.bias", "F32", [4]),
                              ("2.weight", "BF16", [1, 4]), ("2.bias", "BF16", [1])])

# ---- torch_load --------------------------------------------------------------------------------
# fuzz_torch_load packs a pickle beside storages "0" (64 bytes), "1" (8), "2" (0), "3" (3) and "4"
# to "10" (64 each).


def p_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def p_global(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def p_int(v):
    return b"J" + struct.pack("<i", v)


def p_ints(v):
    return b"(" + b"".join(p_int(x) for x in v) + b"t"


def p_tensor(storage_type, key, numel, offset, size, stride):
    """torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())"""
    return (p_global("torch._utils", "_rebuild_tensor_v2") + b"((" + p_str("storage") + p_global("torch", storage_type) +
            p_str(key) + p_str("cpu") + p_int(numel) + b"tQ" + p_int(offset) + p_ints(size) + p_ints(stride) + b"\x89" +
            p_global("collections", "OrderedDict") + b")RtR")


def p_dict(items):
    return b"\x80\x02}(" + b"".join(p_str(k) + v for k, v in items) + b"u."


def torch_load_seeds():
    yield "matrix", b"\0" + p_dict([("w", p_tensor("FloatStorage", "0", 16, 0, [4, 4], [4, 1]))])
    yield "views", b"\0" + p_dict([("t", p_tensor("FloatStorage", "0", 16, 0, [4, 4], [1, 4])),
                                    ("s", p_tensor("FloatStorage", "0", 16, 5, [2, 3], [4, 1])),
                                    ("e", p_tensor("FloatStorage", "0", 16, 15, [], [])),
                                    ("x", p_tensor("FloatStorage", "0", 16, 0, [3, 2], [0, 1]))])
    yield "storage_types", b"\0" + p_dict([("i64", p_tensor("LongStorage", "1", 1, 0, [], [])),
                                            ("empty", p_tensor("FloatStorage", "2", 0, 0, [0, 3], [3, 1])),
                                            ("u8", p_tensor("ByteStorage", "3", 3, 0, [3], [1])),
                                            ("half", p_tensor("HalfStorage", "4", 32, 2, [2, 2], [2, 1])),
                                            ("bf16", p_tensor("BFloat16Storage", "5", 32, 0, [4], [8])),
                                            ("f64", p_tensor("DoubleStorage", "6", 8, 0, [8], [1])),
                                            ("i32", p_tensor("IntStorage", "7", 16, 0, [16], [1])),
                                            ("i16", p_tensor("ShortStorage", "8", 32, 0, [2, 16], [16, 1])),
                                            ("i8", p_tensor("CharStorage", "9", 64, 0, [3], [1])),
                                            ("b", p_tensor("BoolStorage", "10", 64, 1, [2], [1]))])
    yield "nested", b"\0" + b"\x80\x02}(" + p_str("model") + b"}(" + p_str("w") + \
        p_tensor("FloatStorage", "0", 16, 0, [16], [1]) + b"u" + p_str("list") + b"](" + \
        p_tensor("LongStorage", "1", 1, 0, [1], [1]) + p_int(3) + b"e" + b"u."
    numbers = {"epoch": 3, "lr": 0.5, "name": "run", "flag": True, "none": None, "seq": [1, (2, 3)], 7: "int key"}
    yield "numbers_protocol2", b"\0" + pickle.dumps(numbers, protocol=2)
    yield "numbers_protocol4", b"\0" + pickle.dumps(numbers, protocol=4)
    od = collections.OrderedDict(a=1, b=[2.5])
    od._metadata = collections.OrderedDict({"": {"version": 1}})  # a state_dict's attribute: BUILD
    yield "ordered_dict_build", b"\0" + pickle.dumps(od, protocol=2)
    yield "os_system", b"\0" + b"\x80\x02" + p_global("os", "system") + b"(" + p_str("true") + b"tR."
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("archive/data.pkl", p_dict([("w", p_tensor("FloatStorage", "0", 4, 1, [3], [1]))]))
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/data/0", struct.pack("<4f", 1, 2, 3, 4))
        z.writestr("archive/version", "3\n")
    yield "whole_archive", b"\1" + archive.getvalue()

# ---- IDX ---------------------------------------------------------------------------------------


def idx(dims):
    n = 1
    for d in dims:
        n *= d
    head = bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return head + bytes(i % 10 for i in range(n))


def idx_seeds():
    files = {"labels": idx([6]), "images": idx([2, 3, 3]), "matrix": idx([3, 4]), "four_dims": idx([1, 2, 2, 2]),
             "empty": idx([0, 28, 28])}
    for name, body in files.items():
        yield name + "_raw", b"\x00" + body                      # mode 0: the file as is
        yield name + "_gz_by_target", b"\x01" + body             # mode 1: fuzz_idx gzips it
        yield name + "_gz", b"\x00" + gzip.compress(body, mtime=0)  # mode 0 holding a gzip stream
    # Issue 21's finding 7, kept as a seed so this step shows whether it is fixed: dims
    # 2^20 x 2^20 x 2^24 whose product wraps to 0, which read_idx loads as an empty tensor of
    # that shape instead of refusing.
    yield "known_dims_product_wraps", b"\x00" + bytes([0, 0, 0x08, 3]) + struct.pack(">III", 1 << 20, 1 << 20, 1 << 24)

# ---- tg.kir ------------------------------------------------------------------------------------

LOAD, CONST, STORE, REDUCE, CAST, EXP2 = 0, 1, 2, 3, 4, 5
NEG, ADD, MUL, MAX, CMPLT, WHERE, IDIV = 10, 12, 13, 14, 15, 24, 17
BOOL, INT32, INT64, F16, F32, F64 = 0, 4, 5, 6, 8, 9
READ, WRITE = 1, 2
SUM, RMAX = 0, 1


def sv(v):
    z = (v << 1) ^ (v >> 63)
    z &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


class Kir:
    def __init__(self, shape, linear_masks_read=False):
        self.shape, self.flags = shape, 1 if linear_masks_read else 0
        self.params, self.views, self.nodes, self.linear = [], [], [], []

    def param(self, dtype, access, numel):
        self.params.append(bytes([dtype, access]) + sv(numel))
        return len(self.params) - 1

    def view(self, strides, offset=0, mask=None):
        dims = len(self.shape)
        strides = (strides + [0] * dims)[:dims]
        b = sv(offset) + b"".join(sv(s) for s in strides)
        if mask:
            begin, end = mask
            b += b"\x01" + b"".join(sv(x) for x in begin) + b"".join(sv(x) for x in end)
        else:
            b += b"\x00"
        self.views.append(b)
        return len(self.views) - 1

    def node(self, op, dtype, src=(), param=-1, view=-1, reduce_op=0, ivalue=0, fvalue=0.0):
        src = (list(src) + [-1, -1, -1])[:3]
        self.nodes.append(bytes([op, dtype]) + b"".join(sv(s) for s in src) + sv(param) + sv(view) + sv(reduce_op) +
                          sv(ivalue) + struct.pack("<d", fvalue))
        return len(self.nodes) - 1

    def linear_mask(self, view, coeffs, begin, end):
        self.linear.append(sv(view) + b"\x00" + sv(begin) + sv(end) + b"".join(sv(c) for c in coeffs))

    def bytes(self):
        out = bytes([self.flags, len(self.shape)]) + b"".join(sv(s) for s in self.shape)
        for items in (self.params, self.views, self.nodes, self.linear):
            out += bytes([len(items)]) + b"".join(items)
        return out


def kir_seeds():
    k = Kir([4])  # out = a + b
    a, b, o = k.param(F32, READ, 4), k.param(F32, READ, 4), k.param(F32, WRITE, 4)
    v = k.view([1])
    x, y = k.node(LOAD, F32, param=a, view=v), k.node(LOAD, F32, param=b, view=v)
    k.node(STORE, F32, [k.node(ADD, F32, [x, y])], param=o, view=v)
    yield "add", k.bytes()

    k = Kir([2, 3])  # out[i] = sum_j a[i, j], int32
    a, o = k.param(INT32, READ, 6), k.param(INT32, WRITE, 2)
    s = k.node(REDUCE, INT32, [k.node(LOAD, INT32, param=a, view=k.view([3, 1]))], reduce_op=SUM, ivalue=0b10)
    k.node(STORE, INT32, [s], param=o, view=k.view([1, 0]))
    yield "reduce_sum", k.bytes()

    k = Kir([3, 4])  # softmax-like: exp2(x - max_j x) over a padded row, float16
    a, o = k.param(F16, READ, 9), k.param(F16, WRITE, 3)
    vin = k.view([3, 1], mask=([0, 0], [3, 3]))  # columns 3.. are padding
    x = k.node(LOAD, F16, param=a, view=vin)
    m = k.node(REDUCE, F16, [x], reduce_op=RMAX, ivalue=0b10)
    e = k.node(EXP2, F16, [k.node(ADD, F16, [x, k.node(NEG, F16, [m])])])
    k.node(STORE, F16, [k.node(REDUCE, F16, [e], reduce_op=SUM, ivalue=0b10)], param=o, view=k.view([1, 0]))
    yield "masked_reduce_f16", k.bytes()

    k = Kir([5])  # where(a < 2.5, int64(a) / 2, padded constant)
    a, o = k.param(F64, READ, 5), k.param(INT64, WRITE, 5)
    v = k.view([1])
    x = k.node(LOAD, F64, param=a, view=v)
    c = k.node(CMPLT, BOOL, [x, k.node(CONST, F64, fvalue=2.5)])
    q = k.node(IDIV, INT64, [k.node(CAST, INT64, [x]), k.node(CONST, INT64, ivalue=2)])
    pad = k.node(CONST, INT64, view=k.view([0], mask=([1], [4])), ivalue=-7)
    k.node(STORE, INT64, [k.node(WHERE, INT64, [c, q, pad])], param=o, view=v)
    yield "where_cast_idiv", k.bytes()

    k = Kir([3, 2], linear_masks_read=True)  # a window of rows: valid where 0 <= i0 + i1 - 1 < 3
    a, o = k.param(F32, READ, 3), k.param(F32, WRITE, 6)
    vin = k.view([1, 1], offset=-1)
    k.linear_mask(vin, [1, 1], 1, 4)
    x = k.node(LOAD, F32, param=a, view=vin)
    k.node(STORE, F32, [k.node(MUL, F32, [x, x])], param=o, view=k.view([2, 1]))
    yield "linear_mask", k.bytes()

    k = Kir([])  # 0-d: one element
    o = k.param(BOOL, WRITE, 1)
    k.node(STORE, BOOL, [k.node(CONST, BOOL, ivalue=1)], param=o, view=k.view([]))
    yield "scalar_const", k.bytes()

    k = Kir([2, 2, 2])  # two stores, a transposed read, max
    a, o1, o2 = k.param(F32, READ, 8), k.param(F32, WRITE, 8), k.param(F32, WRITE, 8)
    x = k.node(LOAD, F32, param=a, view=k.view([1, 2, 4]))
    y = k.node(LOAD, F32, param=a, view=k.view([4, 2, 1]))
    k.node(STORE, F32, [k.node(MAX, F32, [x, y])], param=o1, view=k.view([4, 2, 1]))
    k.node(STORE, F32, [x], param=o2, view=k.view([4, 2, 1]))
    yield "transpose_two_stores", k.bytes()


def kir_found_seeds():
    """Programs this target found check_program wrongly accepting (tests/plugins/ref/test_ref_plugin.cpp has
    each as a regression test); kept as seeds so every run starts from them."""
    k = Kir([3, 2], linear_masks_read=True)  # a stride-0 dim taken into a window: reads element -1
    a, o = k.param(F32, READ, 3), k.param(F32, WRITE, 6)
    vin = k.view([0, 1], offset=-1)
    k.linear_mask(vin, [1, 1], 1, 4)
    x = k.node(LOAD, F32, param=a, view=vin)
    k.node(STORE, F32, [k.node(MUL, F32, [x, x])], param=o, view=k.view([2, 1]))
    yield "found_stride0_window", k.bytes()

    k = Kir([4], linear_masks_read=True)  # a linear mask whose value overflows int64
    a, o = k.param(F32, READ, 4), k.param(F32, WRITE, 4)
    vin = k.view([1])
    k.linear_mask(vin, [(1 << 62) - 1], 0, 1)
    k.node(STORE, F32, [k.node(LOAD, F32, param=a, view=vin)], param=o, view=k.view([1]))
    yield "found_mask_value_overflow", k.bytes()

    k = Kir([4, 4], linear_masks_read=True)  # a window whose terms overflow on the way to element 0
    a, o = k.param(F32, READ, 1), k.param(F32, WRITE, 16)
    vin = k.view([1 << 62, -(1 << 62)])
    k.linear_mask(vin, [1, -1], 0, 1)
    k.node(STORE, F32, [k.node(LOAD, F32, param=a, view=vin)], param=o, view=k.view([4, 1]))
    yield "found_window_term_overflow", k.bytes()

    k = Kir([1], linear_masks_read=True)  # INT64_MIN / -1 trapped inside check_program
    a, o = k.param(F32, READ, 1), k.param(F32, WRITE, 1)
    vin = k.view([-(1 << 63)])
    k.linear_mask(vin, [-1], 0, 1)
    k.node(STORE, F32, [k.node(LOAD, F32, param=a, view=vin)], param=o, view=k.view([0]))
    yield "found_int64_min_over_minus_1", k.bytes()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for target, seeds in (("safetensors", safetensors_seeds()), ("idx", idx_seeds()),
                          ("torch_load", torch_load_seeds()), ("kir", itertools.chain(kir_seeds(), kir_found_seeds()))):
        d = os.path.join(sys.argv[1], target)
        os.makedirs(d, exist_ok=True)
        count = 0
        for name, data in seeds:
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            count += 1
        print(f"{d}: {count} seeds")


if __name__ == "__main__":
    main()
