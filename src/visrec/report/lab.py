"""Figures of ``visrec lab`` (matplotlib via visrec.report's Agg helpers; one PNG per function)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import new_figure, save_png


def activation_stats_plot(stats: dict, path: Path) -> Path:
    """Per-layer mean and std (the slides' two line plots) plus one histogram per layer."""
    layers = stats["layers"]
    L = len(stats["mean"])
    fig = new_figure(2.0 * max(L, 4), 6)
    ax1 = fig.add_subplot(2, 2, 1)
    ax1.plot(range(1, L + 1), stats["mean"], "o-")
    ax1.set_title("layer mean")
    ax2 = fig.add_subplot(2, 2, 2)
    ax2.plot(range(1, L + 1), stats["std"], "o-r")
    ax2.set_title("layer std")
    for ax in (ax1, ax2):
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
    for i, h in enumerate(layers):
        ax = fig.add_subplot(2, L, L + i + 1)
        ax.hist(
            h.ravel(), bins=30, range=(-1, 1) if stats["activation"] == "tanh" else None, color="tab:blue"
        )
        ax.set_title(f"layer {i + 1}", fontsize=8)
        ax.set_yticks([])
        ax.tick_params(labelsize=6)
    fig.suptitle(f"{stats['init']} init + {stats['activation']}: activations per layer")
    return save_png(fig, path)


def trajectories_plot(trajs: dict, fn, path: Path, title: str) -> Path:
    """Contour of the surface with each optimizer's path."""
    pts = np.concatenate([t["path"] for t in trajs.values()])
    lo, hi = pts.min(axis=0) - 0.3, pts.max(axis=0) + 0.3
    xs, ys = np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200)
    Z = np.array([[fn(np.array([x, y]))[0] for x in xs] for y in ys])
    fig = new_figure(7, 5.5)
    ax = fig.add_subplot()
    ax.contour(xs, ys, np.log1p(Z), levels=25, cmap="Greys", linewidths=0.6)
    for name, t in trajs.items():
        ax.plot(
            t["path"][:, 0],
            t["path"][:, 1],
            ".-",
            markersize=2,
            linewidth=1,
            label=f"{name} (lr {t['lr']:g})",
        )
    ax.plot(*trajs[next(iter(trajs))]["path"][0], "ko", label="start")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return save_png(fig, path)


def curves_plot(curves: dict, path: Path, xlabel: str, ylabel: str, title: str, log_y: bool = True) -> Path:
    """Several named 1-D curves on one axis (non-finite points end a curve)."""
    fig = new_figure(6, 4)
    ax = fig.add_subplot()
    for name, v in curves.items():
        v = np.asarray(v, dtype=np.float64)
        ok = np.isfinite(v)
        ax.plot(
            np.arange(1, len(v) + 1)[ok], v[ok], "o-" if len(v) < 30 else "-", markersize=3, label=str(name)
        )
        if not ok.all():
            ax.plot([np.argmin(ok) + 1], [np.nanmax(v[ok]) if ok.any() else 1.0], "rx")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_png(fig, path)
