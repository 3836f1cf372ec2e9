"""Convolution layer (Lecture 5, L4906-5337): a readable naive version and a fast im2col + GEMM version.

Shapes: ``x (N, C, H, W)``, ``w (F, C, HH, WW)``, ``b (F,)``, ``out (N, F, H', W')`` with
``H' = (H - HH + 2P)/S + 1`` (validated: a window that doesn't fit raises GeometryError). ``conv_param`` is
``{"stride": S, "pad": P}`` (defaults 1 and 0). Like every deep-learning library this is cross-correlation
(the filter is not flipped). A 1x1 convolution is this same layer with HH = WW = 1 (L5327-5337).

The fast version computes all receptive fields at once with :func:`im2col` and makes one GEMM for the whole
batch; its backward reuses the cached im2col matrix for ``dw`` and scatters ``dx`` back with
:func:`col2im`. float32 inputs stay float32.
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
]


def _params(conv_param) -> tuple[int, int]:
    conv_param = conv_param or {}
    unknown = set(conv_param) - {"stride", "pad"}
    if unknown:
        raise ValueError(f"conv_param accepts the keys 'stride' and 'pad'; got unknown {sorted(unknown)}.")
    return int(conv_param.get("stride", 1)), int(conv_param.get("pad", 0))


def _check_bias(b: np.ndarray, F: int) -> None:
    if np.shape(b) != (F,):
        raise ValueError(f"conv bias must have shape (F,) = ({F},); got {np.shape(b)}.")


def conv_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param=None):
    """Convolution with explicit loops over examples, filters and output positions (the reference).

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    w : ndarray of shape (F, C, HH, WW)
    b : ndarray of shape (F,)
    conv_param : dict with "stride" (S) and "pad" (P)

    Returns
    -------
    out : ndarray of shape (N, F, H', W')
    cache : (x, w, b, conv_param)
    """
    S, P = _params(conv_param)
    N, F, Ho, Wo = conv_output_shape(x.shape, w.shape, S, P)
    _check_bias(b, F)
    HH, WW = w.shape[2:]
    xp = pad_spatial(x, P)
    out = np.zeros((N, F, Ho, Wo), dtype=np.result_type(x, w))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    window = xp[n, :, i * S : i * S + HH, j * S : j * S + WW]  # (C, HH, WW)
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout: np.ndarray, cache):
    """Backward of :func:`conv_forward_naive`.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    """
    x, w, b, conv_param = cache
    S, P = _params(conv_param)
    N, F, Ho, Wo = dout.shape
    HH, WW = w.shape[2:]
    xp = pad_spatial(x, P)
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    rows, cols = slice(i * S, i * S + HH), slice(j * S, j * S + WW)
                    dw[f] += xp[n, :, rows, cols] * dout[n, f, i, j]
                    dxp[n, :, rows, cols] += w[f] * dout[n, f, i, j]
    dx = dxp[:, :, P : P + x.shape[2], P : P + x.shape[3]]
    return dx, dw, db


def conv_forward_fast(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param=None):
    """Convolution as one GEMM over im2col rows.

    Same parameters and result as :func:`conv_forward_naive`; the cache holds the im2col matrix
    ``cols (N*H'*W', HH*WW*C)`` so the backward pass does not rebuild it.
    """
    S, P = _params(conv_param)
    N, F, Ho, Wo = conv_output_shape(x.shape, w.shape, S, P)
    _check_bias(b, F)
    HH, WW = w.shape[2:]
    cols = im2col(x, HH, WW, S, P)  # (N*H'*W', HH*WW*C)
    w_rows = w.transpose(0, 2, 3, 1).reshape(F, -1)  # (F, HH*WW*C), the column order of im2col
    out = cols @ w_rows.T  # (N*H'*W', F): one GEMM for the whole batch
    out += b
    out = np.ascontiguousarray(out.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2))  # (N, F, H', W')
    return out, (x.shape, w, cols, conv_param)


def conv_backward_fast(dout: np.ndarray, cache):
    """Backward of :func:`conv_forward_fast`: two GEMMs and a col2im.

    Returns
    -------
    dx : ndarray of shape (N, C, H, W)
    dw : ndarray of shape (F, C, HH, WW)
    db : ndarray of shape (F,)
    """
    x_shape, w, cols, conv_param = cache
    S, P = _params(conv_param)
    F, _, HH, WW = w.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N*H'*W', F)
    db = dout_rows.sum(axis=0)
    # dw = dout_rows.T @ cols, computed as (cols.T @ dout_rows).T: OpenBLAS is ~5x faster when the long
    # N*H'*W' axis is the inner dimension of the transposed *left* operand.
    dw_rows = (cols.T @ dout_rows).T  # (F, HH*WW*C)
    dw = np.ascontiguousarray(dw_rows.reshape(F, HH, WW, -1).transpose(0, 3, 1, 2))  # (F, C, HH, WW)
    w_rows = w.transpose(0, 2, 3, 1).reshape(F, -1)  # (F, HH*WW*C)
    dcols = dout_rows @ w_rows  # (N*H'*W', HH*WW*C)
    dx = col2im(dcols, x_shape, HH, WW, S, P)  # (N, C, H, W)
    return dx, dw, db


# The names used in the design notes: the fast path *is* the im2col path.
conv_forward_im2col = conv_forward_fast
conv_backward_im2col = conv_backward_fast
