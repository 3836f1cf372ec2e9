"""Segmentation from a saliency map with GrabCut (Rother et al. 2004), as in Simonyan et al. (2014).

The most salient pixels seed the foreground, the least salient the background (Simonyan et al.'s 95% and 30%
quantiles); the rest starts as probable background, and OpenCV's ``grabCut``
(the optional ``explain`` extra: ``pip install visrec[explain]``) fills in the rest from colour statistics.
"""

from __future__ import annotations

import numpy as np

from visrec.explain._errors import ParameterError

__all__ = ["grabcut_from_saliency"]


def _cv2():
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "GrabCut needs OpenCV: pip install 'visrec[explain]' (opencv-python-headless)."
        ) from exc
    return cv2


def grabcut_from_saliency(
    image: np.ndarray,
    saliency: np.ndarray,
    fg_quantile: float = 0.95,
    bg_quantile: float = 0.30,
    iterations: int = 5,
) -> np.ndarray:
    """Foreground mask of ``image`` seeded from ``saliency``.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) uint8, RGB
    saliency : ndarray of shape (H, W)
    fg_quantile, bg_quantile : saliency quantiles above / below which pixels are sure foreground / background

    Returns
    -------
    mask : ndarray of shape (H, W) bool, True on the foreground
    """
    cv2 = _cv2()
    image = np.asarray(image)
    sal = np.asarray(saliency, dtype=np.float64)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ParameterError(f"GrabCut needs an RGB uint8 image (H, W, 3); got {image.dtype} {image.shape}.")
    if sal.shape != image.shape[:2]:
        raise ParameterError(
            f"The saliency map {sal.shape} must match the image's (H, W) = {image.shape[:2]}."
        )
    if not 0 <= bg_quantile < fg_quantile <= 1:
        raise ParameterError(f"Need 0 <= bg_quantile < fg_quantile <= 1; got {bg_quantile}, {fg_quantile}.")
    hi, lo = np.quantile(sal, fg_quantile), np.quantile(sal, bg_quantile)
    mask = np.full(sal.shape, cv2.GC_PR_BGD, np.uint8)
    mask[sal >= hi] = cv2.GC_FGD
    mask[sal <= lo] = cv2.GC_BGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.grabCut(
        np.ascontiguousarray(image[:, :, ::-1]), mask, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK
    )
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
