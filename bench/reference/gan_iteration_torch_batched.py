"""PyTorch reference of one cycle-GAN training iteration with the class GANs batched, for
bench/gan-iteration.ts: the peer that counts, the iteration a PyTorch user would write for a fold's
classes trained together (stacked weights [C, in, out] and torch.baddbmm, one optimiser over all
classes), as serflow's batched trainer does (compute/cyclegan/trainer.ts).

The same losses and shapes as compute/cyclegan and as gan_iteration_torch.py (the sequential one):
per class, two joint G+F updates (adversarial + cycle (MSE, weight 1) + frozen-classifier
cross-entropy towards the class (weight 1)), each on a fresh batch of 64 source and 64 target
rows, then one joint D^T + D^S update on the last batch and its detached fakes, with the WGAN-div
penalty k E||grad_u f(u)||^p (k = 2, p = 6) at the real and fake points (or CE with real label 0.9).
Generators: residual MLPs D -> 800 -> 800 -> D; discriminators: patch MLP (slices of 128,
128 -> 128 -> 128 -> 1, mean over slices) or MLP (D -> 800 -> 800 -> 1); classifier D -> 256 -> 5;
leaky ReLU 0.2; Adam(2e-4, 0.5, 0.999); Glorot-uniform weights. The per-class losses are summed,
so each class's weights get the gradient of its own loss.

    python gan_iteration_torch_batched.py --dims 88,988,2185,6373 --repeats 5 [--classes 5] [--loss wdiv|ce] [--discriminator patch|mlp]

Prints the JSON of gan_iteration_torch.py's `report`, each result with its "classes".
"""
import math

import torch
import torch.nn.functional as F

from gan_iteration_torch import SLOPE, arguments, report, timed


def xavier(c, i, o):
    a = math.sqrt(6.0 / (i + o))
    return (torch.rand(c, i, o) * 2 - 1) * a


class BMLP:
    def __init__(self, c, sizes):
        self.ws = [xavier(c, sizes[k], sizes[k + 1]).requires_grad_() for k in range(len(sizes) - 1)]
        self.bs = [torch.zeros(c, 1, sizes[k + 1], requires_grad=True) for k in range(len(sizes) - 1)]

    def params(self):
        return self.ws + self.bs

    def __call__(self, x):  # x [C, N, in]
        for k, (w, b) in enumerate(zip(self.ws, self.bs)):
            x = torch.baddbmm(b, x, w)
            if k + 1 < len(self.ws):
                x = F.leaky_relu(x, SLOPE)
        return x


class Gen:
    def __init__(self, c, dim, hidden):
        self.net = BMLP(c, [dim, *hidden, dim])

    def params(self):
        return self.net.params()

    def __call__(self, x):
        return x + self.net(x)


class Disc:
    """[C, N, D] -> scores [C, N]: 'patch' scores slices of `patch` features and averages them; 'mlp' scores the vector."""

    def __init__(self, c, dim, kind, patch, hidden):
        self.kind, self.dim, self.patch = kind, dim, min(patch, dim)
        self.patches = math.ceil(dim / self.patch)
        self.net = BMLP(c, [self.patch if kind == "patch" else dim, *hidden, 1])

    def params(self):
        return self.net.params()

    def __call__(self, x):
        c, n, _ = x.shape
        if self.kind == "mlp":
            return self.net(x).reshape(c, n)
        pad = self.patches * self.patch - self.dim
        if pad:
            x = F.pad(x, (0, pad))
        return self.net(x.reshape(c, n * self.patches, self.patch)).reshape(c, n, self.patches).mean(2)


def penalty(d, u, k=2.0, p=6.0):
    u = u.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(d(u).sum(), u, create_graph=True)
    return k * g.pow(2).sum(2).pow(p / 2).mean(1).sum()


def bench(dim, repeats, classes, loss, kind):
    torch.manual_seed(1)
    batch, hidden = 64, [800, 800]
    d_hidden = [128, 128] if kind == "patch" else hidden
    source = torch.randn(400, dim)
    target = torch.randn(classes, 80, dim)
    g, f = Gen(classes, dim, hidden), Gen(classes, dim, hidden)
    dt, ds = Disc(classes, dim, kind, 128, d_hidden), Disc(classes, dim, kind, 128, d_hidden)
    clf = torch.nn.Sequential(torch.nn.Linear(dim, 256), torch.nn.LeakyReLU(SLOPE), torch.nn.Linear(256, classes))
    for q in clf.parameters():
        q.requires_grad_(False)
    opt_g = torch.optim.Adam(g.params() + f.params(), lr=2e-4, betas=(0.5, 0.999), foreach=True)
    opt_d = torch.optim.Adam(dt.params() + ds.params(), lr=2e-4, betas=(0.5, 0.999), foreach=True)
    label = torch.arange(classes).repeat_interleave(batch)

    def draw():
        s = torch.stack([source[torch.randperm(400)[:batch]] for _ in range(classes)])
        t = torch.stack([target[c][torch.randperm(80)[:batch]] for c in range(classes)])
        return s, t

    def iteration():
        for _ in range(2):
            s, t = draw()
            fake_t, fake_s = g(s), f(t)
            cyc = ((f(fake_t) - s) ** 2).mean((1, 2)).sum() + ((g(fake_s) - t) ** 2).mean((1, 2)).sum()
            st, ss = dt(fake_t), ds(fake_s)
            adv = (st.mean(1) + ss.mean(1)).sum() if loss == "wdiv" else (F.softplus(-st).mean(1) + F.softplus(-ss).mean(1)).sum()
            cls = F.cross_entropy(clf(fake_t.reshape(classes * batch, dim)), label) * classes
            opt_g.zero_grad(set_to_none=True)
            (adv + cyc + cls).backward()
            opt_g.step()
        fake_t, fake_s = fake_t.detach(), fake_s.detach()
        total = 0
        for d, real, fake in ((dt, t, fake_t), (ds, s, fake_s)):
            both = torch.cat([real, fake], 1)
            sc = d(both)
            r, fk = sc[:, :batch], sc[:, batch:]
            if loss == "wdiv":
                total = total + (r.mean(1) - fk.mean(1)).sum() + penalty(d, both)
            else:
                total = total + (0.9 * F.softplus(-r).mean(1) + 0.1 * F.softplus(r).mean(1) + F.softplus(fk).mean(1)).sum()
        opt_d.zero_grad(set_to_none=True)
        total.backward()
        opt_d.step()

    return {"dim": dim, "classes": classes, **timed(iteration, repeats)}


if __name__ == "__main__":
    a = arguments()
    report([bench(int(d), a.repeats, a.classes, a.loss, a.discriminator) for d in a.dims.split(",")])
