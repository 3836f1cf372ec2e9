"""Max and average pooling (Lecture 5, L5485-5523), naive and fast, per activation map, no parameters.

``pool_param`` is ``{"pool_height": FH, "pool_width": FW, "stride": S}`` (an F x F window when square, the
glossary's F); ``x (N, C, H, W)`` -> ``out (N, C, H', W')`` with ``H' = (H - FH)/S + 1`` (validated).
Max pooling routes the gradient to the *first* maximum of each window (row-major), as PyTorch does, so
ties (frequent after a ReLU: many zeros) never double-count.

The fast max pool uses the reshape trick when the windows tile the input exactly (S == FH == FW and H, W
divisible), otherwise a strided window view; its backward adds ``dout`` back with one strided slice-add per
window offset.
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.im2col import windows
from visrec.numpy_nn.shapes import pool_output_shape

__all__ = [
    "max_pool_forward_naive",
    "max_pool_backward_naive",
    "max_pool_forward_fast",
    "max_pool_backward_fast",
    "avg_pool_forward_naive",
    "avg_pool_backward_naive",
    "avg_pool_forward_fast",
    "avg_pool_backward_fast",
    "avg_pool_forward",
    "avg_pool_backward",
    "max_pool_forward",
    "max_pool_backward",
]


def _params(pool_param) -> tuple[int, int, int]:
    required = ("pool_height", "pool_width", "stride")
    missing = [k for k in required if k not in (pool_param or {})]
    if missing:
        raise ValueError(
            f"pool_param needs the keys {list(required)}; missing {missing}. "
            "Example: {'pool_height': 2, 'pool_width': 2, 'stride': 2}."
        )
    return int(pool_param["pool_height"]), int(pool_param["pool_width"]), int(pool_param["stride"])


def max_pool_forward_naive(x: np.ndarray, pool_param):
    """Max pooling with explicit loops over output positions.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    pool_param : dict with "pool_height", "pool_width", "stride"

    Returns
    -------
    out : ndarray of shape (N, C, H', W')
    cache : (x, pool_param)
    """
    FH, FW, S = _params(pool_param)
    N, C, Ho, Wo = pool_output_shape(x.shape, FH, FW, S)
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * S : i * S + FH, j * S : j * S + FW].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout: np.ndarray, cache) -> np.ndarray:
    """Route each ``dout`` entry to the first maximum of its window. Returns dx of shape (N, C, H, W)."""
    x, pool_param = cache
    FH, FW, S = _params(pool_param)
    N, C, Ho, Wo = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    window = x[n, c, i * S : i * S + FH, j * S : j * S + FW]
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * S + a, j * S + b] += dout[n, c, i, j]
    return dx


def _window_rows(x: np.ndarray, FH: int, FW: int, S: int) -> np.ndarray:
    """Windows of x flattened: (N, C, H', W', FH*FW), via the reshape trick when they tile exactly."""
    N, C, H, W = x.shape
    if S == FH == FW and H % FH == 0 and W % FW == 0:
        Ho, Wo = H // FH, W // FW
        tiles = x.reshape(N, C, Ho, FH, Wo, FW).transpose(0, 1, 2, 4, 3, 5)  # (N, C, H', W', FH, FW)
    else:
        tiles = windows(x, FH, FW, S)  # (N, C, H', W', FH, FW) strided view
    return tiles.reshape(tiles.shape[:4] + (FH * FW,))  # (N, C, H', W', FH*FW)


def max_pool_forward_fast(x: np.ndarray, pool_param):
    """Fast max pooling; same parameters and result as :func:`max_pool_forward_naive`.

    The cache keeps the index of each window's first maximum, so backward needs no comparisons.
    """
    FH, FW, S = _params(pool_param)
    pool_output_shape(x.shape, FH, FW, S)  # validates the geometry
    rows = _window_rows(x, FH, FW, S)  # (N, C, H', W', FH*FW)
    idx = rows.argmax(axis=-1)  # (N, C, H', W')
    out = np.take_along_axis(rows, idx[..., None], axis=-1)[..., 0]
    return out, (x.shape, x.dtype, idx, pool_param)


def max_pool_backward_fast(dout: np.ndarray, cache) -> np.ndarray:
    """Backward of :func:`max_pool_forward_fast`: one strided add per window offset."""
    x_shape, dtype, idx, pool_param = cache
    FH, FW, S = _params(pool_param)
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(x_shape, dtype=np.result_type(dtype, dout))
    for k in range(FH * FW):
        a, b = divmod(k, FW)
        dx[:, :, a : a + S * Ho : S, b : b + S * Wo : S] += np.where(idx == k, dout, 0)
    return dx


def avg_pool_forward_naive(x: np.ndarray, pool_param):
    """Average pooling with loops over output positions. x (N, C, H, W) -> out (N, C, H', W')."""
    FH, FW, S = _params(pool_param)
    N, C, Ho, Wo = pool_output_shape(x.shape, FH, FW, S)
    out = np.empty((N, C, Ho, Wo), dtype=x.dtype)
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = x[:, :, i * S : i * S + FH, j * S : j * S + FW].mean(axis=(2, 3))
    return out, (x.shape, x.dtype, pool_param)


def avg_pool_backward_naive(dout: np.ndarray, cache) -> np.ndarray:
    """Spread each ``dout`` entry evenly over its window. Returns dx of shape (N, C, H, W)."""
    x_shape, dtype, pool_param = cache
    FH, FW, S = _params(pool_param)
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(x_shape, dtype=np.result_type(dtype, dout))
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * S : i * S + FH, j * S : j * S + FW] += dout[:, :, i, j, None, None] / (FH * FW)
    return dx


def avg_pool_forward_fast(x: np.ndarray, pool_param):
    """Fast average pooling over a strided window view; same result as the naive version."""
    FH, FW, S = _params(pool_param)
    pool_output_shape(x.shape, FH, FW, S)
    out = windows(x, FH, FW, S).mean(axis=(4, 5), dtype=x.dtype)  # (N, C, H', W')
    return out, (x.shape, x.dtype, pool_param)


def avg_pool_backward_fast(dout: np.ndarray, cache) -> np.ndarray:
    """Backward of :func:`avg_pool_forward_fast`: one strided add per window offset."""
    x_shape, dtype, pool_param = cache
    FH, FW, S = _params(pool_param)
    Ho, Wo = dout.shape[2:]
    dx = np.zeros(x_shape, dtype=np.result_type(dtype, dout))
    share = dout / (FH * FW)
    for a in range(FH):
        for b in range(FW):
            dx[:, :, a : a + S * Ho : S, b : b + S * Wo : S] += share
    return dx


avg_pool_forward = avg_pool_forward_fast
avg_pool_backward = avg_pool_backward_fast
max_pool_forward = max_pool_forward_fast
max_pool_backward = max_pool_backward_fast
