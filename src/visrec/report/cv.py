"""Cross-validation accuracy against a hyperparameter (Lecture 2, L784-794).

One dot per fold, a line through the per-k mean, and error bars of one standard deviation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import new_figure, save_png


def cv_accuracy_vs_k(
    ks, fold_scores, path: str | Path, param_name: str = "k", title: str | None = None
) -> Path:
    """Plot cross-validated accuracy for each value of a hyperparameter and write a PNG.

    Parameters
    ----------
    ks : sequence of length P
        The hyperparameter values (e.g. k of k-NN).
    fold_scores : array-like of shape (P, F)
        Accuracy of each of the F folds for each value.
    path : where to write the PNG.

    Returns
    -------
    path : Path of the written file.
    """
    ks = np.asarray(ks)
    scores = np.asarray(fold_scores, dtype=np.float64)
    if ks.ndim != 1 or len(ks) == 0:
        raise ValueError(
            f"ks must be a non-empty 1-D sequence of hyperparameter values; got shape {ks.shape}."
        )
    if scores.ndim != 2 or scores.shape[0] != len(ks) or scores.shape[1] == 0:
        raise ValueError(
            f"fold_scores must have shape (P, F) = ({len(ks)}, folds), one row per value of {param_name}; "
            f"got shape {scores.shape}."
        )
    fig = new_figure(6, 4)
    ax = fig.add_subplot()
    x = np.arange(len(ks)) if ks.dtype.kind not in "iuf" else ks.astype(np.float64)
    for j, xv in enumerate(x):
        ax.scatter(np.full(scores.shape[1], xv), scores[j], s=14, color="tab:blue", alpha=0.7)
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    ax.errorbar(x, mean, yerr=std, color="tab:red", capsize=4, marker="o", label="mean ± std")
    if ks.dtype.kind not in "iuf":
        ax.set_xticks(x, [str(v) for v in ks])
    ax.set_xlabel(param_name)
    ax.set_ylabel("cross-validation accuracy")
    ax.set_title(title or f"{scores.shape[1]}-fold cross-validation on {param_name}")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return save_png(fig, path)
