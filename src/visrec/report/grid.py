"""Image grids: samples of a dataset, and weights / filters shown as images (Lecture 5 and 7 style)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import as_images, draw_mosaic, grid_shape, rescale_to_uint8, save_png, to_uint8


def image_grid(
    images,
    path: str | Path,
    titles=None,
    ncols: int | None = None,
    rescale: bool = False,
    title: str | None = None,
) -> Path:
    """Draw images in a near-square grid and write a PNG.

    Parameters
    ----------
    images : array-like of shape (N, H, W, C), C in {1, 3}; uint8, or floats in [0, 255] (anything else
        is rescaled per image to 0..255).
    titles : optional N short strings.
    ncols : columns (default ceil(sqrt(N))).
    rescale : rescale every image by its own min / max (for weights, gradients, ...).
    """
    x = as_images("images", images)
    n = len(x)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must hold N = {n} strings, one per image; got {len(titles)}.")
    rows, cols = grid_shape(n, ncols)
    shown = [to_uint8(img, rescale) for img in x]
    tiles = [[shown[i * cols + j] if i * cols + j < n else None for j in range(cols)] for i in range(rows)]
    names = None
    if titles is not None:
        names = [[titles[i * cols + j] if i * cols + j < n else "" for j in range(cols)] for i in range(rows)]
    return save_png(draw_mosaic(tiles, names, title=title), path)


def filters_grid(
    weights, path: str | Path, channels_first: bool = True, ncols: int | None = None, title: str = "filters"
) -> Path:
    """Draw first-layer filters (or any weight stack) as images, each rescaled to 0..255 on its own.

    Parameters
    ----------
    weights : array-like of shape (F, C, H, W) when ``channels_first`` (the NumPy engine and torch
        layout) or (F, H, W, C); C must be 1 or 3 to be shown as an image. For a fully connected first
        layer pass W.T reshaped to (K, H, W, C) with ``channels_first=False``.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 4:
        layout = "(F, C, H, W)" if channels_first else "(F, H, W, C)"
        raise ValueError(f"weights must have shape {layout}; got an array of shape {w.shape}.")
    if channels_first:
        w = w.transpose(0, 2, 3, 1)  # (F, H, W, C)
    if w.shape[-1] not in (1, 3):
        raise ValueError(
            f"only filters with C = 1 or 3 input channels can be drawn as images; got C = {w.shape[-1]} "
            f"(weights of shape {np.asarray(weights).shape}). Draw one channel at a time: weights[:, [c]]."
        )
    scaled = np.stack([rescale_to_uint8(f) for f in w])
    return image_grid(scaled, path, ncols=ncols, title=title)
