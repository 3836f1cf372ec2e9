"""Lecture 7's optimizer pictures: trajectories on a 2-D surface, and loss curves for several lrs.

Surfaces (value and gradient of ``p = (x, y)``):

* ``quadratic``: ``0.5 * (x^2 + 20 y^2)`` rotated by 30 degrees, condition number 20: SGD zig-zags
  along the steep direction and crawls along the shallow one (L7407-7440);
* ``rosenbrock``: ``(1 - x)^2 + 10 (y - x^2)^2``, a curved valley with its minimum at (1, 1).
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.models import TwoLayerNet
from visrec.numpy_nn.optim import RULES
from visrec.numpy_nn.solver import Solver

_C, _S = np.cos(np.pi / 6), np.sin(np.pi / 6)
_R = np.array([[_C, -_S], [_S, _C]])
_A = _R @ np.diag([1.0, 20.0]) @ _R.T


def quadratic(p: np.ndarray) -> tuple[float, np.ndarray]:
    return 0.5 * float(p @ _A @ p), _A @ p


def rosenbrock(p: np.ndarray) -> tuple[float, np.ndarray]:
    x, y = p
    f = (1 - x) ** 2 + 10 * (y - x * x) ** 2
    return float(f), np.array([-2 * (1 - x) - 40 * x * (y - x * x), 20 * (y - x * x)])


SURFACES = {
    "quadratic": (quadratic, np.array([-2.0, 1.5])),
    "rosenbrock": (rosenbrock, np.array([-1.2, 1.0])),
}
#: learning rates that show each rule's character on both surfaces (adaptive ones take bigger steps)
DEFAULT_LRS = {"sgd": 0.04, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.02, "adam": 0.1}


def trajectories(surface: str = "quadratic", steps: int = 150, lrs: dict | None = None) -> dict:
    """Run each rule from the same start; return ``{rule: {"path": (T+1, 2), "loss": (T+1,)}}``."""
    if surface not in SURFACES:
        raise ValueError(f"surface must be one of {sorted(SURFACES)}; got {surface!r}.")
    fn, start = SURFACES[surface]
    out = {}
    for rule, lr in {**DEFAULT_LRS, **(lrs or {})}.items():
        p, state = start.copy(), {}
        path, losses = [p.copy()], [fn(p)[0]]
        for _ in range(steps):
            _, g = fn(p)
            p, state = RULES[rule](p, g, state, lr=lr)
            path.append(p.copy())
            losses.append(fn(p)[0])
        out[rule] = {"path": np.array(path), "loss": np.array(losses), "lr": lr}
    return out


def lr_sweep(
    data: dict,
    lrs=(1e-4, 1e-3, 1e-2, 1e-1, 1.0),
    epochs: int = 10,
    hidden: int = 50,
    optimizer: str = "sgd",
    seed: int = 0,
) -> dict:
    """Loss per epoch of a TwoLayerNet for each learning rate (the "very high / low / good lr" figure).

    Diverging runs stop early; their curve ends with ``inf``.
    """
    out = {}
    D, K = data["X_train"].shape[1], int(data["y_train"].max()) + 1
    for lr in lrs:
        model = TwoLayerNet(D, hidden, K, weight_scale=1e-2, seed=seed)
        solver = Solver(
            model,
            data,
            optimizer=optimizer,
            lr=lr,
            num_epochs=epochs,
            batch_size=50,
            verbose=False,
            seed=seed,
            abort_factor=10.0,
        )
        try:
            solver.train()
            curve = [h["loss"] for h in solver.history] + ([float("inf")] if solver.aborted else [])
        except ValueError:  # TrainingDiverged
            curve = [h["loss"] for h in solver.history] + [float("inf")]
        out[lr] = np.array(curve)
    return out
