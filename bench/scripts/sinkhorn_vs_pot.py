"""Our Sinkhorn and POT's on the same points, in one run, with the same stopping rule.

Run from the repository root after `cargo build --release`:
    python3 bench/scripts/sinkhorn_vs_pot.py [--sizes 1000,4000,8000] [--dims 2,64] [--eps 1,0.1]

POT: ot.sinkhorn(a, b, M, reg, method='sinkhorn_log', stopThr=1e-6) with M = |x-y|^2/2, so its
reg equals our eps (docs/design.md §1). Ours: `eot solve --solver sinkhorn` with its defaults (f64,
tolerance 1e-6 on |P^T 1 - b|_2 checked every 10 iterations, eps-scaling on). Also reported: the
rate of numpy's vectorised exp on this machine, measured in the same run, and the "exp bound" of
one of our iterations (2 n m exps at that rate times the threads used).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import ot

EOT = os.path.join("target", "release", "eot")


def exp_rate():
    """Exps per second of np.exp in f64 on one core (numpy is single-threaded here)."""
    v = np.random.default_rng(0).uniform(-50, 0, size=4_000_000)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        np.exp(v)
        best = min(best, time.perf_counter() - t)
    return v.size / best


def ours(src, tgt, eps, threads, extra=()):
    """Runs `eot solve` and returns its JSON line."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = [EOT, "solve", "--solver", "sinkhorn", "--eps", str(eps), "--source", src, "--target", tgt, *extra]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(stderr)
    return json.loads(stdout.strip().splitlines()[-1])


def ours_peak_mib(src, tgt, eps, threads, extra=()):
    """Peak RSS (MiB) of one `eot solve` process, from wait4 on that process alone."""
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    cmd = [EOT, "solve", "--solver", "sinkhorn", "--eps", str(eps), "--source", src, "--target", tgt, *extra]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"eot solve failed with status {status}")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def pot(x, y, eps, max_iter):
    a, b = np.full(len(x), 1 / len(x)), np.full(len(y), 1 / len(y))
    t = time.perf_counter()
    cost = ot.dist(x, y, metric="sqeuclidean") / 2.0
    _, log = ot.sinkhorn(a, b, cost, eps, method="sinkhorn_log", stopThr=1e-6, numItermax=max_iter, log=True)
    seconds = time.perf_counter() - t
    dual = float(a @ (eps * (log["log_u"] - np.log(a))) + b @ (eps * (log["log_v"] - np.log(b))))
    return {"seconds": seconds, "iterations": int(log["niter"]), "error": float(log["err"][-1]), "dual_value": dual}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="1000,4000,8000")
    p.add_argument("--dims", default="2,64")
    p.add_argument("--eps", default="1,0.1")
    p.add_argument("--pot-max-iter", type=int, default=2000, help="cap on POT iterations (its time is then a lower bound)")
    p.add_argument("--memory-n", type=int, default=50_000, help="n for the peak-memory run (0: skip)")
    p.add_argument("--ours-opt", action="append", default=[], help="key=value passed to our solver (repeatable)")
    args = p.parse_args()
    rate = exp_rate()
    print(f"POT {ot.__version__}, numpy {np.__version__}; np.exp f64: {rate / 1e9:.2f} G/s on one core; "
          f"our options: {args.ours_opt or 'defaults'}\n")
    print("| n | D | eps | POT s | POT iters | ours s (1 thr) | ours s (2 thr) | ours iters | speed-up (2 thr) "
          "| POT ms/iter | ours ms/iter (2 thr) | exp bound ms/iter (2 thr) | dual rel. diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    tmp = tempfile.mkdtemp()
    for n in map(int, args.sizes.split(",")):
        for d in map(int, args.dims.split(",")):
            rng = np.random.default_rng(n + d)
            x = rng.normal(size=(n, d))
            y = rng.normal(size=(n, d)) * np.linspace(0.5, 1.5, d) + 0.5
            src, tgt = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
            np.save(src, x)
            np.save(tgt, y)
            for eps in map(float, args.eps.split(",")):
                extra = [a for kv in args.ours_opt for a in ("--opt", kv)]
                r1 = ours(src, tgt, eps, 1, extra)
                r2 = ours(src, tgt, eps, 2, extra)
                rp = pot(x, y, eps, args.pot_max_iter)
                per_iter = 1e3 * r2["seconds"] / max(r2["iterations"], 1)
                bound = 1e3 * 2 * n * n / (2 * rate)
                capped = rp["error"] >= 1e-6  # POT stopped on its iteration cap
                rel = "— (POT capped)" if capped else f"{abs(r2['dual_value'] - rp['dual_value']) / abs(rp['dual_value']):.1e}"
                # A capped POT run has not converged: its time is a lower bound, so is the speed-up.
                ge = ">=" if capped else ""
                pot_iters = f">{rp['iterations']}" if capped else str(rp["iterations"])
                print(f"| {n} | {d} | {eps:g} | {ge}{rp['seconds']:.2f} | {pot_iters} | {r1['seconds']:.3f} "
                      f"| {r2['seconds']:.3f} | {r2['iterations']} | {ge}{rp['seconds'] / r2['seconds']:.1f}x "
                      f"| {1e3 * rp['seconds'] / rp['iterations']:.2f} | {per_iter:.2f} | {bound:.2f} | {rel} |", flush=True)
    if args.memory_n:
        n = args.memory_n
        rng = np.random.default_rng(1)
        np.save(src, rng.normal(size=(n, 64)))
        np.save(tgt, rng.normal(size=(n, 64)) + 0.5)
        r, peak = ours_peak_mib(src, tgt, 1.0, 2, ["--opt", "eps_scaling=false", "--opt", "max_iterations=20"])
        print(f"\nn = m = {n}, D = 64, f64, 20 iterations: {r['seconds']:.1f} s, peak RSS of the process "
              f"{peak:.0f} MiB (the n x m cost matrix alone would be {n * n * 8 / 2**30:.1f} GiB)")


if __name__ == "__main__":
    sys.exit(main())
