#!/usr/bin/env python3
"""GPU-vs-CPU agreement of compare runs: pairs DIR/LABEL.cpu.csv with DIR/LABEL.gpu.csv (the
same cells, the same seeds, run with --device cpu and --device cuda), prints one markdown table
of fit times and quality per cell and exits 1 naming every cell whose cBW2-UVP or held-out dual
value differ by more than the solver's tolerance (2 when the runs do not pair up).

    python3 bench/scripts/gpu_agree.py DIR [LABEL ...]

LABELs, when given, are the runs to pair, in the table's order; by default every *.cpu.csv.

Standard library only: it runs on the device machine, which has no registry.

Tolerances, |cpu - gpu| <= rtol * max(|cpu|, |gpu|) + atol, per solver:

- sinkhorn (float64 on both devices: the fused CPU kernel against candle's tensor path, cuBLAS
  dgemm on the GPU). Only the order of the sums differs, about 1e-16 relative per operation, and
  the iterations contract, so the potentials differ near 1e-13. The largest honest difference is
  the stopping rule: where the marginal error of one run crosses 1e-6 one check (10 iterations)
  before the other's, the potentials differ by about that error. rtol 1e-4 leaves two orders of
  magnitude above that.
- gmm (LightSB, float64 parameters and data on both devices, the same seeded mini-batches). The
  CPU inverts the unit-lower factors by substitution, the GPU by a product series: equal in exact
  arithmetic, different rounding, carried through 3000 Adam steps of a non-convex fit from each
  of two starts. rtol 1e-3: wider than sinkhorn because training may amplify rounding, tight
  enough that a wrong kernel (a few per cent at least) fails.
- vareot, egnot (float32 networks). A thousand float32 training steps do not carry rounding
  differences as rounding: another CPU's rounding alone moved a short fit like another seed (the
  quick profile measured seeds giving up to 1.56x the seed-0 cBW2-UVP, see quick_profile.sh). So
  the GPU is held to the seed-to-seed spread, as the neural baselines are: the larger cBW2-UVP at
  most 2x the smaller plus 0.05 points; the dual within 10 % plus 0.5. This catches a broken
  kernel (NaN, a wrong sign, a collapse), not a last-digit change.

A solver with no stated tolerance is an error: whoever adds one decides its precision class.
"""

import csv
import math
import pathlib
import sys

CBW2 = "cBW2-UVP %"
DUAL = "dual (held-out)"
KEY = ("solver", "dataset", "D", "eps", "seed", "n")

# solver -> (rtol, atol) for cBW2-UVP and for the dual, or "seed" for the neural rule.
TOLERANCE = {
    "sinkhorn": ((1e-4, 1e-6), (1e-4, 1e-6)),
    "gmm": ((1e-3, 1e-6), (1e-3, 1e-6)),
    "vareot": "seed",
    "egnot": "seed",
}


def number(text):
    """A CSV cell as a float; None for an empty cell (compare writes nulls as empty)."""
    return float(text) if text.strip() else None


def close(a, b, rtol, atol):
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + atol


def disagreement(solver, cpu, gpu):
    """Why the two rows disagree, or None when they agree."""
    rule = TOLERANCE.get(solver)
    if rule is None:
        return f"no tolerance stated for solver '{solver}' (add it to TOLERANCE)"
    reasons = []
    for column in (CBW2, DUAL):
        a, b = number(cpu[column]), number(gpu[column])
        if a is None and b is None:
            continue
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            reasons.append(f"{column}: cpu {a} gpu {b}")
            continue
        if rule == "seed":
            ok = (max(a, b) <= 2.0 * min(a, b) + 0.05) if column == CBW2 else close(a, b, 0.1, 0.5)
            stated = "2x + 0.05" if column == CBW2 else "rtol 0.1, atol 0.5"
        else:
            rtol, atol = rule[0] if column == CBW2 else rule[1]
            ok = close(a, b, rtol, atol)
            stated = f"rtol {rtol:g}, atol {atol:g}"
        if not ok:
            reasons.append(f"{column}: cpu {a:.6g} gpu {b:.6g} (tolerance {stated})")
    return "; ".join(reasons) or None


def rows(path):
    with open(path, newline="") as f:
        return {tuple(r[k] for k in KEY): r for r in csv.DictReader(f)}


def fmt(text, digits=4):
    v = number(text)
    return "—" if v is None else f"{v:.{digits}g}"


def main(directory, labels):
    directory = pathlib.Path(directory)
    if labels:
        cpu_files = [directory / f"{label}.cpu.csv" for label in labels]
    else:
        cpu_files = sorted(directory.glob("*.cpu.csv"))
    if not cpu_files:
        print(f"gpu_agree: no *.cpu.csv in {directory}", file=sys.stderr)
        return 2
    print("| run | solver | D | eps | n | seed | CPU fit s | GPU fit s | CPU/GPU | "
          "cBW2-UVP % CPU | GPU | dual CPU | GPU | iterations CPU/GPU | agree |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed, broken = [], False
    for cpu_path in cpu_files:
        label = cpu_path.name[: -len(".cpu.csv")]
        gpu_path = directory / f"{label}.gpu.csv"
        if not cpu_path.exists():
            print(f"gpu_agree: {cpu_path} is missing (its CPU run failed?)", file=sys.stderr)
            broken = True
            continue
        if not gpu_path.exists():
            print(f"gpu_agree: {gpu_path} is missing (its GPU run failed?)", file=sys.stderr)
            broken = True
            continue
        cpu_rows, gpu_rows = rows(cpu_path), rows(gpu_path)
        if cpu_rows.keys() != gpu_rows.keys():
            print(f"gpu_agree: {label}: the cpu and gpu runs hold different cells", file=sys.stderr)
            broken = True
        for key in sorted(cpu_rows.keys() & gpu_rows.keys()):
            c, g = cpu_rows[key], gpu_rows[key]
            solver, dataset, dim, eps, seed, n = key
            cell = f"{label}: {solver} {dataset} D={dim} eps={eps} n={n} seed={seed}"
            why = disagreement(solver, c, g)
            if why:
                failed.append(f"{cell}: {why}")
            cpu_s, gpu_s = number(c["fit s"]), number(g["fit s"])
            ratio = f"{cpu_s / gpu_s:.1f}x" if cpu_s and gpu_s else "—"
            print(f"| {label} | {solver} | {dim} | {eps} | {n} | {seed} | {fmt(c['fit s'], 3)} | "
                  f"{fmt(g['fit s'], 3)} | {ratio} | {fmt(c[CBW2])} | {fmt(g[CBW2])} | "
                  f"{fmt(c[DUAL], 6)} | {fmt(g[DUAL], 6)} | {c['iterations']}/{g['iterations']} | "
                  f"{'yes' if not why else 'NO'} |")
    for f in failed:
        print(f"DISAGREE {f}", file=sys.stderr)
    if broken:
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2:]))
