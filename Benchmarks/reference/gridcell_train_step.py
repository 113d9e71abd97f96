#!/usr/bin/env python3
"""PyTorch reference for `ssm bench tensor` case gridcell_train_step.

Needs torch (not installed by this script):  python3 -m pip install torch
Usage: python3 Benchmarks/reference/gridcell_train_step.py [--batch 32] --threads 2
Prints one JSON line: {"case": "gridcell_train_step", "ms": <median ms>, "threads": N, "batch": B}.
"""
import argparse, json, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--repetitions", type=int, default=15)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
B, T, NP, NH = args.batch, 100, 256, 12


class GridCellNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.h0_fc, self.c0_fc = nn.Linear(268, 128), nn.Linear(268, 128)
        self.lstm = nn.LSTM(3, 128, batch_first=True)
        self.bottleneck = nn.Linear(128, 256, bias=False)
        self.dropout = nn.Dropout(0.5)
        self.place_head, self.hd_head = nn.Linear(256, NP), nn.Linear(256, NH)

    def forward(self, v, r0):
        h0, c0 = self.h0_fc(r0).unsqueeze(0), self.c0_fc(r0).unsqueeze(0)
        out, _ = self.lstm(v, (h0, c0))
        g = self.dropout(self.bottleneck(out))
        return self.place_head(g), self.hd_head(g)


w = torch.tensor([10.0] + [5 * 0.8 ** (t - 1) for t in range(1, 5)] + [1.0] * (T - 5))


def step_kl(target, logits):
    # Vectorised over steps (one kernel instead of T kl_div calls): the strongest form of the same loss.
    per_step = F.kl_div(F.log_softmax(logits, -1), target, reduction="none").sum((0, 2)) / target.shape[0]
    return (per_step * w).sum() / w.sum(), per_step


def loss_fn(model, v, place, hd):
    r0 = torch.cat([place[:, 0], hd[:, 0]], -1)
    pl, hl = model(v, r0)
    lp, per_p = step_kl(place, pl)
    lh, _ = step_kl(hd, hl)
    cont = 0
    early = F.softmax(pl[:, :6], -1)  # one slice of the logits, as in the Swift twin
    for t in range(1, 6):
        prev, cur = early[:, t - 1], early[:, t]
        cont = cont + (1 - 0.15 * (t - 1)) * (prev * (torch.log(prev + 1e-10) - torch.log(cur + 1e-10))).sum() / B
    return lp + lh + 2.0 * per_p[0] + 0.1 * cont


model = GridCellNetwork()
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
v = torch.randn(B, T, 3) * 0.2
place = F.softmax(torch.randn(B, T, NP) * 2, -1)
hd = F.softmax(torch.randn(B, T, NH) * 2, -1)


def step():
    opt.zero_grad()
    loss_fn(model, v, place, hd).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()


for _ in range(3):
    step()
times = []
for _ in range(args.repetitions):
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"case": "gridcell_train_step", "ms": sorted(times)[len(times) // 2], "threads": args.threads,
                  "batch": B}))
