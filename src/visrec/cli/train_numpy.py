"""``visrec train --engine numpy``: the command-line side of :func:`visrec.numpy_nn.train.train`.

The trainer lives in the library (``visrec.numpy_nn.train``, configured by ``NumpyTrainConfig``); this
module keeps release 0.1's entry point ``run(cfg: dict) -> Path`` (old spellings accepted, see
``numpy_nn.config.from_legacy``) and draws the run's figures, which the NumPy-only library does not.
"""

from __future__ import annotations

from pathlib import Path

from visrec.numpy_nn.config import NumpyTrainConfig, from_legacy
from visrec.numpy_nn.schedules import parse_schedule
from visrec.numpy_nn.train import train
from visrec.runs import RunDir

__all__ = ["run", "run_config", "write_plots", "parse_schedule"]


def run(cfg: dict) -> Path:
    """Train from a release-0.1 settings dict (None: the default); return the run directory."""
    return run_config(from_legacy(cfg))


def run_config(cfg: NumpyTrainConfig) -> Path:
    """Train, then draw the figures into the run's ``plots/``."""
    path = train(cfg)
    write_plots(path)
    return path


def write_plots(path: str | Path) -> None:
    """Loss curve, train/val accuracy and the first layer's filters (convnets) or templates (FC nets)."""
    from visrec.report import accuracy_curves, filters_grid, loss_curve

    run = RunDir(path)
    _, last = run.load_checkpoint("last")
    if last.get("loss_history"):
        loss_curve(last["loss_history"], run.plots / "loss.png")
    if last.get("val_acc_history"):
        accuracy_curves(last["train_acc_history"], last["val_acc_history"], run.plots / "accuracy.png")
    arrays, meta = run.load_model()
    w1 = arrays["W1"]
    H, W, C = meta["input_shape"]
    if w1.ndim == 4 and w1.shape[1] in (1, 3):
        filters_grid(w1[:64], run.plots / "filters.png", title="first-layer filters")
    elif w1.ndim == 2 and C in (1, 3):
        filters_grid(
            w1.T[:64].reshape(-1, H, W, C),
            run.plots / "filters.png",
            channels_first=False,
            title="first-layer weights as images",
        )
