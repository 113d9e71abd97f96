#!/usr/bin/env python3
"""PyTorch reference for `ssm bench tensor` case bev_encoder_step.

Needs torch (not installed by this script):  python3 -m pip install torch
Usage: python3 Benchmarks/reference/bev_encoder_step.py --threads 2
Prints one JSON line: {"case": "bev_encoder_step", "ms": <median ms>, "threads": N}.
"""
import argparse, json, time
import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repetitions", type=int, default=5)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
layers, c = [], 3
for out in [32, 64, 128, 256]:
    layers += [nn.Conv2d(c, out, 3, stride=2, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
    c = out
encoder = nn.Sequential(*layers)
x = torch.randn(32, 3, 64, 64)


def step():
    encoder.zero_grad()
    encoder(x).mean().backward()


step()
times = []
for _ in range(args.repetitions):
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"case": "bev_encoder_step", "ms": sorted(times)[len(times) // 2], "threads": args.threads}))
