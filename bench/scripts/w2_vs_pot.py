"""Exact W2 side by side: POT's ot.emd2 (network simplex) against `eot metric --name w2`.

Run from the repository root after `cargo build --release` (needs `pip install POT numpy`):
    python3 bench/scripts/w2_vs_pot.py --sizes 1000,4000 --dims 2
Both sides get the same float64 points (x ~ N(0, I), y ~ N(0.5, diag(0.5..1.5)^2)). POT is timed
on ot.dist + ot.emd2 with numItermax=1e7 (its default 1e5 stops early from n ~ 2000, with a
warning); ours is the solver time that `eot metric` reports on stderr (file loading excluded)
and the whole process wall time. Prints a markdown table.
"""
import argparse
import os
import re
import subprocess
import tempfile
import time
import warnings

import numpy as np
import ot

EOT = os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "eot")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,4000")
    ap.add_argument("--dims", default="2")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in [int(v) for v in args.dims.split(",")]:
            for n in [int(v) for v in args.sizes.split(",")]:
                rng = np.random.default_rng(args.seed)
                x = rng.normal(size=(n, d))
                y = rng.normal(size=(n, d)) * np.linspace(0.5, 1.5, d) + 0.5
                px, py = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
                np.save(px, x)
                np.save(py, y)
                a = np.full(n, 1.0 / n)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    t0 = time.perf_counter()
                    pot = float(ot.emd2(a, a, ot.dist(x, y), numItermax=10_000_000))
                    pot_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                out = subprocess.run([EOT, "metric", "--name", "w2", "--a", px, "--b", py],
                                     capture_output=True, text=True, check=True)
                wall = time.perf_counter() - t0
                ours = float(out.stdout.strip().splitlines()[-1])
                solve_s = float(re.search(r"([0-9.]+) s$", out.stderr.strip()).group(1))
                rows.append((n, d, pot_s, solve_s, wall, pot_s / solve_s, pot, ours,
                             abs(ours - pot) / pot, "yes" if caught else ""))
                print(rows[-1], flush=True)
    print(f"\nPOT {ot.__version__}, numpy {np.__version__}\n")
    print("| n | D | POT emd2 s | ours s (solver) | ours s (process) | speed-up | POT W2^2 | ours W2^2 | rel. diff | POT warned |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]:.3f} | {r[3]:.3f} | {r[4]:.3f} | {r[5]:.1f}x | {r[6]:.10g} | {r[7]:.10g} | {r[8]:.1e} | {r[9]} |")


if __name__ == "__main__":
    main()
