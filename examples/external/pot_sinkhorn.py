"""An external solver with POT: discrete Sinkhorn on the training samples, extended out of
sample (Pooladian & Niles-Weed 2021): pi(y_j | x) ∝ exp((g_j - |x - y_j|^2 / 2) / eps) over the
target samples, g the target potential. The same problem as the suite's `sinkhorn`.

Run by `compare --external pot-sinkhorn="python3 examples/external/pot_sinkhorn.py"`
(`pip install pot numpy`); the contract is in docs/external-solvers.md.
"""
import json
import os

import numpy as np
import ot

d = os.environ["EOT_DIR"]
req = json.load(open(os.path.join(d, "request.json")))
eps = req["eps"]
rng = np.random.default_rng(req["seed"])
x = np.load(os.path.join(d, req["source"]))
y = np.load(os.path.join(d, req["target"]))
n, m = len(x), len(y)

# Our cost |x-y|^2/2 as the matrix, so POT's reg is our eps; the stopping rule as ours.
cost = ot.dist(x, y) / 2
_, log = ot.sinkhorn(np.full(n, 1 / n), np.full(m, 1 / m), cost, eps,
                     method="sinkhorn_log", stopThr=1e-6, numItermax=100000, log=True)
g = eps * log["log_v"]  # the target potential, up to a constant

for r in req["requests"]:
    q = np.load(os.path.join(d, r["queries"]))
    k = r["draws"]
    logits = (g[None, :] - ot.dist(q, y) / 2) / eps
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    picks = np.array([rng.choice(m, size=k, p=row) for row in p])
    np.save(os.path.join(d, r["out"]), y[picks])
