"""Makes the POT/numpy fixtures that the metric tests in metrics/tests/ compare with.

Run from the repository root:  python3 bench/scripts/make_metric_fixtures.py
Writes metrics/tests/fixtures/: one pair of point files per case (float32 .npy, so that the
values are exact in both float32 and float64; everything is computed in float64 from them),
the sliced-W2 directions (float64 .npy, one unit vector per row), and metrics.json with:

- w2:      ot.emd2(a, b, ot.dist(x, y)) with numItermax=1e7 (POT's default 1e5 stops early from
           n ~ 2000): W2^2 with cost |x-y|^2. `pot_warning` records any POT warning.
- sliced:  ot.sliced_wasserstein_distance(x, y, p=2, projections=theta.T) ** 2 with the same
           directions theta that the test reads (POT returns the square root).
- sinkhorn_div: S = OT(x,y) - (OT(x,x) + OT(y,y))/2 with OT_eps = min <P,C> + eps KL(P|a x b) and
           the suite's cost C = |x-y|^2/2 (so POT's reg = our eps), each OT term the dual value
           a.f + b.g of ot.sinkhorn(..., method='sinkhorn_log', stopThr=1e-13). POT's own
           ot.bregman.empirical_sinkhorn_divergence debiases <P,C> without the entropy term (a
           different quantity): recorded as `pot_empirical_sinkhorn_divergence` for reference only.
- fid:     FID's usual formula |m1-m2|^2 + tr(S1 + S2 - 2 sqrtm(S1 S2)) with scipy.linalg.sqrtm
           and np.cov (n-1), a computation independent of ours (we use (S1^1/2 S2 S1^1/2)^1/2).
- energy:  2 mean|x-y| - mean|x-x'| - mean|y-y'| over all pairs (V-statistic), scipy cdist.
"""
import json
import os
import warnings

import numpy as np
import ot
import scipy
import scipy.linalg
from scipy.spatial.distance import cdist

OUT = os.path.join("metrics", "tests", "fixtures")

# name, n, m, D, seed, sinkhorn eps (None: no Sinkhorn divergence), sliced directions
CASES = [
    ("n10_d2", 10, 10, 2, 11, None, 0),
    ("n200_d2", 200, 200, 2, 12, 0.1, 50),
    ("n1000_d2", 1000, 1000, 2, 13, None, 50),
    ("n200_d64", 200, 200, 64, 14, None, 50),
    ("n1000_d64", 1000, 1000, 64, 15, None, 0),
    ("n300_m200_d8", 300, 200, 8, 16, 1.0, 40),
]


def ot_eps(x, y, eps):
    a, b = np.full(len(x), 1.0 / len(x)), np.full(len(y), 1.0 / len(y))
    cost = ot.dist(x, y, metric="sqeuclidean") / 2.0
    _, log = ot.sinkhorn(a, b, cost, eps, method="sinkhorn_log", stopThr=1e-13,
                         numItermax=1_000_000, log=True)
    f, g = eps * (log["log_u"] - np.log(a)), eps * (log["log_v"] - np.log(b))
    return float(a @ f + b @ g), float(log["err"][-1])


def main():
    os.makedirs(OUT, exist_ok=True)
    records = []
    for name, n, m, d, seed, eps, n_dirs in CASES:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, d)).astype(np.float32)
        y = (rng.normal(size=(m, d)) @ np.diag(np.linspace(0.5, 1.5, d)) + 0.5).astype(np.float32)
        np.save(os.path.join(OUT, f"{name}_x.npy"), x)
        np.save(os.path.join(OUT, f"{name}_y.npy"), y)
        x, y = x.astype(np.float64), y.astype(np.float64)
        rec = {"name": name, "n": n, "m": m, "dim": d, "seed": seed,
               "pot_version": ot.__version__, "numpy_version": np.__version__,
               "scipy_version": scipy.__version__}
        if n == m:
            a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rec["w2"] = float(ot.emd2(a, b, ot.dist(x, y), numItermax=10_000_000))
            rec["pot_warning"] = "; ".join(str(w.message) for w in caught)
        if n_dirs:
            theta = rng.normal(size=(n_dirs, d))
            theta /= np.linalg.norm(theta, axis=1, keepdims=True)
            np.save(os.path.join(OUT, f"{name}_directions.npy"), theta)
            sw = ot.sliced_wasserstein_distance(x, y, n_projections=n_dirs, p=2,
                                                projections=theta.T)
            rec["sliced_w2_squared"] = float(sw) ** 2
            rec["directions"] = n_dirs
        if eps is not None:
            ab, e1 = ot_eps(x, y, eps)
            aa, e2 = ot_eps(x, x, eps)
            bb, e3 = ot_eps(y, y, eps)
            rec["eps"] = eps
            rec["ot_eps"] = {"ab": ab, "aa": aa, "bb": bb}
            rec["sinkhorn_pot_errors"] = [e1, e2, e3]
            rec["sinkhorn_div"] = ab - 0.5 * (aa + bb)
            rec["pot_empirical_sinkhorn_divergence"] = float(
                ot.bregman.empirical_sinkhorn_divergence(x, y, 2 * eps, numIterMax=100_000))
        mx, my = x.mean(0), y.mean(0)
        cx, cy = np.atleast_2d(np.cov(x.T)), np.atleast_2d(np.cov(y.T))
        root = scipy.linalg.sqrtm(cx @ cy).real
        rec["fid"] = float(((mx - my) ** 2).sum() + np.trace(cx + cy - 2 * root))
        rec["energy"] = float(2 * cdist(x, y).mean() - cdist(x, x).mean() - cdist(y, y).mean())
        records.append(rec)
        print(name, {k: v for k, v in rec.items() if k in
                     ("w2", "pot_warning", "sliced_w2_squared", "sinkhorn_div", "fid", "energy")})
    with open(os.path.join(OUT, "metrics.json"), "w") as fh:
        json.dump(records, fh, indent=1)


if __name__ == "__main__":
    main()
