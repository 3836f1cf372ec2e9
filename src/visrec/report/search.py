"""The search's scatter plot: validation accuracy over (lr, reg) on log axes (Lecture 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import new_figure, save_png


def scatter_plot(trials: list[dict], path: Path) -> Path:
    """Val accuracy as colour over (lr, reg), both on log axes; aborted trials drawn as grey crosses."""
    fig = new_figure(6, 4.5)
    ax = fig.add_subplot()
    ok = [t for t in trials if not t["aborted"] and np.isfinite(t["val_acc"])]
    bad = [t for t in trials if t not in ok]
    if ok:
        sc = ax.scatter(
            [t["lr"] for t in ok],
            [t["reg"] for t in ok],
            c=[t["val_acc"] for t in ok],
            cmap="viridis",
            s=40,
            edgecolors="k",
            linewidths=0.3,
        )
        fig.colorbar(sc, ax=ax, label="validation accuracy")
        best = max(ok, key=lambda t: t["val_acc"])
        ax.scatter([best["lr"]], [best["reg"]], marker="*", s=250, c="red", label="best")
    if bad:
        ax.scatter([t["lr"] for t in bad], [t["reg"] for t in bad], marker="x", c="grey", label="aborted")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("regularization strength")
    ax.set_title("random search (colour = val accuracy)")
    ax.legend(loc="best")
    return save_png(fig, path)
