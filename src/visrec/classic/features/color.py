"""Colour histogram feature (Lecture 3, L2882): a histogram of the hue channel in HSV space.

Hue ignores brightness and saturation, so the feature says *which colours* an image contains, not where.
The hue is computed here with the same rules as ``matplotlib.colors.rgb_to_hsv`` (tested against it): for
a pixel with max channel v and min m, ``delta = v - m``; hue 0 where delta = 0; otherwise the sector formula
with the later channel winning when several share the max (blue over green over red), divided by 6, mod 1.

Grayscale images (C = 1) are degenerate: every pixel has saturation 0 and hence hue 0, so the whole mass
lands in the first bin and the feature carries no information (it is still returned, for a uniform API).
"""

from __future__ import annotations

import numpy as np

from visrec.utils.validation import check_int

__all__ = ["color_histogram_hsv", "rgb_to_hue"]


def rgb_to_hue(img: np.ndarray) -> np.ndarray:
    """Hue in [0, 1) of an RGB image (values in [0, 1]). img (H, W, 3) -> (H, W)."""
    arr = np.asarray(img, dtype=np.float64)
    v = arr.max(axis=-1)
    delta = v - arr.min(axis=-1)
    hue = np.zeros(arr.shape[:-1])
    pos = delta > 0
    r, g, b = (arr[..., c] for c in range(3))
    safe = np.where(pos, delta, 1.0)
    # Later assignments win where several channels share the maximum (matplotlib's order).
    hue = np.where(pos & (r == v), (g - b) / safe, hue)
    hue = np.where(pos & (g == v), 2.0 + (b - r) / safe, hue)
    hue = np.where(pos & (b == v), 4.0 + (r - g) / safe, hue)
    return (hue / 6.0) % 1.0


def color_histogram_hsv(img, nbin: int = 10, xmin: float = 0, xmax: float = 255, normalized: bool = True):
    """Histogram of the hue of ``img`` in ``nbin`` equal bins over [xmin, xmax] (hue scaled to [0, xmax]).

    img : ndarray of shape (H, W, C), C = 3 (RGB) or 1 (grayscale: degenerate, see the module doc), values
    in [0, xmax]. normalized : divide by the number of pixels (the bins then sum to 1).
    Returns ndarray of shape (nbin,).
    """
    nbin = check_int("nbin", nbin, low=1)
    img = np.asarray(img)
    if img.ndim != 3 or img.shape[-1] not in (1, 3):
        raise ValueError(f"img must have shape (H, W, C) with C = 1 or 3; got {img.shape}.")
    if img.shape[-1] == 1:
        hue = np.zeros(img.shape[:2])
    else:
        hue = rgb_to_hue(img / xmax) * xmax
    hist, _ = np.histogram(hue, bins=np.linspace(xmin, xmax, nbin + 1))
    hist = hist.astype(np.float64)
    return hist / hue.size if normalized else hist
