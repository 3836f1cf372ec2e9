"""Full-batch L-BFGS for a model (Lecture 7, L7947-8033: "good if you can afford full batch updates").

The model's parameter dict is flattened into one float64 vector; ``scipy.optimize.minimize`` with
``method="L-BFGS-B"`` is given ``model.loss(X, y)``'s value and flattened gradient. Deterministic; not for
minibatches (the noisy gradients break its curvature estimates).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


def _flatten(params: dict[str, np.ndarray], names: list[str]) -> np.ndarray:
    return np.concatenate([params[n].ravel().astype(np.float64) for n in names])


def _unflatten_into(vec: np.ndarray, params: dict[str, np.ndarray], names: list[str]) -> None:
    i = 0
    for n in names:
        size = params[n].size
        params[n][...] = vec[i : i + size].reshape(params[n].shape)
        i += size


def lbfgs_train(model, X: np.ndarray, y: np.ndarray, max_iter: int = 200, tol: float = 1e-10) -> dict:
    """Minimize ``model.loss(X, y)`` over all of ``model.params`` with L-BFGS-B, updating them in place.

    Returns a dict with ``loss`` (final), ``iterations``, ``evaluations``, ``converged`` and ``message``.
    """
    names = sorted(model.params)

    def fun(vec):
        _unflatten_into(vec, model.params, names)
        loss, grads = model.loss(X, y)
        return float(loss), _flatten(grads, names)

    res = minimize(
        fun,
        _flatten(model.params, names),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "ftol": tol, "gtol": tol},
    )
    _unflatten_into(res.x, model.params, names)
    return {
        "loss": float(res.fun),
        "iterations": int(res.nit),
        "evaluations": int(res.nfev),
        "converged": bool(res.success),
        "message": str(res.message),
    }
