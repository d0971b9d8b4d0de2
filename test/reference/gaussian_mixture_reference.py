"""Reference for compute/gaussian-mixture/gaussian-mixture.ts: scikit-learn's GaussianMixture.

Reads one JSON object on stdin:
  {"train": [[...], ...], "heldOut": [[...], ...], "components": k, "covariance": "full"|"diag",
   "regCovar": 1e-6, "maxIter": 100, "tol": 1e-3, "nInit": 1}
fits GaussianMixture(n_components=k, covariance_type=..., reg_covar=..., max_iter=..., tol=...,
n_init=..., random_state=0) on the training rows and prints JSON:
  {"trainScore": mean log-likelihood of the training rows (GaussianMixture.score),
   "heldOutScore": the same on the held-out rows (null without them),
   "converged": bool, "iterations": int, "lowerBound": float,
   "weights": [k], "means": [k x d], "covariances": [k x d] ('diag') or [k x d x d] ('full')}
Runs with ~/.cache/serflow/venv/bin/python.
"""
import json
import sys
import warnings

import numpy as np
from sklearn.mixture import GaussianMixture


def main():
    spec = json.load(sys.stdin)
    train = np.asarray(spec['train'], dtype=np.float64)
    held_out = np.asarray(spec.get('heldOut') or [], dtype=np.float64)
    gm = GaussianMixture(
        n_components=spec['components'],
        covariance_type=spec['covariance'],
        reg_covar=spec.get('regCovar', 1e-6),
        max_iter=spec.get('maxIter', 100),
        tol=spec.get('tol', 1e-3),
        n_init=spec.get('nInit', 1),
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # a non-converged fit is reported in the output instead
        gm.fit(train)
    json.dump({
        'trainScore': float(gm.score(train)),
        'heldOutScore': float(gm.score(held_out)) if len(held_out) else None,
        'converged': bool(gm.converged_),
        'iterations': int(gm.n_iter_),
        'lowerBound': float(gm.lower_bound_),
        'weights': gm.weights_.tolist(),
        'means': gm.means_.tolist(),
        'covariances': gm.covariances_.tolist(),
    }, sys.stdout)


if __name__ == '__main__':
    main()
