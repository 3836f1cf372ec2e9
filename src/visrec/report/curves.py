"""Training curves: the loss with a smoothed line, and train / validation accuracy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import new_figure, save_png


def smooth(values, window: int | None = None) -> np.ndarray:
    """Centred-free running mean: out[t] = mean(values[max(0, t - window + 1) : t + 1]).

    ``window`` defaults to about 2% of the length (at least 1).
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    if window is None:
        window = max(1, len(v) // 50)
    window = max(1, int(window))
    c = np.concatenate([[0.0], np.cumsum(v)])
    t = np.arange(1, len(v) + 1)
    lo = np.maximum(0, t - window)
    return (c[t] - c[lo]) / (t - lo)


def loss_curve(
    losses,
    path: str | Path,
    window: int | None = None,
    xlabel: str = "iteration",
    title: str = "training loss",
    log_scale: bool = False,
) -> Path:
    """Plot raw losses as faint dots and their running mean as a line; write a PNG.

    Parameters
    ----------
    losses : array-like of shape (T,), one loss per iteration
    window : running-mean window (default about 2% of T).
    """
    v = np.asarray(losses, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"losses must be a non-empty 1-D sequence (T,); got shape {v.shape}.")
    fig = new_figure(6, 4)
    ax = fig.add_subplot()
    t = np.arange(len(v))
    finite = np.isfinite(v)
    ax.plot(t[finite], v[finite], ".", markersize=2, alpha=0.35, color="tab:blue", label="loss")
    if finite.any():
        ax.plot(t[finite], smooth(v[finite], window), color="tab:red", linewidth=1.5, label="running mean")
    if log_scale and finite.any() and v[finite].min() > 0:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return save_png(fig, path)


def accuracy_curves(
    train_acc,
    val_acc,
    path: str | Path,
    x=None,
    xlabel: str = "epoch",
    title: str = "classification accuracy",
) -> Path:
    """Plot train and validation accuracy against epochs (the gap shows overfitting, Lecture 6).

    Parameters
    ----------
    train_acc, val_acc : array-like of shape (E,)
    x : optional (E,) x positions (default 1..E).
    """
    tr = np.asarray(train_acc, dtype=np.float64)
    va = np.asarray(val_acc, dtype=np.float64)
    if tr.ndim != 1 or va.ndim != 1 or tr.shape != va.shape or tr.size == 0:
        raise ValueError(
            f"train_acc and val_acc must be non-empty 1-D sequences of the same length (E,); got shapes "
            f"{tr.shape} and {va.shape}."
        )
    xs = np.arange(1, len(tr) + 1) if x is None else np.asarray(x, dtype=np.float64)
    if xs.shape != tr.shape:
        raise ValueError(f"x must have shape (E,) = {tr.shape}; got {xs.shape}.")
    fig = new_figure(6, 4)
    ax = fig.add_subplot()
    ax.plot(xs, tr, "o-", markersize=3, label="train")
    ax.plot(xs, va, "o-", markersize=3, label="val")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return save_png(fig, path)
