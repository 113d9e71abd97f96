#!/usr/bin/env python3
"""PyTorch experiment: how fast do grid-like units emerge in a 15x15-cell open arena, for a configuration?
Used to choose the GridCell defaults (Docs/GridCell.md). Sorscher et al.'s setup scaled from a
2.2 m box to 15 cells, with the network size as an option. Prints one JSON line per evaluation.

Needs torch, numpy, scipy (not installed by this script).
Usage: /opt/torchenv/bin/python scripts/grid_emergence_reference.py --units 512 --lr 1e-3 --minutes 20 --threads 1
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures"))
from gridness_reference import GridScorer, rate_map

p = argparse.ArgumentParser()
p.add_argument("--units", type=int, default=512)
p.add_argument("--places", type=int, default=512)
p.add_argument("--sigma", type=float, default=0.12 * 15 / 2.2)
p.add_argument("--surround", type=float, default=2.0)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--batch", type=int, default=200)
p.add_argument("--seq", type=int, default=20)
p.add_argument("--minutes", type=float, default=20)
p.add_argument("--eval-every", type=float, default=120)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--wd", type=float, default=1e-4)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
rng = np.random.RandomState(0)
BOX = 15.0
scale = BOX / 2.2

centres = torch.tensor(rng.uniform(0, BOX, (args.places, 2)), dtype=torch.float32)


def place_code(pos):  # pos [..., 2] -> DoG, shifted to min 0 and normalised (Sorscher)
    d2 = ((pos[..., None, :] - centres) ** 2).sum(-1)
    out = torch.softmax(-d2 / (2 * args.sigma ** 2), -1)
    if args.surround > 0:
        out = out - torch.softmax(-d2 / (2 * args.surround * args.sigma ** 2), -1)
        out = out - out.min(-1, keepdim=True).values
        out = out / out.sum(-1, keepdim=True)
    return out


def trajectories(batch, steps):  # Sorscher's rat model, scaled to cells
    dt, sigma, b, border = 0.02, 5.76 * 2, 0.13 * 2 * math.pi * scale, 0.03 * scale
    pos = np.zeros((batch, steps + 2, 2)); hd = np.zeros((batch, steps + 2))
    pos[:, 0] = rng.uniform(border, BOX - border, (batch, 2)); hd[:, 0] = rng.uniform(-math.pi, math.pi, batch)
    turn = rng.normal(0, sigma, (batch, steps + 1)); speed = rng.rayleigh(b, (batch, steps + 1))
    vel = np.zeros((batch, steps + 1, 2))
    for t in range(steps + 1):
        p, h = pos[:, t], hd[:, t]
        dist = np.stack([p[:, 0], BOX - p[:, 0], p[:, 1], BOX - p[:, 1]], 1)
        wall_angles = np.array([math.pi, 0, -math.pi / 2, math.pi / 2])
        near = dist.min(1) < border
        a = np.angle(np.exp(1j * (wall_angles[dist.argmin(1)] - h)))
        toward = near & (np.abs(a) < math.pi / 2)
        turn_t = turn[:, t].copy(); sp = speed[:, t].copy()
        turn_t[toward] = -np.sign(a[toward]) * (math.pi / 2 - np.abs(a[toward])) / dt
        sp[toward] *= 0.25
        v = sp * dt
        vel[:, t] = np.stack([v * np.cos(h), v * np.sin(h)], 1)
        pos[:, t + 1] = np.clip(p + vel[:, t], 0, BOX)
        hd[:, t + 1] = np.angle(np.exp(1j * (h + turn_t * dt)))
    return (torch.tensor(vel[:, 1:steps + 1], dtype=torch.float32), torch.tensor(pos[:, 1:steps + 1], dtype=torch.float32),
            torch.tensor(pos[:, 0], dtype=torch.float32))


class RNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = torch.nn.Linear(args.places, args.units, bias=False)
        self.rnn = torch.nn.RNN(2, args.units, nonlinearity="relu", bias=False, batch_first=True)
        self.dec = torch.nn.Linear(args.units, args.places, bias=False)

    def g(self, v, p0):
        h0 = self.enc(place_code(p0))[None]
        return self.rnn(v, h0)[0]

    def forward(self, v, p0):
        return self.dec(self.g(v, p0))


net = RNN()
opt = torch.optim.Adam(net.parameters(), lr=args.lr)
scorer = GridScorer()
start, last_eval, step = time.time(), -1e9, 0


def evaluate():
    with torch.no_grad():
        xs, ys, acts = [], [], []
        for _ in range(10):
            v, pos, p0 = trajectories(200, args.seq)
            g = net.g(v, p0)
            xs.append(pos[..., 0].reshape(-1)); ys.append(pos[..., 1].reshape(-1)); acts.append(g.reshape(-1, args.units))
        x, y, a = torch.cat(xs).numpy(), torch.cat(ys).numpy(), torch.cat(acts).numpy()
        logits = net(v, p0)
        top3 = centres[torch.topk(logits, 3, -1).indices].mean(-2)
        err = (top3 - pos).norm(dim=-1).mean().item()
    n = min(args.units, 128)
    scores = np.array([scorer.scores(rate_map(x, y, a[:, i]))[0] for i in range(n)])
    scores = np.nan_to_num(scores, nan=-1)
    return {"frac_above_0.3": float((scores > 0.3).mean()), "top10_mean": float(np.sort(scores)[-10:].mean()),
            "median": float(np.median(scores)), "position_error_cells": err, "units_scored": n}


while time.time() - start < args.minutes * 60:
    if time.time() - last_eval > args.eval_every:
        last_eval = time.time()
        r = evaluate(); r.update(step=step, minutes=(time.time() - start) / 60)
        print(json.dumps(r), flush=True)
    v, pos, p0 = trajectories(args.batch, args.seq)
    logits = net(v, p0)
    y = place_code(pos)
    loss = -(y * torch.log_softmax(logits, -1)).sum(-1).mean() + args.wd * (net.rnn.weight_hh_l0 ** 2).sum()
    opt.zero_grad(); loss.backward(); opt.step(); step += 1
r = evaluate(); r.update(step=step, minutes=(time.time() - start) / 60, final=True)
print(json.dumps(r), flush=True)
