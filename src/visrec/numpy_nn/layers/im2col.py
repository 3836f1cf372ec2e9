"""im2col / col2im: turn every receptive field into a row so a convolution becomes one matrix multiply.

``im2col`` pads the input channels-last, builds the windows with a zero-copy strided view
(``sliding_window_view``) and makes a single contiguous copy laid out as (N*H'*W', FH*FW*C), so the
convolution is the GEMM ``cols (N*H'*W', FH*FW*C) @ w_rows.T`` with
``w_rows = w.transpose(0, 2, 3, 1).reshape(K, FH*FW*C)``. ``col2im`` is its adjoint: it adds each row back
into its window with one strided slice-add per kernel offset (FH*FW vectorized adds instead of the slow
scattered ``np.add.at``).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["pad_spatial", "pad_nhwc", "windows", "im2col", "col2im"]


def pad_spatial(x: np.ndarray, pad: int) -> np.ndarray:
    """Zero-pad the last two axes of ``x (N, C, H, W)`` by ``pad`` on each side."""
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def windows(xp: np.ndarray, FH: int, FW: int, stride: int) -> np.ndarray:
    """Strided read-only view of the windows of an already padded ``xp (N, C, Hp, Wp)``.

    Returns
    -------
    ndarray of shape (N, C, H', W', FH, FW)   (a view: no copy)
    """
    view = sliding_window_view(xp, (FH, FW), axis=(2, 3))  # (N, C, Hp-FH+1, Wp-FW+1, FH, FW)
    return view[:, :, ::stride, ::stride]  # (N, C, H', W', FH, FW)


def pad_nhwc(x: np.ndarray, pad: int) -> np.ndarray:
    """``x (N, C, H, W)`` -> zero-padded channels-last copy of shape (N, H + 2P, W + 2P, C)."""
    N, C, H, W = x.shape
    xp = np.zeros((N, H + 2 * pad, W + 2 * pad, C), dtype=x.dtype)
    xp[:, pad : pad + H, pad : pad + W, :] = x.transpose(0, 2, 3, 1)
    return xp


def im2col(x: np.ndarray, FH: int, FW: int, stride: int, pad: int) -> np.ndarray:
    """Rows of receptive fields of ``x (N, C, H, W)``.

    Returns
    -------
    cols : ndarray of shape (N*H'*W', FH*FW*C), C-contiguous, same dtype as x.
        Row ``(n, i, j)`` holds the window of output pixel (i, j) of image n, flattened in (FH, FW, C) order,
        the order of ``w.transpose(0, 2, 3, 1).reshape(K, -1)``. Channels innermost makes the copy read
        contiguous runs of C values (a channels-last layout, 2-4x faster than (C, FH, FW) order).
    """
    N, C = x.shape[:2]
    xp = pad_nhwc(x, pad)  # (N, Hp, Wp, C)
    view = sliding_window_view(xp, (FH, FW), axis=(1, 2))[:, ::stride, ::stride]  # (N, H', W', C, FH, FW)
    Ho, Wo = view.shape[1:3]
    cols = np.empty((N, Ho, Wo, FH, FW, C), dtype=x.dtype)
    np.copyto(cols, view.transpose(0, 1, 2, 4, 5, 3))  # one strided copy
    return cols.reshape(N * Ho * Wo, FH * FW * C)


def col2im(cols: np.ndarray, x_shape, FH: int, FW: int, stride: int, pad: int) -> np.ndarray:
    """Adjoint of :func:`im2col`: sum the rows of ``cols`` back into an array of shape ``x_shape``.

    Parameters
    ----------
    cols : ndarray of shape (N*H'*W', FH*FW*C)
    x_shape : (N, C, H, W) of the unpadded input.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W), C-contiguous. Overlapping windows add up.
    """
    N, C, H, W = x_shape
    Ho = (H + 2 * pad - FH) // stride + 1
    Wo = (W + 2 * pad - FW) // stride + 1
    c6 = cols.reshape(N, Ho, Wo, FH, FW, C)
    dxp = np.zeros((N, H + 2 * pad, W + 2 * pad, C), dtype=cols.dtype)  # channels-last, padded
    for a in range(FH):
        for b in range(FW):
            dxp[:, a : a + stride * Ho : stride, b : b + stride * Wo : stride, :] += c6[:, :, :, a, b, :]
    return np.ascontiguousarray(dxp[:, pad : pad + H, pad : pad + W, :].transpose(0, 3, 1, 2))
