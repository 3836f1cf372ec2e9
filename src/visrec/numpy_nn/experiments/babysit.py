"""Lecture 6's babysitting checks (L6441-6776) on a two-layer net with 50 hidden units.

1. loss at initialization with reg 0 is log(10) = 2.30 (L6471: 2.30261216167);
2. cranking reg up to 1e3 raises it (L6503: 3.06859716482 for their data);
3. a small subset (20 examples) can be overfit: cost -> ~0, train accuracy 1.00 (L6552-6579);
4. lr too low (1e-6): the loss barely moves; lr too high (1e6): NaN (L6611-6690).
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.models import TwoLayerNet
from visrec.numpy_nn.solver import Solver
from visrec.utils.errors import TrainingDiverged


def loss_at_init(X: np.ndarray, y: np.ndarray, hidden: int = 50, reg: float = 0.0, seed: int = 0) -> float:
    """The slides' ``init_two_layer_model`` (weights 1e-4 * randn) and its loss on ``(X, y)``."""
    model = TwoLayerNet(X.shape[1], hidden, int(y.max()) + 1, weight_scale=1e-4, reg=reg, seed=seed)
    return model.loss(X, y)[0]


def overfit_small(
    X: np.ndarray,
    y: np.ndarray,
    n: int = 20,
    epochs: int = 200,
    lr: float = 1e-3,
    hidden: int = 50,
    seed: int = 0,
    weight_scale: float = 1e-4,
) -> dict:
    """Train on the first ``n`` examples (reg 0, plain SGD, full batch, the slides' lr 1e-3 for raw
    mean-subtracted pixels); return the loss and train-accuracy histories."""
    K = int(y.max()) + 1  # classes of the whole set: 20 examples may miss one
    X, y = X[:n], y[:n]
    model = TwoLayerNet(X.shape[1], hidden, K, weight_scale=weight_scale, seed=seed)
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    solver = Solver(model, data, optimizer="sgd", lr=lr, batch_size=n, num_epochs=epochs, verbose=False)
    solver.train()
    return {
        "loss": [h["loss"] for h in solver.history],
        "train_acc": solver.train_acc_history,
        "final_loss": solver.history[-1]["loss"],
        "final_train_acc": solver.train_acc_history[-1],
    }


def lr_extremes(data: dict, low: float = 1e-6, high: float = 1e6, epochs: int = 5, seed: int = 0) -> dict:
    """Loss history with a far too small and a far too large learning rate."""
    out = {}
    for name, lr in (("low", low), ("high", high)):
        model = TwoLayerNet(
            data["X_train"].shape[1], 50, int(data["y_train"].max()) + 1, weight_scale=1e-4, seed=seed
        )
        solver = Solver(model, data, optimizer="sgd", lr=lr, num_epochs=epochs, batch_size=50, verbose=False)
        try:
            solver.train()
            out[name] = {"lr": lr, "loss": solver.loss_history, "diverged": None}
        except TrainingDiverged as exc:
            out[name] = {"lr": lr, "loss": solver.loss_history, "diverged": str(exc)}
    return out


def synthetic_images(
    n: int = 200, d: int = 3072, k: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Mean-subtracted pixel-like rows ``(N, D)`` (std ~60, as CIFAR's) with labels, when no data is given."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * 60.0, rng.integers(0, k, n)
