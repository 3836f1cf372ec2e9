"""Learned linear-classifier templates shown as images, one per class (Lecture 2, L978 and L1044)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.report._figure import as_images, check_names, draw_mosaic, rescale_to_uint8, save_png


def linear_templates(templates, path: str | Path, class_names=None, title: str = "linear templates") -> Path:
    """Draw each class's weight template rescaled to 0..255 by its own minimum and maximum.

    Parameters
    ----------
    templates : array-like of shape (K, H, W, C), C in {1, 3}
        One weight image per class (the rows of W without the bias, reshaped to the input shape).
    path : where to write the PNG.
    class_names : K names (default '0'..'K-1').
    """
    t = as_images("templates", templates, shape_doc="(K, H, W, C)")
    names = check_names(class_names, len(t))
    tiles = [[rescale_to_uint8(w) for w in t]]
    return save_png(draw_mosaic(tiles, [names], title=title, inches_per_tile=1.3), path)


def templates_from_weights(W, image_shape) -> np.ndarray:
    """Turn a weight matrix into per-class templates.

    Parameters
    ----------
    W : ndarray of shape (D, K) or (D + 1, K)
        Weights in the row layout ``scores = X @ W``; a last bias row (the bias trick) is dropped.
    image_shape : (H, W, C) with H * W * C = D.

    Returns
    -------
    templates : ndarray of shape (K, H, W, C)
    """
    W = np.asarray(W)
    d = int(np.prod(image_shape))
    if W.ndim != 2 or W.shape[0] not in (d, d + 1):
        raise ValueError(
            f"W must have shape (D, K) or (D + 1, K) with D = H*W*C = {d} for image_shape "
            f"{tuple(image_shape)}; got {W.shape}."
        )
    return W[:d].T.reshape(W.shape[1], *image_shape)  # (K, H, W, C)
