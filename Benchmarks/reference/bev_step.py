#!/usr/bin/env python3
"""PyTorch reference for `ssm bench tensor` cases bev_train_step, bev_infer_1 and bev_infer_32.

The BEV predictor at its CPU size (Sources/BEV/BEVPredictor.swift, BEVModelConfig.cpu): four stride-2 convolutions
with batch norm (3→16→32→64→128, 64×64 → 4×4), each feature row a 4-token sequence through 2 post-norm transformer
encoder layers (4 heads, feed-forward 512, dropout 0.1), 2 decoder layers over an 8×8 grid of sinusoidal queries,
a linear projection of the 4 rows' decodings per query, three stride-2 transposed convolutions (128→64→32→16) with
batch norm, a 3×3 head to RGBA and a sigmoid (64×64 out). Training: the BEV loss (BCE of alpha, 0.5 · masked RGB
MSE, 0.1 · total variation of alpha) and an Adam step. Inference: eval mode, no gradients.

Needs torch (not installed by this script):  python3 -m pip install torch
Usage: python3 Benchmarks/reference/bev_step.py --case train --batch 32 --threads 2
Prints one JSON line: {"case": ..., "ms": <median ms>, "threads": N}.
"""
import argparse, json, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--case", choices=["train", "infer"], default="train")
p.add_argument("--batch", type=int, default=32)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--repetitions", type=int, default=7)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


def positions(length, dim):
    pe = torch.zeros(length, dim)
    for pos in range(length):
        for i in range(0, dim, 2):
            angle = pos / math.pow(10000, i / dim)
            pe[pos, i] = math.sin(angle)
            if i + 1 < dim:
                pe[pos, i + 1] = math.cos(angle)
    return pe


class BEVPredictor(nn.Module):
    def __init__(self, enc=(16, 32, 64, 128), heads=4, ff=512, layers=2, grid=8, up=(64, 32, 16), dropout=0.1):
        super().__init__()
        mods, c = [], 3
        for out in enc:
            mods += [nn.Conv2d(c, out, 3, stride=2, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
            c = out
        self.encoder = nn.Sequential(*mods)
        d = c
        self.transformer_encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d, heads, ff, dropout, batch_first=True), layers, enable_nested_tensor=False)
        self.transformer_decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(d, heads, ff, dropout, batch_first=True), layers)
        self.projection = nn.Linear(4 * d, d)
        mods = []
        for out in up:
            mods += [nn.ConvTranspose2d(c, out, 4, stride=2, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
            c = out
        self.upsampler = nn.Sequential(*mods)
        self.head = nn.Conv2d(c, 4, 3, padding=1)
        self.grid = grid
        self.register_buffer("row_pe", positions(4, d))
        self.register_buffer("query_pe", positions(grid * grid, d))

    def forward(self, views):
        x = self.encoder(views)
        b, d, h, w = x.shape
        memory = self.transformer_encoder(x.permute(0, 2, 3, 1).reshape(b * h, w, d) + self.row_pe[None])
        q = self.grid * self.grid
        target = self.transformer_decoder(torch.zeros(b * h, q, d) + self.query_pe[None], memory)
        rows = target.reshape(b, h, q, d).permute(0, 2, 1, 3).reshape(b, q, h * d)
        y = self.projection(rows).permute(0, 2, 1).reshape(b, d, self.grid, self.grid)
        return torch.sigmoid(self.head(self.upsampler(y)))


def bev_loss(pred, target):
    n = pred.shape[2]
    alpha, target_alpha = pred[:, 3:4], target[:, 3:4]
    mask = (target_alpha > 0.5).float()
    bce = F.binary_cross_entropy(alpha, target_alpha)
    rgb = F.mse_loss(pred[:, :3] * mask, target[:, :3] * mask)
    dx = (alpha[:, :, :, 1:] - alpha[:, :, :, :-1]).abs().mean()
    dy = (alpha[:, :, 1:, :] - alpha[:, :, :-1, :]).abs().mean()
    return bce + 0.5 * rgb + 0.1 / 2 * (dx + dy)


model = BEVPredictor()
x = torch.randn(args.batch, 3, 64, 64)
target = torch.rand(args.batch, 4, 64, 64)
target[:, 3] = (target[:, 3] > 0.5).float()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)

if args.case == "train":
    model.train()

    def step():
        optimizer.zero_grad()
        bev_loss(model(x), target).backward()
        optimizer.step()
else:
    model.eval()

    def step():
        with torch.no_grad():
            model(x)

step(); step()
times = []
for _ in range(args.repetitions):
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1e3)
name = "bev_train_step" if args.case == "train" else f"bev_infer_{args.batch}"
print(json.dumps({"case": name, "ms": sorted(times)[len(times) // 2], "threads": args.threads}))
