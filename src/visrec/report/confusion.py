"""Confusion matrices: counts beside the row-normalized version (rows = true class)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import check_names, new_figure, save_png


def confusion_counts(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Return the (K, K) matrix whose [i, j] entry counts true class i predicted as j."""
    yt = np.asarray(y_true).reshape(-1)
    yp = np.asarray(y_pred).reshape(-1)
    if yt.shape != yp.shape:
        raise ValueError(f"y_true and y_pred must have the same shape (N,); got {yt.shape} and {yp.shape}.")
    for nm, y in (("y_true", yt), ("y_pred", yp)):
        if y.size and (y.min() < 0 or y.max() >= num_classes or not np.issubdtype(y.dtype, np.integer)):
            raise ValueError(
                f"{nm} must hold integer labels in [0, {num_classes}); got values {np.unique(y)[:10]}."
            )
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (yt, yp), 1)
    return cm


def confusion_matrix(y_true, y_pred, path: str | Path, class_names, title: str = "confusion matrix") -> Path:
    """Draw the confusion matrix twice: raw counts and normalized by row (recall per class).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (N,), integer labels in [0, K)
    path : where to write the PNG.
    class_names : K names.
    """
    names = check_names(class_names, len(class_names))
    k = len(names)
    cm = confusion_counts(y_true, y_pred, k)
    totals = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)
    size = max(3.5, 0.38 * k + 1.5)
    fig = new_figure(1.75 * size + 0.6, size, layout=None)
    axes = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.86, wspace=0.25)
    show_text = k <= 20
    for ax, mat, sub, fmt in (
        (axes[0], cm, "counts", "d"),
        (axes[1], norm, "normalized by true class", ".2f"),
    ):
        im = ax.imshow(mat, cmap="Blues", vmin=0, vmax=1 if mat is norm else None)
        ax.set_xticks(range(k), names, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(k), names, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(sub, fontsize=10)
        if not show_text:  # with numbers in the cells a colour bar adds nothing
            fig.colorbar(im, ax=ax, shrink=0.8)
        if show_text:  # empty cells stay blank, so the mistakes stand out (and drawing stays fast)
            hi = mat.max() if mat.max() > 0 else 1
            for i, j in zip(*np.nonzero(cm), strict=True):
                ax.text(
                    j,
                    i,
                    format(mat[i, j], fmt),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if mat[i, j] > 0.6 * hi else "black",
                )
    acc = np.trace(cm) / max(cm.sum(), 1)
    fig.suptitle(f"{title} (accuracy {acc:.3f}, N = {cm.sum()})")
    return save_png(fig, path)
