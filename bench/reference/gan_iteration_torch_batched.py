"""PyTorch reference of one cycle-GAN training iteration with the class GANs batched, for
bench/gan-iteration.ts: the peer that counts, the iteration a PyTorch user would write for a fold's
classes trained together (stacked weights [C, in, out] and torch.baddbmm, one optimiser over all
classes), as serflow's batched trainer does (compute/cyclegan/trainer.ts).

The same losses and shapes as compute/cyclegan and as gan_iteration_torch.py (the sequential one):
per class, two (--generator-steps) joint G+F updates (adversarial + cycle (MSE, weight 1) +
frozen-classifier cross-entropy towards the class (weight 1)), each on a fresh batch of 64 source
and 64 target rows, then one joint D^T + D^S update on the last batch and its detached fakes, with the WGAN-div
penalty k E||grad_u f(u)||^p (k = 2, p = 6) at the real and fake points (or CE with real label 0.9).
Generators: residual MLPs D -> 800 -> 800 -> D (--hidden); discriminators: patch MLP (slices of
128 (--patch-size), 128 -> 128 -> 128 -> 1 (--discriminator-hidden), mean over slices) or MLP
(D -> 800 -> 800 -> 1); classifier D -> 256 -> 5;
leaky ReLU 0.2; Adam(2e-4, 0.5, 0.999); Glorot-uniform weights. The per-class losses are summed,
so each class's weights get the gradient of its own loss.

    python gan_iteration_torch_batched.py --dims 88,988,2185,6373 --repeats 5 [--classes 5] [--loss wdiv|ce] [--discriminator patch|mlp]
                                          [shape options of gan_iteration_torch.py]

Prints the JSON of gan_iteration_torch.py's `report`, each result with its "classes".

Whole training (bench/gan-fold.ts): `--adversarial-iterations N` (with `--pretrain-iterations M`)
runs a GAN training as CycleGanTrainer.trainFold does and times it whole instead of single
iterations: M pretraining iterations (each ONE generator step with the cycle loss alone, no
discriminator or classifier: trainer.ts generatorStep(pretrain=true)), then a fresh generator
optimiser and N adversarial iterations, with `--batch` rows per class drawn from `--source-rows`
source rows and `--target-rows` rows per class (the real fold's counts). `--freeze-critics`
takes no discriminator weight gradients in the generator steps (requires_grad off, as the CycleGAN
reference implementation does), which the tfjs trainer does not compute either;
`--one-pass-penalty` takes the WGAN-div critic term and penalty from one critic pass instead of
two, as the tfjs trainer does (`one_pass_critic_loss`). Both are off by default, so that
bench/gan-iteration.ts measures what it always did, and work in the iteration mode too. A whole
training's result holds "pretrainS", "adversarialS", "wallS", "cpuS" (process CPU time, all
threads) and the counts it ran; nothing is warmed up.

With both flags the work per iteration is the tfjs trainer's (same networks, batch, steps, loss
terms, matmul shapes). What still differs, on purpose or for want of a way:
- gradients: PyTorch's autograd (a double backward for the penalty); the tfjs trainer writes the
  generators' backward pass and the critic's second-order gradients by hand (fewer kernels, the
  same products): that is what is being compared;
- the auxiliary classifier: random frozen weights here; the tfjs trainer trains it before the
  GANs (CycleGanTrainer.create, which bench/gan-fold.ts times apart);
- bookkeeping: the tfjs trainer also keeps per-class loss records every step, reads them back
  once per epoch (a sync and a finiteness check) and yields to the event loop every iteration;
- fixed here, from the spec there: lr 2e-4 without decay, Adam (0.5, 0.999), leaky slope 0.2,
  loss weights 1, cycle 'mean', WGAN-div k = 2, p = 6 at real and fake points, CE real label 0.9
  (Table 1's values; the work does not depend on them, except wdivSampling 'interpolate');
- data and initial weights: the same sizes and distributions, other values.
"""
import math
import time

import torch
import torch.nn.functional as F

from gan_iteration_torch import SLOPE, arguments, discriminator_hidden, mlp, report, timed


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


class BatchedCycleGan:
    """The class GANs of a fold stacked in one graph, with their data, optimisers and training steps."""

    def __init__(self, dim, classes, a, source_rows=400, target_rows=None, batch=64):
        self.classes, self.dim, self.batch, self.loss = classes, dim, batch, a.loss
        self.generator_steps = a.generator_steps
        self.freeze_critics, self.one_pass_penalty = getattr(a, "freeze_critics", False), getattr(a, "one_pass_penalty", False)
        self.source = torch.randn(source_rows, dim)
        self.target = torch.randn(classes, 80, dim) if target_rows is None else [torch.randn(n, dim) for n in target_rows]
        self.g, self.f = Gen(classes, dim, a.hidden), Gen(classes, dim, a.hidden)
        d_hidden = discriminator_hidden(a)
        self.dt = Disc(classes, dim, a.discriminator, a.patch_size, d_hidden)
        self.ds = Disc(classes, dim, a.discriminator, a.patch_size, d_hidden)
        self.clf = mlp([dim, *a.classifier_hidden, classes])
        for q in self.clf.parameters():
            q.requires_grad_(False)
        self.opt_g = self.generator_optimiser()
        self.opt_d = torch.optim.Adam(self.dt.params() + self.ds.params(), lr=2e-4, betas=(0.5, 0.999), foreach=True)
        self.label = torch.arange(classes).repeat_interleave(batch)

    def generator_optimiser(self):
        return torch.optim.Adam(self.g.params() + self.f.params(), lr=2e-4, betas=(0.5, 0.999), foreach=True)

    def draw(self):
        s = torch.stack([self.source[torch.randperm(self.source.shape[0])[:self.batch]] for _ in range(self.classes)])
        t = torch.stack([self.target[c][torch.randperm(self.target[c].shape[0])[:self.batch]] for c in range(self.classes)])
        return s, t

    def cycle(self, s, t):
        fake_t, fake_s = self.g(s), self.f(t)
        cyc = ((self.f(fake_t) - s) ** 2).mean((1, 2)).sum() + ((self.g(fake_s) - t) ** 2).mean((1, 2)).sum()
        return fake_t, fake_s, cyc

    def pretrain_iteration(self):
        """One reconstruction-only generator step (trainer.ts generatorStep(pretrain=true))."""
        s, t = self.draw()
        _, _, cyc = self.cycle(s, t)
        self.opt_g.zero_grad(set_to_none=True)
        cyc.backward()
        self.opt_g.step()

    def iteration(self):
        critics = self.dt.params() + self.ds.params()
        if self.freeze_critics:
            for q in critics:
                q.requires_grad_(False)
        for _ in range(self.generator_steps):
            s, t = self.draw()
            fake_t, fake_s, cyc = self.cycle(s, t)
            st, ss = self.dt(fake_t), self.ds(fake_s)
            adv = (st.mean(1) + ss.mean(1)).sum() if self.loss == "wdiv" else (F.softplus(-st).mean(1) + F.softplus(-ss).mean(1)).sum()
            cls = F.cross_entropy(self.clf(fake_t.reshape(self.classes * self.batch, self.dim)), self.label) * self.classes
            self.opt_g.zero_grad(set_to_none=True)
            (adv + cyc + cls).backward()
            self.opt_g.step()
        if self.freeze_critics:
            for q in critics:
                q.requires_grad_(True)
        fake_t, fake_s = fake_t.detach(), fake_s.detach()
        batch = self.batch
        total = 0
        for d, real, fake in ((self.dt, t, fake_t), (self.ds, s, fake_s)):
            both = torch.cat([real, fake], 1)
            sc = None if self.loss == "wdiv" and self.one_pass_penalty else d(both)
            r, fk = (None, None) if sc is None else (sc[:, :batch], sc[:, batch:])
            if self.loss == "wdiv" and self.one_pass_penalty:
                total = total + one_pass_critic_loss(d, both, batch)
            elif self.loss == "wdiv":
                total = total + (r.mean(1) - fk.mean(1)).sum() + penalty(d, both)
            else:
                total = total + (0.9 * F.softplus(-r).mean(1) + 0.1 * F.softplus(r).mean(1) + F.softplus(fk).mean(1)).sum()
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        self.opt_d.step()


def one_pass_critic_loss(d, both, n, k=2.0, p=6.0):
    """The WGAN-div critic term and penalty from ONE critic pass over the 2n points, as the tfjs
    trainer computes them (adversarial-loss.ts wdivCriticLossAndPenalty): with weights +1/n (real)
    and -1/n (fake), value = E_real f - E_fake f and its input gradient is w_i grad f(u_i), so
    ||grad f(u_i)||^2 = n^2 ||dvalue/du_i||^2. `penalty` runs a second critic pass for it."""
    u = both.detach().requires_grad_(True)
    c = u.shape[0]
    w = torch.cat([torch.full((c, n), 1.0 / n), torch.full((c, n), -1.0 / n)], 1)
    value = (d(u) * w).sum(1)
    (g,) = torch.autograd.grad(value.sum(), u, create_graph=True)
    return value.sum() + k * (g.pow(2).sum(2) * (n * n)).pow(p / 2).mean(1).sum()


def bench(dim, a):
    torch.manual_seed(1)
    gan = BatchedCycleGan(dim, a.classes, a)
    return {"dim": dim, "classes": a.classes, **timed(gan.iteration, a.repeats)}


def whole_training(dim, a):
    """Pretraining then adversarial iterations, each phase timed whole (wall and process CPU seconds)."""
    torch.manual_seed(a.seed)
    target_rows = [int(n) for n in a.target_rows.split(",")] if a.target_rows else [80] * a.classes
    if len(target_rows) != a.classes:
        raise SystemExit(f"--target-rows gives {len(target_rows)} counts for {a.classes} classes")
    gan = BatchedCycleGan(dim, a.classes, a, source_rows=a.source_rows, target_rows=target_rows, batch=a.batch)
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(a.pretrain_iterations):
        gan.pretrain_iteration()
    t1 = time.perf_counter()
    # A fresh optimiser for the adversarial phase, as the trainer resets its moments (after pretraining only).
    if a.pretrain_iterations > 0:
        gan.opt_g = gan.generator_optimiser()
    for _ in range(a.adversarial_iterations):
        gan.iteration()
    t2 = time.perf_counter()
    return {"dim": dim, "classes": a.classes, "batch": a.batch, "sourceRows": a.source_rows, "targetRows": target_rows,
            "pretrainIterations": a.pretrain_iterations, "adversarialIterations": a.adversarial_iterations,
            "generatorSteps": a.generator_steps, "freezeCritics": a.freeze_critics, "onePassPenalty": a.one_pass_penalty,
            "pretrainS": t1 - t0, "adversarialS": t2 - t1, "wallS": t2 - t0, "cpuS": time.process_time() - c0}


def whole_training_options(ap):
    ap.add_argument("--pretrain-iterations", type=int, default=0)
    ap.add_argument("--adversarial-iterations", type=int, default=0, help="> 0: time one whole training instead of single iterations")
    ap.add_argument("--batch", type=int, default=64, help="rows per class and step (whole training)")
    ap.add_argument("--source-rows", type=int, default=400)
    ap.add_argument("--target-rows", default="", help="rows per class, comma-separated (default 80 each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--freeze-critics", action="store_true", help="no discriminator weight gradients in the generator steps")
    ap.add_argument("--one-pass-penalty", action="store_true", help="wdiv: critic term and penalty from one critic pass (one_pass_critic_loss)")


if __name__ == "__main__":
    a = arguments(whole_training_options)
    run = whole_training if a.adversarial_iterations > 0 else bench
    report([run(int(d), a) for d in a.dims.split(",")])
