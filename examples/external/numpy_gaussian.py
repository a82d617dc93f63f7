"""An external solver in plain numpy: the EOT plan between the Gaussians moment-matched to the
source and target samples (exact on Gaussian data, a baseline elsewhere).

Run by `compare --external numpy-gaussian="python3 examples/external/numpy_gaussian.py"`;
the contract (EOT_DIR, request.json, samples_<i>.npy) is in docs/external-solvers.md.
"""
import json
import os

import numpy as np

d = os.environ["EOT_DIR"]
req = json.load(open(os.path.join(d, "request.json")))
eps = req["eps"]
rng = np.random.default_rng(req["seed"])
x = np.load(os.path.join(d, req["source"]))
y = np.load(os.path.join(d, req["target"]))


def sqrtm(m):
    w, v = np.linalg.eigh((m + m.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


# The Gaussian EOT plan for the cost |x-y|^2/2 (Janati et al. 2020): pi(y|x) = N(b + M (x - a), S).
a, b = x.mean(0), y.mean(0)
A, B = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
A_half = sqrtm(A)
A_half_inv = np.linalg.inv(A_half)
C = 0.5 * A_half @ sqrtm(4 * A_half @ B @ A_half + eps**2 * np.eye(len(a))) @ A_half_inv
C -= 0.5 * eps * np.eye(len(a))
M = C.T @ np.linalg.inv(A)
S = B - M @ C
L = np.linalg.cholesky((S + S.T) / 2 + 1e-12 * np.eye(len(a)))

for r in req["requests"]:
    q = np.load(os.path.join(d, r["queries"]))
    k = r["draws"]
    means = b + (q - a) @ M.T
    z = rng.standard_normal((len(q), k, len(a)))
    np.save(os.path.join(d, r["out"]), means[:, None, :] + z @ L.T)
