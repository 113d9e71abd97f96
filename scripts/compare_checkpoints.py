#!/usr/bin/env python3
"""Largest difference between the float32 tensors of two safetensors files (standard library only).

    python3 scripts/compare_checkpoints.py A.safetensors B.safetensors [TOLERANCE] [--skip REGEX]

Prints the largest |a - b| / max(1, |a|) over every tensor (except those whose names match REGEX), and exits 1 when
it exceeds TOLERANCE (default 1e-4) or the files do not hold the same tensors and shapes."""
import json, re, struct, sys
from array import array


def tensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        values = array("f")
        values.frombytes(body[start:end])
        if sys.byteorder != "little":
            values.byteswap()
        out[name] = (info["shape"], values)
    return out


def main():
    args = sys.argv[1:]
    skip = None
    if "--skip" in args:
        k = args.index("--skip")
        skip = re.compile(args[k + 1])
        del args[k:k + 2]
    a, b = tensors(args[0]), tensors(args[1])
    tolerance = float(args[2]) if len(args) > 2 else 1e-4
    if a.keys() != b.keys() or any(a[k][0] != b[k][0] for k in a):
        print(f"{args[0]} and {args[1]} hold different tensors or shapes")
        return 1
    worst, where = 0.0, ""
    for name, (_, x) in a.items():
        if skip and skip.search(name):
            continue
        for u, v in zip(x, b[name][1]):
            d = abs(u - v) / max(1.0, abs(u))
            if d > worst:
                worst, where = d, name
    compared = sum(len(t[1]) for name, t in a.items() if not (skip and skip.search(name)))
    print(f"largest relative difference {worst:.3g} ({where or 'none'}) over {compared} values")
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
