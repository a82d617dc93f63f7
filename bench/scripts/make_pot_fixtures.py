"""Makes the POT fixtures that the Sinkhorn tests match to 1e-6 relative.

Run from the repository root:  python3 bench/scripts/make_pot_fixtures.py
Writes solvers/tests/fixtures/pot_sinkhorn_*.json. Convention: our cost is |x-y|^2/2 with
regulariser eps; passing POT that cost matrix, its `reg` equals our eps. POT's log-domain solver
returns log_u, log_v with plan P = diag(u) K diag(v), K = exp(-M/reg), so our potentials are
f = reg * (log_u - log a) and g = reg * (log_v - log b), and the dual value is a.f + b.g.
"""
import json
import os

import numpy as np
import ot

CASES = [  # (n, m, D, eps, seed)
    (300, 250, 2, 0.1, 1),
    (400, 350, 2, 1.0, 2),
    (200, 220, 16, 0.1, 3),
    (500, 450, 16, 1.0, 4),
]


def main():
    out_dir = os.path.join("solvers", "tests", "fixtures")
    os.makedirs(out_dir, exist_ok=True)
    for n, m, d, eps, seed in CASES:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(n, d))
        y = rng.normal(size=(m, d)) @ np.diag(np.linspace(0.5, 1.5, d)) + 0.5
        a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
        cost = ot.dist(x, y, metric="sqeuclidean") / 2.0
        _, log = ot.sinkhorn(a, b, cost, eps, method="sinkhorn_log", stopThr=1e-13,
                             numItermax=1_000_000, log=True)
        f = eps * (log["log_u"] - np.log(a))
        g = eps * (log["log_v"] - np.log(b))
        record = {
            "pot_version": ot.__version__, "numpy_version": np.__version__,
            "n": n, "m": m, "dim": d, "eps": eps, "seed": seed, "stopThr": 1e-13,
            "pot_iterations": int(log["niter"]), "pot_error": float(log["err"][-1]),
            "x": x.ravel().tolist(), "y": y.ravel().tolist(),
            "f": f.tolist(), "g": g.tolist(), "dual_value": float(a @ f + b @ g),
        }
        path = os.path.join(out_dir, f"pot_sinkhorn_n{n}_d{d}_eps{eps:g}.json")
        with open(path, "w") as fh:
            json.dump(record, fh)
        print(path, "iterations", record["pot_iterations"], "err", record["pot_error"],
              "dual", record["dual_value"])


if __name__ == "__main__":
    main()
