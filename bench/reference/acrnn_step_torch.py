"""PyTorch reference of one ACRNN training step, for bench/acrnn-step.ts.

The network of compute/nn/acrnn-network.ts, layer for layer, in PyTorch's own layers (what a
PyTorch user would write): five 5x3 convolutions (128, then 256 maps; same padding, NCHW, as
PyTorch lays images out), max pooling 2x4 after the first, leaky ReLU 0.01 after each; a linear
layer of 768 per pooled time step over its frequency x maps values; a bidirectional LSTM of 128
cells per direction (nn.LSTM); attention pooling over time with one scoring vector u (softmax of
u . h_t over t, weighted sum: compute/nn/attention-pooling.ts); a fully connected layer of 64
without bias, batch normalisation (eps 1e-3, momentum 0.01 = Keras's 0.99), leaky ReLU; a dense
layer to the classes; mean softmax cross-entropy; Adam (1e-5, betas 0.9/0.999, eps 1e-8).

It runs as a server so that bench/acrnn-step.ts can alternate it with tfjs in one run: it
builds the model and a batch, prints one JSON line describing itself, then answers commands on
stdin, one JSON line each:

    step N    N timed training steps: {"ms": [...], "cpuMs": [...]}
    split N   N timed forward+backward passes of each part alone, on inputs of the shapes the
              network gives it (the gradients w.r.t. its parameters and, after the first part,
              its input), and N Adam updates alone: {"conv": [...], "linear": [...], "lstm": [...],
              "head": [...], "adam": [...]} in ms
    quit

    python acrnn_step_torch.py [--batch 40] [--frames 300] [--bands 40] [--channels 3] [--classes 7]
                               [--conv-maps 128,256,256,256,256] [--linear 768] [--lstm 128] [--fc 64]

Threads: TORCH_THREADS, else the CPU count (bench/acrnn-step.ts passes tfjs's intra-op count).
"""
import argparse
import json
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.cpu_count() or 1)))
SLOPE = 0.01


class ConvStack(nn.Module):
    def __init__(self, channels, maps, kernel, pool):
        super().__init__()
        self.pool = pool
        sizes = [channels, *maps]
        self.convs = nn.ModuleList(nn.Conv2d(sizes[i], sizes[i + 1], kernel, padding="same") for i in range(len(maps)))

    def forward(self, x):  # x [batch, channels, frames, bands]
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i == 0:
                x = F.max_pool2d(x, self.pool)
            x = F.leaky_relu(x, SLOPE)
        return x  # [batch, maps, time, frequency]


class Linear(nn.Module):
    def __init__(self, inputs, units):
        super().__init__()
        self.dense = nn.Linear(inputs, units)

    def forward(self, h):  # [batch, maps, time, frequency] -> [time, batch, units]
        b, m, t, f = h.shape
        per_step = h.permute(2, 0, 3, 1).reshape(t, b, f * m)
        return F.leaky_relu(self.dense(per_step), SLOPE)


class Head(nn.Module):
    """Attention pooling, fully connected + batch norm + leaky ReLU, dense to the classes, loss."""

    def __init__(self, features, fc, classes):
        super().__init__()
        self.u = nn.Parameter(torch.zeros(features, 1))
        self.fc = nn.Linear(features, fc, bias=False)
        self.bn = nn.BatchNorm1d(fc, eps=1e-3, momentum=0.01)
        self.out = nn.Linear(fc, classes)

    def forward(self, h, y):  # h [time, batch, features]
        weights = torch.softmax((h @ self.u).squeeze(2), dim=0)  # [time, batch]
        pooled = (weights.unsqueeze(2) * h).sum(0)
        hidden = F.leaky_relu(self.bn(self.fc(pooled)), SLOPE)
        return F.cross_entropy(self.out(hidden), y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=40)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--bands", type=int, default=40)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--classes", type=int, default=7)
    ap.add_argument("--conv-maps", default="128,256,256,256,256")
    ap.add_argument("--linear", type=int, default=768)
    ap.add_argument("--lstm", type=int, default=128)
    ap.add_argument("--fc", type=int, default=64)
    a = ap.parse_args()
    maps = [int(m) for m in a.conv_maps.split(",")]
    kernel, pool = (5, 3), (2, 4)
    torch.manual_seed(1)
    conv = ConvStack(a.channels, maps, kernel, pool)
    time_steps, frequency = a.frames // pool[0], a.bands // pool[1]
    linear = Linear(frequency * maps[-1], a.linear)
    lstm = nn.LSTM(a.linear, a.lstm, bidirectional=True)
    head = Head(2 * a.lstm, a.fc, a.classes)
    parts = [conv, linear, lstm, head]
    params = [p for part in parts for p in part.parameters()]
    opt = torch.optim.Adam(params, lr=1e-5, betas=(0.9, 0.999), eps=1e-8)
    x = torch.randn(a.batch, a.channels, a.frames, a.bands)
    y = torch.randint(0, a.classes, (a.batch,))

    def step():
        loss = head(lstm(linear(conv(x)))[0], y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    def timed(fn, n):
        ms, cpu = [], []
        for _ in range(n):
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            ms.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        return ms, cpu

    # Inputs of each part alone, of the shapes the network gives it.
    with torch.no_grad():
        h_conv = conv(x)
        h_linear = linear(h_conv)
        h_lstm = lstm(h_linear)[0]

    def part(fn, inp, probe=None):
        """Forward and backward of one part: the gradients of sum(out * probe) (or of the loss) w.r.t. its parameters and, except for the data, its input."""
        def run():
            i = inp if inp is x else inp.detach().requires_grad_(True)
            out = fn(i)
            (out if probe is None else (out * probe).sum()).backward()
        return run

    splits = {
        "conv": part(conv, x, torch.randn_like(h_conv)),
        "linear": part(linear, h_conv, torch.randn_like(h_linear)),
        "lstm": part(lambda h: lstm(h)[0], h_linear, torch.randn_like(h_lstm)),
        "head": part(lambda h: head(h, y), h_lstm),
    }

    def adam():
        for p in params:
            if p.grad is None:
                p.grad = torch.full_like(p, 1e-3)
        opt.step()

    blas = next((part.split("=", 1)[1] for part in torch.__config__.show().replace(",", "\n").split("\n") if "BLAS_INFO=" in part), "?")
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "cpuCapability": torch.backends.cpu.get_cpu_capability(),
                      "blas": blas.strip(), "mkldnn": torch.backends.mkldnn.is_available(), "parameters": sum(p.numel() for p in params)}), flush=True)
    for line in sys.stdin:
        cmd, *rest = line.split()
        n = int(rest[0]) if rest else 1
        if cmd == "quit":
            break
        if cmd == "step":
            ms, cpu = timed(step, n)
            print(json.dumps({"ms": ms, "cpuMs": cpu}), flush=True)
        elif cmd == "split":
            out = {name: timed(fn, n)[0] for name, fn in splits.items()}
            for p in params:
                p.grad = None
            out["adam"] = timed(adam, n)[0]
            print(json.dumps(out), flush=True)
        else:
            print(json.dumps({"error": f"unknown command {cmd}"}), flush=True)


if __name__ == "__main__":
    main()
