"""Test images beside their nearest training images, one row per test image (Lecture 2, L320-327)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import as_images, new_figure, save_png, to_display


def nearest_neighbors(
    queries,
    neighbors,
    path: str | Path,
    query_labels=None,
    neighbor_labels=None,
    class_names=None,
    title: str = "query images (left) and their nearest training images",
) -> Path:
    """Draw each query image followed by its k nearest training images.

    Parameters
    ----------
    queries : array-like of shape (M, H, W, C)
    neighbors : array-like of shape (M, k, H, W, C), nearest first
    path : where to write the PNG.
    query_labels : optional (M,) true labels of the queries.
    neighbor_labels : optional (M, k) labels of the neighbours; a neighbour's title is green when it
        matches its query's label and red otherwise.
    class_names : optional names to print instead of label numbers.
    """
    q = as_images("queries", queries)
    nb = as_images("neighbors", neighbors, ndim=5, shape_doc="(M, k, H, W, C)")
    if nb.shape[0] != q.shape[0]:
        raise ValueError(
            f"neighbors must have one row per query: shape (M, k, H, W, C) with M = {q.shape[0]}; "
            f"got {nb.shape}."
        )
    m, k = nb.shape[:2]

    def name(label) -> str:
        label = int(label)
        if class_names is not None and 0 <= label < len(class_names):
            return str(class_names[label])
        return str(label)

    ql = None if query_labels is None else np.asarray(query_labels).reshape(m)
    nl = None if neighbor_labels is None else np.asarray(neighbor_labels).reshape(m, k)
    fig = new_figure(1.2 * (k + 1), 1.25 * m + 0.5)
    axes = fig.subplots(m, k + 1, squeeze=False)
    for i in range(m):
        img, kw = to_display(q[i])
        axes[i, 0].imshow(img, interpolation="nearest", **kw)
        axes[i, 0].set_title("query" if ql is None else f"query: {name(ql[i])}", fontsize=7)
        for j in range(k):
            img, kw = to_display(nb[i, j])
            ax = axes[i, j + 1]
            ax.imshow(img, interpolation="nearest", **kw)
            if nl is not None:
                color = "black" if ql is None else ("green" if nl[i, j] == ql[i] else "red")
                ax.set_title(name(nl[i, j]), fontsize=7, color=color)
        for ax in axes[i]:
            ax.set_xticks([])
            ax.set_yticks([])
        for spine in axes[i, 0].spines.values():
            spine.set_linewidth(2)
    fig.suptitle(title, fontsize=9)
    return save_png(fig, path)
