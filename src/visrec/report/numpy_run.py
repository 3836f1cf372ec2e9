"""Figures of a NumPy-engine run: loss curve, train/val accuracy, first-layer filters or templates."""

from __future__ import annotations

from pathlib import Path

from visrec.runs import RunDir

__all__ = ["write_plots"]


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
