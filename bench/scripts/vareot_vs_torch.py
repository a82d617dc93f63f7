#!/usr/bin/env python3
"""VarEOT training speed, side by side: our candle implementation (`eot solve --solver vareot`)
against the same loss written in PyTorch on the CPU, in one run on the same data.

Same MLP (D -> hidden... -> 1, SiLU, both networks), same loss (the authors': K proposals
N(x, eps I) per source point, the inner mean as a float64 log-sum-exp, the exponent clamped as in
our solver), AdamW (lr 3e-4, betas (0.7, 0.8), weight decay 1e-4), gradient clipping, EMA 0.999.
Ours is timed twice: with that loss (`target_proposals=0`, `base=none`) and with the suite's
defaults (half the proposals from the Gaussian plan's conditional, the Gaussian base), which
torch does not implement.

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy
    /tmp/torchenv/bin/python bench/scripts/vareot_vs_torch.py [--dims 2,64] [--batch 256] [--proposals 256]

torch from PyPI pulls its CUDA wheels (~7 GB installed) but runs on the CPU here. Both sides use
every core (torch.set_num_threads = cores; our binary's rayon pool is all cores by default).
Prints one markdown table; the ratio column is ours / torch in steps per second.
"""
import argparse
import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np
import torch


def mlp(d, hidden):
    layers, fan_in = [], d
    for w in hidden:
        layers += [torch.nn.Linear(fan_in, w), torch.nn.SiLU()]
        fan_in = w
    layers.append(torch.nn.Linear(fan_in, 1))
    return torch.nn.Sequential(*layers)


def torch_steps_per_second(x_all, y_all, eps, hidden, batch, k, steps, clamp=30.0, seed=0):
    torch.manual_seed(seed)
    d = x_all.shape[1]
    f, xi = mlp(d, hidden), mlp(d, hidden)
    params = list(f.parameters()) + list(xi.parameters())
    opt = torch.optim.AdamW(params, lr=3e-4, betas=(0.7, 0.8), weight_decay=1e-4)
    ema = [p.detach().clone() for p in params]
    x_all, y_all = torch.from_numpy(x_all).float(), torch.from_numpy(y_all).float()

    def step():
        x = x_all[torch.randint(len(x_all), (batch,))]
        y = y_all[torch.randint(len(y_all), (batch,))]
        z = torch.randn(batch, k, d)
        props = (x[:, None, :] + math.sqrt(eps) * z).reshape(-1, d)
        out = f(torch.cat([props, y])).squeeze(-1).double()
        fz = out[: batch * k].view(batch, k) / eps
        xi_x = xi(x).squeeze(-1).double()
        gap = torch.logsumexp(fz, 1) - math.log(k) - xi_x
        term = gap.clamp(max=clamp).exp() + (gap - clamp).relu() * math.exp(clamp)
        loss = eps * (xi_x.mean() + term.mean()) - out[batch * k:].mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema, params):
                e.mul_(0.999).add_(p.detach(), alpha=0.001)
        return loss.item()

    for _ in range(3):  # warm-up, not timed
        step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    if not math.isfinite(loss):
        raise SystemExit(f"torch loss is {loss}")
    return steps / (time.perf_counter() - start)


def ours_steps_per_second(binary, src, tgt, eps, hidden, batch, k, steps, extra=()):
    cmd = [binary, "solve", "--solver", "vareot", "--eps", str(eps), "--source", src, "--target", tgt,
           "--opt", f"steps={steps}", "--opt", f"batch={batch}", "--opt", f"proposals={k}",
           "--opt", "hidden=" + ",".join(map(str, hidden))]
    for o in extra:
        cmd += ["--opt", o]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    notes = json.loads(out.strip().splitlines()[-1])["notes"]
    line = next(n for n in notes if n.startswith("steps per second"))
    return float(line.split()[3])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dims", default="2,64")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--proposals", type=int, default=256)
    ap.add_argument("--hidden", default="256,256,256")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--eps", type=float, default=1.0)
    ap.add_argument("--binary", default="target/release/eot")
    a = ap.parse_args()
    hidden = [int(w) for w in a.hidden.split(",")]
    cores = os.cpu_count()
    torch.set_num_threads(cores)
    rng = np.random.default_rng(0)
    print(f"torch {torch.__version__}, {cores} cores, batch {a.batch}, K {a.proposals}, hidden {a.hidden}, "
          f"{a.steps} timed steps each\n")
    print("| D | ours, same loss, steps/s | ours, defaults, steps/s | torch steps/s "
          "| same loss / torch | defaults / torch |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for d in [int(v) for v in a.dims.split(",")]:
            x = rng.standard_normal((2000, d))
            y = rng.standard_normal((2000, d)) * 0.5 + 1.0
            src, tgt = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
            np.save(src, x)
            np.save(tgt, y)
            sizes = (a.eps, hidden, a.batch, a.proposals, a.steps)
            same = ours_steps_per_second(a.binary, src, tgt, *sizes,
                                         extra=("target_proposals=0", "base=none"))
            ours = ours_steps_per_second(a.binary, src, tgt, *sizes)
            theirs = torch_steps_per_second(x, y, *sizes)
            print(f"| {d} | {same:.2f} | {ours:.2f} | {theirs:.2f} | {same / theirs:.2f} "
                  f"| {ours / theirs:.2f} |", flush=True)


if __name__ == "__main__":
    main()
