#!/usr/bin/env python3
"""Generates Tests/Fixtures/golden.safetensors: PyTorch reference values for the Swift layer tests.

Run with a Python that has torch and safetensors (CI does not need them; the output is committed):
    python3 -m venv /opt/torchenv && /opt/torchenv/bin/pip install torch safetensors
    /opt/torchenv/bin/python Tests/Fixtures/make_golden.py
Every case stores its inputs, the layer's parameters (PyTorch state_dict names), the outputs, and the
gradients of L = sum(output * R) for a stored random weighting R.
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
out = {}


def put(prefix, **tensors):
    for k, v in tensors.items():
        out[f"{prefix}.{k}"] = v.detach().contiguous().float().clone()


def params(prefix, module):
    for k, v in module.state_dict().items():
        if v.dtype.is_floating_point:
            out[f"{prefix}.param.{k}"] = v.detach().contiguous().float().clone()


def grads(prefix, module, inputs):
    for k, p in module.named_parameters():
        out[f"{prefix}.grad.{k}"] = p.grad.detach().clone()
    for k, x in inputs.items():
        out[f"{prefix}.grad_input.{k}"] = x.grad.detach().clone()


def weighted_backward(prefix, y):
    r = torch.randn_like(y)
    put(prefix, R=r)
    (y * r).sum().backward()


# LSTM: [B=2, T=5, I=3], H=4
lstm = nn.LSTM(3, 4, batch_first=True)
x = torch.randn(2, 5, 3, requires_grad=True)
h0 = torch.randn(1, 2, 4, requires_grad=True)
c0 = torch.randn(1, 2, 4, requires_grad=True)
y, (hn, cn) = lstm(x, (h0, c0))
params("lstm", lstm); put("lstm", x=x, h0=h0, c0=c0, y=y, hn=hn, cn=cn)
weighted_backward("lstm", y + 0.5 * hn.squeeze(0).unsqueeze(1) + 0.25 * cn.squeeze(0).unsqueeze(1))
grads("lstm", lstm, {"x": x, "h0": h0, "c0": c0})

# GRU: [B=2, T=4, I=3], H=5
gru = nn.GRU(3, 5, batch_first=True)
x = torch.randn(2, 4, 3, requires_grad=True)
h0 = torch.randn(1, 2, 5, requires_grad=True)
y, hn = gru(x, h0)
params("gru", gru); put("gru", x=x, h0=h0, y=y, hn=hn)
weighted_backward("gru", y)
grads("gru", gru, {"x": x, "h0": h0})

# Conv2d: stride 2, padding 1, dilation 1; and a dilated one
for name, kw in [("conv2d", dict(stride=2, padding=1)), ("conv2d_dil", dict(stride=1, padding=2, dilation=2))]:
    conv = nn.Conv2d(3, 4, 3, **kw)
    x = torch.randn(2, 3, 7, 6, requires_grad=True)
    y = conv(x)
    params(name, conv); put(name, x=x, y=y)
    weighted_backward(name, y)
    grads(name, conv, {"x": x})

# ConvTranspose2d: 4x4 stride 2 padding 1 (the BEV upsampler's block)
convt = nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1)
x = torch.randn(2, 4, 3, 5, requires_grad=True)
y = convt(x)
params("convt", convt); put("convt", x=x, y=y)
weighted_backward("convt", y)
grads("convt", convt, {"x": x})

# BatchNorm2d in training mode (batch statistics, running-stat update) and in eval mode
bn = nn.BatchNorm2d(4)
with torch.no_grad():
    bn.weight.uniform_(0.5, 1.5); bn.bias.uniform_(-0.5, 0.5)
params("bn", bn)
x = torch.randn(3, 4, 5, 5, requires_grad=True)
y = bn(x)
put("bn", x=x, y=y, running_mean_after=bn.running_mean, running_var_after=bn.running_var)
weighted_backward("bn", y)
grads("bn", bn, {"x": x})
bn.eval()
x2 = torch.randn(2, 4, 3, 3)
put("bn", x_eval=x2, y_eval=bn(x2))

# LayerNorm over the last axis
ln = nn.LayerNorm(8)
with torch.no_grad():
    ln.weight.uniform_(0.5, 1.5); ln.bias.uniform_(-0.5, 0.5)
x = torch.randn(3, 5, 8, requires_grad=True)
y = ln(x)
params("ln", ln); put("ln", x=x, y=y)
weighted_backward("ln", y)
grads("ln", ln, {"x": x})

# MultiheadAttention (batch_first), cross attention with different lengths
mha = nn.MultiheadAttention(16, 4, batch_first=True)
q = torch.randn(2, 5, 16, requires_grad=True)
kv = torch.randn(2, 7, 16, requires_grad=True)
y, w = mha(q, kv, kv)
params("mha", mha); put("mha", q=q, kv=kv, y=y, weights=w)
weighted_backward("mha", y)
grads("mha", mha, {"q": q, "kv": kv})

# Transformer layers in eval mode (post-norm, ReLU, PyTorch defaults but small sizes)
enc = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, batch_first=True).eval()
x = torch.randn(2, 6, 16, requires_grad=True)
y = enc(x)
params("enc", enc); put("enc", x=x, y=y)
weighted_backward("enc", y)
grads("enc", enc, {"x": x})

dec = nn.TransformerDecoderLayer(16, 4, dim_feedforward=32, batch_first=True).eval()
t = torch.randn(2, 5, 16, requires_grad=True)
m = torch.randn(2, 6, 16, requires_grad=True)
y = dec(t, m)
params("dec", dec); put("dec", t=t, m=m, y=y)
weighted_backward("dec", y)
grads("dec", dec, {"t": t, "m": m})

# Bilinear resize, align_corners=False, up and down
for name, size in [("bilinear_up", (9, 11)), ("bilinear_down", (3, 4))]:
    x = torch.randn(2, 3, 5, 7, requires_grad=True)
    y = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    put(name, x=x, y=y)
    weighted_backward(name, y)
    out[f"{name}.grad_input.x"] = x.grad.clone()

# Optimisers: three steps from the same start with a fixed gradient sequence
p0 = torch.randn(7)
gs = torch.randn(3, 7)
put("optim", p0=p0, grads=gs)
configs = {
    "sgd": lambda p: torch.optim.SGD([p], lr=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam([p], lr=0.01, weight_decay=0.01),
    "adamw": lambda p: torch.optim.AdamW([p], lr=0.01, weight_decay=0.1),
    "rmsprop": lambda p: torch.optim.RMSprop([p], lr=1e-3, momentum=0.9, weight_decay=1e-4),
    "rmsprop_centered": lambda p: torch.optim.RMSprop([p], lr=1e-2, alpha=0.9, centered=True),
}
for name, make in configs.items():
    p = p0.clone().requires_grad_(True)
    opt = make(p)
    trace = []
    for g in gs:
        p.grad = g.clone()
        opt.step()
        trace.append(p.detach().clone())
    put("optim", **{name: torch.stack(trace)})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.safetensors")
save_file(out, path, metadata={"generator": "Tests/Fixtures/make_golden.py", "torch": torch.__version__})
print(f"wrote {len(out)} tensors to {path} ({os.path.getsize(path)} bytes)")
