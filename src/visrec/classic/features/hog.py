"""Histogram of Oriented Gradients (Lecture 3, L2890-2899; Dalal and Triggs, CVPR 2005).

"Divide image into 8x8 pixel regions; within each region quantize edge direction into 9 bins": a 320x240
image gives 40 x 30 cells x 9 = 10,800 numbers.

Definition used here (the ingredients of ``skimage.feature.hog``, without its block normalization):

1. grayscale: ``0.299 R + 0.587 G + 0.114 B`` (the course's code has a 0.144 typo for blue);
2. gradients by centred differences, ``gx[:, j] = I[:, j+1] - I[:, j-1]`` (not halved), 0 on the border;
3. magnitude ``hypot(gx, gy)``, unsigned orientation ``atan2(gy, gx)`` in degrees mod 180, rows pointing down;
4. bin ``i`` holds orientations in [i * 180 / bins, (i + 1) * 180 / bins), hard assignment (no interpolation);
5. per cell of ``cell x cell`` pixels (partial cells at the right/bottom dropped): the *mean* magnitude of the
   pixels in each bin.

``skimage.feature.hog(img, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(1, 1), block_norm="L1")``
equals this with ``normalize="l1"`` (each cell's 9 numbers divided by their sum + 1e-5); skimage has no
unnormalized option. Its default "L2-Hys" differs (L2 norm, clip at 0.2, renormalize).
"""

from __future__ import annotations

import numpy as np

from visrec.utils.validation import check_choice, check_int

__all__ = ["grayscale", "hog_feature"]


def grayscale(img) -> np.ndarray:
    """(H, W, 3) or (H, W, 1) or (H, W) -> (H, W) float64 luminance."""
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 2:
        return img
    if img.ndim == 3 and img.shape[-1] == 1:
        return img[..., 0]
    if img.ndim == 3 and img.shape[-1] == 3:
        return img @ np.array([0.299, 0.587, 0.114])
    raise ValueError(f"img must have shape (H, W), (H, W, 1) or (H, W, 3); got {img.shape}.")


def hog_feature(img, cell: int = 8, bins: int = 9, normalize: str | None = None) -> np.ndarray:
    """HOG descriptor of one image.

    img : ndarray of shape (H, W, C) or (H, W). cell : pixels per cell side. bins : orientation bins over
    [0, 180). normalize : None (cell means) or "l1" (each cell divided by its sum + 1e-5, = skimage "L1").
    Returns ndarray of shape (H // cell * W // cell * bins,), ordered (cell row, cell column, bin).
    """
    cell = check_int("cell", cell, low=1)
    bins = check_int("bins", bins, low=1)
    check_choice("normalize", normalize, (None, "l1"))
    gray = grayscale(img)
    H, W = gray.shape
    gx = np.zeros_like(gray)
    gy = np.zeros_like(gray)
    gx[:, 1:-1] = gray[:, 2:] - gray[:, :-2]
    gy[1:-1, :] = gray[2:, :] - gray[:-2, :]
    mag = np.hypot(gx, gy)
    ori = np.rad2deg(np.arctan2(gy, gx)) % 180
    b = np.minimum((ori / (180.0 / bins)).astype(np.int64), bins - 1)
    Hc, Wc = H // cell, W // cell
    mag, b = mag[: Hc * cell, : Wc * cell], b[: Hc * cell, : Wc * cell]
    rows = np.arange(Hc * cell) // cell
    cols = np.arange(Wc * cell) // cell
    flat = (rows[:, None] * Wc + cols[None, :]) * bins + b  # (Hc*cell, Wc*cell) index into the output
    hist = np.bincount(flat.ravel(), weights=mag.ravel(), minlength=Hc * Wc * bins) / (cell * cell)
    if normalize == "l1":
        hist = hist.reshape(Hc * Wc, bins)
        hist = (hist / (np.abs(hist).sum(axis=1, keepdims=True) + 1e-5)).ravel()
    return hist
