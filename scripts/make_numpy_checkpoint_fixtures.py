#!/usr/bin/env python3
"""Writes checkpoints holding numpy objects, with real PyTorch and numpy (run with /usr/bin/python3).

  tests/fixtures/pytorch/numpy/
    arrays.pt      one np.ndarray per dtype flint has (bool, uint8, int8/16/32/64,
                   float16/32/64), C and Fortran order, 0-d, empty, big-endian, a
                   torch tensor alongside, and str and bytes arrays
    scalars.pt     numpy scalars (np.float64, np.int64 beyond 2**53, np.uint64, np.bool_,
                   np.str_ ...) and np.dtype objects
    best_acc.pt    a training checkpoint as scripts write it: epoch as np.int64, best_acc
                   as np.float64, a state_dict, an optimizer state_dict, a history list,
                   an argparse.Namespace and a dataclass (both need addSafeGlobals)
    traindata.pt   {'x': float32 ndarray, 'y': int64 ndarray}, as data scripts save them
    numpy2.pt      the scalars and an array under numpy 2's module path (numpy._core),
                   in the legacy stream (no zip), made by renaming the module in the pickle
    custom.pt      the user's own globals: a namedtuple, an OrderedDict subclass, a
                   __slots__ class, and a class named without being called
    object_array.pt  an object ndarray, which a loader must refuse
    malicious.pt   an object whose __reduce__ is os.system: must be refused, never run
    expected.json  what a loader must find, per file

Every value is deterministic (np.random.default_rng(0), torch.manual_seed(0)).
"""
import argparse
import collections
import dataclasses
import io
import json
import os

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "pytorch", "numpy")


@dataclasses.dataclass
class TrainConfig:
    lr: float
    layers: list


Point = collections.namedtuple("Point", ["x", "y"])


class Registry(collections.OrderedDict):
    pass


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b


class Pwn:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/flint-numpy-pwned",))


def summary(v):
    """What flint must load: ndarrays become tensors, numpy scalars JS values."""
    if isinstance(v, np.ndarray) and v.dtype.kind in "US":
        # str and bytes arrays load as nested arrays (tolist()); bytes as lists of byte values
        def walk(x):
            if isinstance(x, list):
                return [walk(y) for y in x]
            return list(x) if isinstance(x, bytes) else x

        return {"type": "text_ndarray", "dtype": v.dtype.name, "shape": list(v.shape), "tolist": walk(v.tolist())}
    if isinstance(v, np.ndarray):
        flat = v.reshape(-1, order="C")
        return {"type": "ndarray", "dtype": v.dtype.name, "shape": list(v.shape),
                "fortran": bool(v.flags.f_contiguous and not v.flags.c_contiguous),
                "values": [x.item() if v.dtype.kind != "f" else float(x) for x in flat]}
    if isinstance(v, torch.Tensor):
        return {"type": "Tensor", "dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                "values": v.detach().reshape(-1).double().tolist()}
    if isinstance(v, np.dtype):
        return {"type": "dtype", "name": v.name}
    if isinstance(v, np.generic):
        item = v.item()
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**53:
            return {"type": "scalar", "dtype": v.dtype.name, "bigint": str(item)}
        return {"type": "scalar", "dtype": v.dtype.name, "value": float(item) if isinstance(item, float) else item}
    if isinstance(v, dict):
        return {"type": "dict", "items": {str(k): summary(x) for k, x in v.items()}}
    if isinstance(v, (list, tuple)):
        return {"type": type(v).__name__, "items": [summary(x) for x in v]}
    if isinstance(v, argparse.Namespace) or dataclasses.is_dataclass(v):
        return {"type": type(v).__module__ + "." + type(v).__name__, "items": {k: summary(x) for k, x in vars(v).items()}}
    return {"type": type(v).__name__, "value": v}


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {"torch_version": torch.__version__, "numpy_version": np.__version__}
    rng = np.random.default_rng(0)

    def save(name, obj, **kw):
        torch.save(obj, os.path.join(OUT, name), **kw)
        expected[name] = summary(obj)

    f64 = rng.standard_normal((2, 3))
    arrays = {
        "float64": f64,
        "float32": rng.standard_normal((2, 3)).astype(np.float32),
        "float16": rng.standard_normal((4,)).astype(np.float16),
        "int64": np.array([-(2**40), -1, 0, 7, 2**40], dtype=np.int64),
        "int32": np.arange(-3, 3, dtype=np.int32).reshape(2, 3),
        "int16": np.arange(-3, 3, dtype=np.int16),
        "int8": np.arange(-3, 3, dtype=np.int8),
        "uint8": np.arange(250, 256, dtype=np.uint8),
        "bool": np.array([[True, False], [False, True], [True, True]]),
        "fortran_f32": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        "fortran_i64_3d": np.asfortranarray(np.arange(24, dtype=np.int64).reshape(2, 3, 4)),
        "transposed": np.arange(6.0).reshape(2, 3).T,  # pickled as a Fortran-order array
        "strided": np.arange(10, dtype=np.int32)[::3],  # pickled as a contiguous copy
        "zero_d": np.array(3.5),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "big_endian_f32": np.arange(4, dtype=">f4") / 3,
        "big_endian_i16": np.array([1, -2, 300], dtype=">i2"),
        "tensor": torch.arange(3.0),
        "labels": np.array([["cat", "dog"], ["bird", "é"]]),  # str: loads as nested arrays
        "labels_bytes": np.array([b"ab", b"c"]),
    }
    save("arrays.pt", arrays)

    scalars = {
        "f64": np.float64(0.8125), "f32": np.float32(1 / 3), "f16": np.float16(0.1),
        "i64": np.int64(12), "i64_big": np.int64(2**60 + 1), "i64_neg": np.int64(-7),
        "i32": np.int32(-123456), "i16": np.int16(-5), "i8": np.int8(-128),
        "u8": np.uint8(255), "u16": np.uint16(65535), "u32": np.uint32(4000000000),
        "u64_big": np.uint64(2**64 - 1), "bool_true": np.bool_(True), "bool_false": np.bool_(False),
        "str": np.str_("héllo"),
        "dtype_f32": np.dtype("float32"), "dtype_i64": np.dtype("int64"), "dtype_bool": np.dtype("bool"),
    }
    save("scalars.pt", scalars)

    torch.manual_seed(0)
    net = nn.Linear(3, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.ones(1, 3)).sum().backward()
    opt.step()
    save("best_acc.pt", {
        "epoch": np.int64(12),
        "best_acc": np.float64(0.9371),
        "state_dict": net.state_dict(),
        "optimizer": opt.state_dict(),
        "history": [np.float64(0.5), np.float64(0.75), np.float64(0.9371)],
        "args": argparse.Namespace(lr=0.1, arch="resnet18", epochs=np.int64(90)),
        "config": TrainConfig(lr=0.01, layers=[64, 32]),
    })

    save("traindata.pt", {"x": rng.standard_normal((5, 4)).astype(np.float32),
                          "y": np.array([0, 1, 1, 0, 2], dtype=np.int64)})

    # numpy 2 pickles under numpy._core; numpy 1 cannot write that, so rename the module
    # in a legacy (non-zip) stream, whose pickle has no frames or lengths to fix.
    numpy2 = {"acc": np.float64(0.25), "epoch": np.int64(3), "x": np.arange(6, dtype=np.int16).reshape(2, 3)}
    buf = io.BytesIO()
    torch.save(numpy2, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    assert data.count(b"numpy.core.multiarray") >= 2
    with open(os.path.join(OUT, "numpy2.pt"), "wb") as f:
        f.write(data.replace(b"numpy.core.multiarray", b"numpy._core.multiarray"))
    expected["numpy2.pt"] = summary(numpy2)

    registry = Registry()
    registry["b"] = torch.ones(2)
    registry["a"] = 1
    torch.save({"point": Point(1, 2.5), "registry": registry, "slotted": Slotted(3, "x"), "cls": TrainConfig},
               os.path.join(OUT, "custom.pt"))

    torch.save({"objects": np.array([1, "a", None], dtype=object)}, os.path.join(OUT, "object_array.pt"))
    torch.save({"weights": torch.zeros(2), "payload": Pwn()}, os.path.join(OUT, "malicious.pt"))
    expected["malicious_global"] = os.system.__module__ + ".system"

    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
