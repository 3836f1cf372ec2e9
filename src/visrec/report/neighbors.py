"""Test images beside their nearest training images, one row per test image (Lecture 2, L320-327)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import as_images, draw_mosaic, save_png, to_uint8


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
    tiles, titles, colors = [], [], []
    for i in range(m):
        tiles.append([to_uint8(q[i])] + [to_uint8(nb[i, j]) for j in range(k)])
        titles.append(["query" if ql is None else f"query: {name(ql[i])}"])
        colors.append(["black"])
        for j in range(k):
            titles[i].append("" if nl is None else name(nl[i, j]))
            colors[i].append(
                "black" if ql is None or nl is None else ("green" if nl[i, j] == ql[i] else "red")
            )
    return save_png(draw_mosaic(tiles, titles, colors, title=title), path)
