"""PyTorch reference of one cycle-GAN training iteration, for bench/gan-iteration.ts.

The same iteration as compute/cyclegan/trainer.ts, for ONE class (a straightforward
implementation: one class GAN at a time): two joint G+F updates (adversarial + cycle +
frozen-classifier losses), each on a fresh batch of 64, then one joint D^T + D^S update on the
last batch and its detached fakes, with the WGAN-div penalty at real and fake points (or CE).
Generators: residual MLPs D -> 800 -> 800 -> D; discriminators: patch MLP (slices of 128,
128 -> 128 -> 128 -> 1, mean over slices) or MLP; Adam(0.5, 0.999).

    python gan_iteration_torch.py --dims 88,988,2185,6373 --repeats 5 [--loss wdiv|ce] [--discriminator patch|mlp]
                                  [--hidden 800,800] [--patch-size 128] [--discriminator-hidden 128,128]
                                  [--generator-steps 2]

The shape options default to the paper's networks (what bench/gan-iteration.ts measures);
bench/gan-fold.ts passes a config's (configs/table1.yaml: hidden 256,256).

Prints JSON {"torch": version, "threads": n, "cpuCapability", "blas", "results": [{"dim", "msMin",
"msMedian", "msMax", "cpuMsMedian"}]}. gan_iteration_torch_batched.py is the same iteration with the
classes batched; it reuses `arguments`, `timed` and `report` from here.
"""
import argparse
import json
import math
import os
import time

import torch
from torch import nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", os.cpu_count() or 1)))
SLOPE = 0.2


def mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i + 2 < len(sizes):
            layers.append(nn.LeakyReLU(SLOPE))
    for m in layers:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return nn.Sequential(*layers)


class Generator(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.net = mlp([dim, *hidden, dim])

    def forward(self, x):
        return x + self.net(x)


class Discriminator(nn.Module):
    def __init__(self, dim, kind, patch, hidden):
        super().__init__()
        self.kind, self.dim = kind, dim
        self.patch = min(patch, dim)
        self.patches = math.ceil(dim / self.patch)
        self.net = mlp([self.patch if kind == "patch" else dim, *hidden, 1])

    def forward(self, x):
        if self.kind == "mlp":
            return self.net(x).squeeze(1)
        n = x.shape[0]
        pad = self.patches * self.patch - self.dim
        if pad:
            x = F.pad(x, (0, pad))
        return self.net(x.reshape(n * self.patches, self.patch)).reshape(n, self.patches).mean(1)


def penalty(d, u, k=2.0, p=6.0):
    u = u.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(d(u).sum(), u, create_graph=True)
    return k * g.pow(2).sum(1).pow(p / 2).mean()


def bench(dim, a):
    torch.manual_seed(1)
    batch, hidden, loss, kind = 64, a.hidden, a.loss, a.discriminator
    d_hidden = discriminator_hidden(a)
    source = torch.randn(400, dim)
    target = torch.randn(80, dim)
    g, f = Generator(dim, hidden), Generator(dim, hidden)
    dt, ds = Discriminator(dim, kind, a.patch_size, d_hidden), Discriminator(dim, kind, a.patch_size, d_hidden)
    clf = mlp([dim, *a.classifier_hidden, 5])
    for q in clf.parameters():
        q.requires_grad_(False)
    opt_g = torch.optim.Adam(list(g.parameters()) + list(f.parameters()), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(dt.parameters()) + list(ds.parameters()), lr=2e-4, betas=(0.5, 0.999))
    label = torch.zeros(batch, dtype=torch.long)

    def batch_of(x):
        return x[torch.randperm(x.shape[0])[:batch]]

    def iteration():
        for step in range(a.generator_steps):
            s, t = batch_of(source), batch_of(target)
            fake_t, fake_s = g(s), f(t)
            cyc = F.mse_loss(f(fake_t), s) + F.mse_loss(g(fake_s), t)
            st, ss = dt(fake_t), ds(fake_s)
            if loss == "ce":
                adv = F.softplus(-st).mean() + F.softplus(-ss).mean()
            else:
                adv = st.mean() + ss.mean()
            cls = F.cross_entropy(clf(fake_t), label)
            opt_g.zero_grad(set_to_none=True)
            (adv + cyc + cls).backward()
            opt_g.step()
        fake_t, fake_s = fake_t.detach(), fake_s.detach()
        total = 0
        for d, real, fake in ((dt, t, fake_t), (ds, s, fake_s)):
            scores = d(torch.cat([real, fake]))
            r, fk = scores[:batch], scores[batch:]
            if loss == "ce":
                total = total + 0.9 * F.softplus(-r).mean() + 0.1 * F.softplus(r).mean() + F.softplus(fk).mean()
            else:
                total = total + r.mean() - fk.mean() + penalty(d, torch.cat([real, fake]))
        opt_d.zero_grad(set_to_none=True)
        total.backward()
        opt_d.step()

    return {"dim": dim, **timed(iteration, a.repeats)}


def timed(iteration, repeats):
    """Two warm-up iterations, then wall and process CPU time of `repeats` more (ms, min/median/max)."""
    iteration()
    iteration()
    times, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        iteration()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    times.sort()
    cpu.sort()
    return {"msMin": times[0], "msMedian": times[len(times) // 2], "msMax": times[-1], "cpuMsMedian": cpu[len(cpu) // 2]}


def sizes(text):
    """'256,256' -> [256, 256]: layer sizes on the command line."""
    return [int(x) for x in text.split(",")]


def arguments(more=None):
    """The options both references share (the networks' shapes and the iteration's steps); `more` adds a script's own."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", default="88,988,2185,6373")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--loss", default="wdiv")
    ap.add_argument("--discriminator", default="patch")
    ap.add_argument("--classes", type=int, default=5)
    ap.add_argument("--hidden", type=sizes, default=[800, 800], help="generator hidden sizes")
    ap.add_argument("--patch-size", type=int, default=128)
    ap.add_argument("--discriminator-hidden", type=sizes, default=None, help="default: 128,128 for patch, --hidden for mlp (gan-spec.ts)")
    ap.add_argument("--classifier-hidden", type=sizes, default=[256], help="the frozen auxiliary classifier's hidden sizes")
    ap.add_argument("--generator-steps", type=int, default=2, help="generator steps per discriminator step")
    if more is not None:
        more(ap)
    return ap.parse_args()


def discriminator_hidden(a):
    """The discriminators' hidden sizes as gan-spec.ts discriminatorHiddenOf picks them."""
    if a.discriminator_hidden is not None:
        return a.discriminator_hidden
    return [128, 128] if a.discriminator == "patch" else a.hidden


def report(results):
    """The figures and what they were measured with: threads, the CPU code path and BLAS PyTorch uses."""
    blas = next((part.split("=", 1)[1] for part in torch.__config__.show().replace(",", "\n").split("\n") if "BLAS_INFO=" in part), "?")
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "cpuCapability": torch.backends.cpu.get_cpu_capability(),
                      "blas": blas.strip(), "mkldnn": torch.backends.mkldnn.is_available(), "results": results}))


def main():
    a = arguments()
    report([bench(int(d), a) for d in a.dims.split(",")])


if __name__ == "__main__":
    main()
