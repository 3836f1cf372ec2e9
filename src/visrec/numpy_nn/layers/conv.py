"""Convolution layer (Lecture 5, L4906-5337): a readable naive version and a fast im2col + GEMM version.

Shapes (the glossary: K filters of size F, stride S, padding P): ``x (N, C, H, W)``, ``w (K, C, F, F)``
(non-square ``(K, C, FH, FW)`` works too), ``b (K,)``, ``out (N, K, H', W')`` with
``H' = (H - F + 2P)/S + 1`` (validated: a window that doesn't fit raises GeometryError). ``conv_param`` is
``{"stride": S, "pad": P}`` (defaults 1 and 0). Like every deep-learning library this is cross-correlation
(the filter is not flipped). A 1x1 convolution is this same layer with FH = FW = 1 (L5327-5337).

The fast version turns receptive fields into rows with :func:`im2col` (a strided view, one copy) and makes
one GEMM per block of images; its backward rebuilds each block's rows for ``dw`` and scatters ``dx`` back
with :func:`col2im`. float32 inputs stay float32.
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.im2col import col2im, im2col, pad_spatial
from visrec.numpy_nn.shapes import conv_output_shape

__all__ = [
    "conv_forward_naive",
    "conv_backward_naive",
    "conv_forward_fast",
    "conv_backward_fast",
    "conv_forward_im2col",
    "conv_backward_im2col",
    "conv_forward",
    "conv_backward",
]


def _params(conv_param) -> tuple[int, int]:
    conv_param = conv_param or {}
    unknown = set(conv_param) - {"stride", "pad"}
    if unknown:
        raise ValueError(f"conv_param accepts the keys 'stride' and 'pad'; got unknown {sorted(unknown)}.")
    return int(conv_param.get("stride", 1)), int(conv_param.get("pad", 0))


def _check_bias(b: np.ndarray, K: int) -> None:
    if np.shape(b) != (K,):
        raise ValueError(f"conv bias must have shape (K,) = ({K},); got {np.shape(b)}.")


def conv_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param=None):
    """Convolution with explicit loops over examples, filters and output positions (the reference).

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (K, C, FH, FW)
    b : ndarray of shape (K,)
    conv_param : dict with "stride" (S) and "pad" (P)

    Returns
    -------
    out : ndarray of shape (N, K, H', W')
    cache : (x, w, b, conv_param)
    """
    S, P = _params(conv_param)
    N, K, Ho, Wo = conv_output_shape(x.shape, w.shape, S, P)
    _check_bias(b, K)
    FH, FW = w.shape[2:]
    xp = pad_spatial(x, P)
    out = np.zeros((N, K, Ho, Wo), dtype=np.result_type(x, w))
    for n in range(N):
        for k in range(K):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * S : i * S + FH, j * S : j * S + FW]  # (C, FH, FW)
                    out[n, k, i, j] = np.sum(window * w[k]) + b[k]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout: np.ndarray, cache):
    """Backward of :func:`conv_forward_naive`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (K, C, FH, FW)
    db : ndarray of shape (K,)
    """
    x, w, b, conv_param = cache
    S, P = _params(conv_param)
    N, K, Ho, Wo = dout.shape
    FH, FW = w.shape[2:]
    xp = pad_spatial(x, P)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for k in range(K):
            for i in range(Ho):
                for j in range(Wo):
                    rows, cols = slice(i * S, i * S + FH), slice(j * S, j * S + FW)
                    dw[k] += xp[n, :, rows, cols] * dout[n, k, i, j]
                    dxp[n, :, rows, cols] += w[k] * dout[n, k, i, j]
    dx = dxp[:, :, P : P + x.shape[2], P : P + x.shape[3]]
    return dx, dw, db


_BLOCK_BYTES = 32 * 2**20  # im2col bytes per GEMM block: big enough for BLAS, small enough to stay bounded


def _image_blocks(N: int, Ho: int, Wo: int, row_len: int, itemsize: int):
    """Slices of images whose im2col block fills about ``_BLOCK_BYTES``."""
    per_block = max(1, min(N, _BLOCK_BYTES // max(1, Ho * Wo * row_len * itemsize)))
    return [slice(s, min(s + per_block, N)) for s in range(0, N, per_block)]


def conv_forward_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param=None):
    """Convolution as GEMMs over im2col rows; same parameters and result as :func:`conv_forward_naive`.

    The batch goes through in blocks of images whose im2col matrix is ~32 MB; each block is one GEMM
    ``cols (B*H'*W', FH*FW*C) @ w_rows.T (FH*FW*C, K)``. Blocking bounds the memory (the cache holds only x
    and w, not an (N*H'*W', FH*FW*C) matrix: 300 MB for batch 128, 32x32, 64 channels, 3x3) and was no slower
    than one GEMM over all N*H'*W' rows in our runs; much smaller blocks (< ~8 images of 32x32) make
    OpenBLAS's GEMM itself slower.

    Returns
    -------
    out : ndarray of shape (N, K, H', W'), dtype of x and w
    cache : (x, w, conv_param)
    """
    S, P = _params(conv_param)
    N, K, Ho, Wo = conv_output_shape(x.shape, w.shape, S, P)
    _check_bias(b, K)
    FH, FW = w.shape[2:]
    w_rows = w.transpose(0, 2, 3, 1).reshape(K, -1)  # (K, FH*FW*C), the column order of im2col
    out = np.empty((N, K, Ho, Wo), dtype=np.result_type(x, w))
    for blk in _image_blocks(N, Ho, Wo, w_rows.shape[1], x.itemsize):
        cols = im2col(x[blk], FH, FW, S, P)  # (B*H'*W', FH*FW*C)
        rows = cols @ w_rows.T  # (B*H'*W', K)
        rows += b
        out[blk] = rows.reshape(-1, Ho, Wo, K).transpose(0, 3, 1, 2)  # (B, K, H', W')
    return out, (x, w, conv_param)


def conv_backward_fast(dout: np.ndarray, cache, need_dx: bool = True):
    """Backward of :func:`conv_forward_fast`: per block, im2col again, two GEMMs and a col2im.

    Parameters
    ----------
    dout : ndarray of shape (N, K, H', W')
    cache : from :func:`conv_forward_fast`
    need_dx : False skips the dx GEMM and col2im (about half the work) and returns dx = None, e.g. for the
        first layer of a network, whose input needs no gradient.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W) (or None)
    dw : ndarray of shape (K, C, FH, FW)
    db : ndarray of shape (K,)
    """
    x, w, conv_param = cache
    S, P = _params(conv_param)
    K, C, FH, FW = w.shape
    Ho, Wo = dout.shape[2:]
    w_rows = w.transpose(0, 2, 3, 1).reshape(K, -1)  # (K, FH*FW*C)
    dtype = np.result_type(dout, x, w)
    db = dout.sum(axis=(0, 2, 3))
    dw_rows = np.zeros((w_rows.shape[1], K), dtype=dtype)  # (FH*FW*C, K)
    dx = np.empty(x.shape, dtype=dtype) if need_dx else None
    for blk in _image_blocks(x.shape[0], Ho, Wo, w_rows.shape[1], x.itemsize):
        cols = im2col(x[blk], FH, FW, S, P)  # (B*H'*W', FH*FW*C), recomputed: cheaper than keeping it
        dout_rows = dout[blk].transpose(0, 2, 3, 1).reshape(-1, K)  # (B*H'*W', K)
        # dw^T = cols^T @ dout_rows: OpenBLAS is ~5x faster in this orientation than dout_rows^T @ cols.
        dw_rows += cols.T @ dout_rows
        if need_dx:
            dcols = dout_rows @ w_rows  # (B*H'*W', FH*FW*C)
            dx[blk] = col2im(dcols, x[blk].shape, FH, FW, S, P)  # (B, C, H, W)
    dw = np.ascontiguousarray(dw_rows.T.reshape(K, FH, FW, C).transpose(0, 3, 1, 2))  # (K, C, FH, FW)
    return dx, dw, db


# The names used in the design notes: the fast path *is* the im2col path.
conv_forward_im2col = conv_forward_fast
conv_backward_im2col = conv_backward_fast


def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int = 0):
    """Keyword form of :func:`conv_forward_fast`: ``conv_forward(x, w, b, stride=1, pad=0)``."""
    return conv_forward_fast(x, w, b, {"stride": stride, "pad": pad})


def conv_backward(dout: np.ndarray, cache, need_dx: bool = True):
    """Backward of :func:`conv_forward` (= :func:`conv_backward_fast`)."""
    return conv_backward_fast(dout, cache, need_dx)
