"""im2col / col2im: turn every receptive field into a row so a convolution becomes one matrix multiply.

``im2col`` builds the windows with a zero-copy strided view (``sliding_window_view``) and makes a single
contiguous copy laid out as (N*H'*W', C*HH*WW), so the convolution is the GEMM
``cols (N*H'*W', C*HH*WW) @ w.reshape(F, C*HH*WW).T``. ``col2im`` is its adjoint: it adds each row back
into its window with one strided slice-add per kernel offset (HH*WW vectorized adds instead of the slow
scattered ``np.add.at``).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["pad_spatial", "windows", "im2col", "col2im"]


def pad_spatial(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad the last two axes of ``x (N, C, H, W)`` by ``pad`` on each side."""
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def windows(xp: np.ndarray, HH: int, WW: int, stride: int) -> np.ndarray:
    """Strided read-only view of the windows of an already padded ``xp (N, C, Hp, Wp)``.

    Returns
    -------
    ndarray of shape (N, C, H', W', HH, WW)   (a view: no copy)
    """
    view = sliding_window_view(xp, (HH, WW), axis=(2, 3))  # (N, C, Hp-HH+1, Wp-WW+1, HH, WW)
    return view[:, :, ::stride, ::stride]  # (N, C, H', W', HH, WW)


def im2col(x: np.ndarray, HH: int, WW: int, stride: int, pad: int) -> np.ndarray:
    """Rows of receptive fields of ``x (N, C, H, W)``.

    Returns
    -------
    cols : ndarray of shape (N*H'*W', C*HH*WW), C-contiguous, same dtype as x.
        Row ``(n, i, j)`` holds the window of output pixel (i, j) of image n, flattened in (C, HH, WW) order
        (the order of ``w.reshape(F, -1)``).
    """
    N, C = x.shape[:2]
    win = windows(pad_spatial(x, pad), HH, WW, stride)  # (N, C, H', W', HH, WW)
    Ho, Wo = win.shape[2:4]
    cols = np.empty((N, Ho, Wo, C, HH, WW), dtype=x.dtype)
    np.copyto(cols, win.transpose(0, 2, 3, 1, 4, 5))  # one strided copy
    return cols.reshape(N * Ho * Wo, C * HH * WW)


def col2im(cols: np.ndarray, x_shape, HH: int, WW: int, stride: int, pad: int) -> np.ndarray:
    """Adjoint of :func:`im2col`: sum the rows of ``cols`` back into an array of shape ``x_shape``.

    Parameters
    ----------
    cols : ndarray of shape (N*H'*W', C*HH*WW)
    x_shape : (N, C, H, W) of the unpadded input.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W). Overlapping windows add up.
    """
    N, C, H, W = x_shape
    Ho = (H + 2 * pad - HH) // stride + 1
    Wo = (W + 2 * pad - WW) // stride + 1
    c6 = cols.reshape(N, Ho, Wo, C, HH, WW).transpose(0, 3, 4, 5, 1, 2)  # (N, C, HH, WW, H', W') view
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad), dtype=cols.dtype)
    for i in range(HH):
        for j in range(WW):
            dxp[:, :, i : i + stride * Ho : stride, j : j + stride * Wo : stride] += c6[:, :, i, j]
    if pad == 0:
        return dxp
    return dxp[:, :, pad:-pad, pad:-pad]
