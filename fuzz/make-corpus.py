#!/usr/bin/env python3
"""Writes the fuzz seed corpora under fuzz/corpus/<target>/ (standard library only)
and fuzz/onnx.dict, the ONNX harness's dictionary, from the op tables.

Each target gets a few small valid files and a few broken ones. The ONNX models
are encoded here with a minimal protobuf writer; a few node-test models are copied
from Debian's libonnx-testdata when it is installed. Run from anywhere:
    python3 fuzz/make-corpus.py
"""
import glob
import gzip
import json
import os
import re
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ONNX_NODE_TESTS = "/usr/share/libonnx-testdata/data/node"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ------------------------------------------------------------------ safetensors
def safetensors(tensors, metadata=None, pad=True, extra=b""):
    """tensors: list of (name, dtype, shape, bytes); offsets laid out in order."""
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data + extra


def st_corpus():
    f32 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    write("safetensors", "f32.safetensors",
          safetensors([("w", "F32", [2, 3], f32)], {"format": "pt"}))
    write("safetensors", "mixed.safetensors", safetensors([
        ("a.weight", "F32", [3], struct.pack("<3f", 1, 2, 3)),
        ("b.index", "I64", [2], struct.pack("<2q", -1, 7)),
        ("c.half", "BF16", [2, 1], b"\x80\x3f\x00\x40"),
        ("d.scalar", "I32", [], struct.pack("<i", 42)),
        ("e.empty", "U8", [0, 4], b""),
        ("f.flags", "BOOL", [2], b"\x01\x00")]))
    write("safetensors", "empty-header.safetensors", safetensors([], pad=False))
    # broken: header longer than the file, a gap, an overlap, trailing bytes, bad JSON
    write("safetensors", "bad-length.safetensors", struct.pack("<Q", 1000) + b"{}")
    gap = b'{"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}'
    write("safetensors", "bad-gap.safetensors", struct.pack("<Q", len(gap)) + gap + b"\0\0")
    lap = (b'{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},'
           b'"y":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}')
    write("safetensors", "bad-overlap.safetensors", struct.pack("<Q", len(lap)) + lap + b"abc")
    write("safetensors", "bad-trailing.safetensors",
          safetensors([("w", "F32", [1], struct.pack("<f", 1))], extra=b"\xff"))
    js = b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1},}'
    write("safetensors", "bad-json.safetensors", struct.pack("<Q", len(js)) + js + b"abcd")


# -------------------------------------------------------------------------- IDX
def idx(type_code, dims, fmt, values):
    head = bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return head + struct.pack(">" + fmt * len(values), *values)


def idx_corpus():
    images = idx(0x08, [3, 2, 2], "B", list(range(12)))
    write("idx", "ubyte-3x2x2.idx", images)
    write("idx", "labels.idx.gz", gzip.compress(idx(0x08, [5], "B", [0, 1, 2, 9, 4]), mtime=0))
    write("idx", "int-2.idx", idx(0x0C, [2], "i", [-1, 65536]))
    write("idx", "short-2x1.idx", idx(0x0B, [2, 1], "h", [-2, 300]))
    write("idx", "float-1x3.idx", idx(0x0D, [1, 3], "f", [0.5, -1, 3]))
    write("idx", "double-2.idx", idx(0x0E, [2], "d", [1e300, -0.25]))
    write("idx", "byte-1x1x1x1.idx", idx(0x09, [1, 1, 1, 1], "b", [-7]))
    # broken: truncated data, trailing byte, bad magic, rank 9, truncated gzip
    write("idx", "bad-truncated.idx", images[:-3])
    write("idx", "bad-trailing.idx", images + b"\0")
    write("idx", "bad-magic.idx", b"\x01" + images[1:])
    write("idx", "bad-rank.idx", bytes([0, 0, 8, 9]) + b"\0\0\0\1" * 9 + b"\0")
    write("idx", "bad-gzip.idx.gz", gzip.compress(images, mtime=0)[:-6])


# -------------------------------------------------------------------------- npy
def npy(descr, shape, raw, version=1, fortran="False"):
    shape_text = "(" + "".join("%d, " % d for d in shape).rstrip(" ")
    if len(shape) > 1:
        shape_text = shape_text.rstrip(",")
    shape_text += ")"
    text = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)
    prefix = 10 if version == 1 else 12
    text += " " * (-(prefix + len(text) + 1) % 64) + "\n"
    head = b"\x93NUMPY" + bytes([version, 0])
    head += struct.pack("<H" if version == 1 else "<I", len(text))
    return head + text.encode() + raw


def npy_corpus():
    write("npy", "f4-2x3.npy", npy("<f4", [2, 3], struct.pack("<6f", *range(6))))
    write("npy", "i8-4.npy", npy("<i8", [4], struct.pack("<4q", 1, -2, 3, -4)))
    write("npy", "i4-2x2-v2.npy", npy("<i4", [2, 2], struct.pack("<4i", 1, 2, 3, 4), 2))
    write("npy", "f4-scalar.npy", npy("<f4", [], struct.pack("<f", 7)))
    write("npy", "bad-fortran.npy", npy("<f4", [2], struct.pack("<2f", 1, 2), fortran="True"))
    write("npy", "bad-short.npy", npy("<f4", [3, 3], struct.pack("<2f", 1, 2)))
    write("npy", "bad-dtype.npy", npy("<f8", [1], struct.pack("<d", 1)))
    write("npy", "bad-magic.npy", b"\x93NUMPX\x01\x00\x04\x00{}  ")


# ------------------------------------------------------------------------- ONNX
def varint(n):
    n &= (1 << 64) - 1
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def fint(num, n):
    return varint(num << 3) + varint(n)


def fbytes(num, data):
    if isinstance(data, str):
        data = data.encode()
    return varint(num << 3 | 2) + varint(len(data)) + data


def ffloat(num, x):
    return varint(num << 3 | 5) + struct.pack("<f", x)


FLOAT, INT64 = 1, 7


def tensor(name, dtype, dims, raw=None, floats=None, ints=None, external=None):
    t = b"".join(fint(1, d) for d in dims) + fint(2, dtype) + fbytes(8, name)
    if floats is not None:
        t += fbytes(4, struct.pack("<%df" % len(floats), *floats))
    if ints is not None:
        t += fbytes(7, b"".join(varint(i) for i in ints))
    if raw is not None:
        t += fbytes(9, raw)
    if external is not None:
        for k, v in external:
            t += fbytes(13, fbytes(1, k) + fbytes(2, v))
        t += fint(14, 1)
    return t


def value_info(name, dims, elem=FLOAT):
    shape = b"".join(fbytes(1, fint(1, d) if isinstance(d, int) else fbytes(2, d))
                     for d in dims)
    return fbytes(1, name) + fbytes(2, fbytes(1, fint(1, elem) + fbytes(2, shape)))


def attr_int(name, i):
    return fbytes(1, name) + fint(3, i) + fint(20, 2)


def attr_float(name, f):
    return fbytes(1, name) + ffloat(2, f) + fint(20, 1)


def attr_ints(name, ints):
    return fbytes(1, name) + b"".join(fint(8, i) for i in ints) + fint(20, 7)


def node(op, inputs, outputs, attrs=(), name=""):
    n = b"".join(fbytes(1, i) for i in inputs) + b"".join(fbytes(2, o) for o in outputs)
    n += fbytes(3, name) + fbytes(4, op)
    return n + b"".join(fbytes(5, a) for a in attrs)


def model(nodes, inits, inputs, outputs, opset=13):
    g = b"".join(fbytes(1, n) for n in nodes) + fbytes(2, "g")
    g += b"".join(fbytes(5, t) for t in inits)
    g += b"".join(fbytes(11, v) for v in inputs) + b"".join(fbytes(12, v) for v in outputs)
    return fint(1, 8) + fbytes(2, "clnn-fuzz") + fbytes(7, g) + fbytes(8, fint(2, opset))


def onnx_corpus():
    gemm = model([node("Gemm", ["X", "B", "C"], ["Y"],
                       [attr_int("transB", 1), attr_float("alpha", 0.5)])],
                 [tensor("B", FLOAT, [2, 3], raw=struct.pack("<6f", *range(6))),
                  tensor("C", FLOAT, [2], floats=[1, -1])],
                 [value_info("X", ["N", 3])], [value_info("Y", ["N", 2])])
    write("onnx", "gemm.onnx", gemm)
    conv = model([node("Conv", ["X", "W"], ["H"], [attr_ints("pads", [1, 1, 1, 1]),
                                                  attr_ints("strides", [2, 2])]),
                  node("Relu", ["H"], ["Y"]),
                  node("MaxPool", ["Y"], ["P"], [attr_ints("kernel_shape", [2, 2])])],
                 [tensor("W", FLOAT, [2, 1, 3, 3], floats=[0.1] * 18)],
                 [value_info("X", [1, 1, 5, 5])], [value_info("P", [1, 2, 1, 1])])
    write("onnx", "conv-relu-pool.onnx", conv)
    reshape = model([node("Reshape", ["X", "S"], ["R"]),
                     node("Softmax", ["R"], ["Y"], [attr_int("axis", -1)])],
                    [tensor("S", INT64, [2], ints=[-1, 4])],
                    [value_info("X", [2, 2, 2])], [value_info("Y", [2, 4])])
    write("onnx", "reshape-softmax.onnx", reshape)
    ext = model([node("Add", ["X", "E"], ["Y"])],
                [tensor("E", FLOAT, [2], external=[("location", "e.bin"), ("offset", "8"),
                                                   ("length", "8")])],
                [value_info("X", [2])], [value_info("Y", [2])])
    write("onnx", "external-data.onnx", ext)
    # The harness's e.bin holds 64 bytes: a huge claimed shape must fail before
    # anything that size is allocated (a bug the fuzzer found).
    huge = model([node("Add", ["X", "E"], ["Y"])],
                 [tensor("E", FLOAT, [1 << 20, 1 << 20], external=[("location", "e.bin")])],
                 [value_info("X", [1])], [value_info("Y", [1])])
    write("onnx", "bad-external-huge.onnx", huge)
    write("onnx", "bad-op.onnx", model([node("Frobnicate", ["X"], ["Y"])], [],
                                       [value_info("X", [1])], [value_info("Y", [1])]))
    write("onnx", "bad-truncated.onnx", gemm[:len(gemm) * 2 // 3])
    write("onnx", "bad-undefined-input.onnx", model([node("Relu", ["Z"], ["Y"])], [],
                                                    [value_info("X", [1])],
                                                    [value_info("Y", [1])]))
    if os.path.isdir(ONNX_NODE_TESTS):
        for t in ("test_lstm_defaults", "test_batchnorm_example", "test_concat_2d_axis_0",
                  "test_constant", "test_clip"):
            shutil.copy(os.path.join(ONNX_NODE_TESTS, t, "model.onnx"),
                        os.path.join(HERE, "corpus", "onnx", t[5:] + ".onnx"))


def onnx_dict():
    """Op types and attribute names from the op tables in src/onnx/ops_*.c."""
    ops, attrs = [], set()
    entry = re.compile(r'^\s*\{"([A-Za-z]+)", *"([a-z_,]*)"', re.M)
    for path in sorted(glob.glob(os.path.join(HERE, "..", "src", "onnx", "ops_*.c"))):
        with open(path) as f:
            for op, names in entry.findall(f.read()):
                ops.append(op)
                attrs.update(a for a in names.split(",") if a)
    lines = ["# libFuzzer dictionary for fuzz/onnx.c (written by fuzz/make-corpus.py): the",
             "# op types and attribute names of src/onnx/ops_*.c, and external-data keys."]
    lines += ['op_%s="%s"' % (o, o) for o in ops]
    lines += ['attr_%s="%s"' % (a, a) for a in sorted(attrs)]
    lines += ['domain="ai.onnx"', 'ext_location="location"', 'ext_offset="offset"',
              'ext_length="length"', 'ext_file="e.bin"']
    with open(os.path.join(HERE, "onnx.dict"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    st_corpus()
    idx_corpus()
    npy_corpus()
    onnx_corpus()
    onnx_dict()
