"""Maxout unit (Goodfellow et al. 2013; Lecture 4, L4448): ``max_k (x w_k + b_k)`` over k linear pieces.

With k = 2 this is ``max(w1^T x + b1, w2^T x + b2)`` of the slides; ReLU is the special case w2 = b2 = 0.
"""

from __future__ import annotations

import numpy as np

__all__ = ["maxout_forward", "maxout_backward"]


def maxout_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Maxout forward pass.

    Parameters
    ----------
    x : ndarray of shape (N, D) (or (N, d1, ..., dk), stretched to rows)
    w : ndarray of shape (D, M, k), k linear pieces per output unit
    b : ndarray of shape (M, k)

    Returns
    -------
    out : ndarray of shape (N, M)
    cache
    """
    x2 = x.reshape(x.shape[0], -1)  # (N, D)
    if w.ndim != 3 or w.shape[0] != x2.shape[1] or b.shape != w.shape[1:]:
        raise ValueError(
            f"maxout expects x (N, D), w (D, M, k), b (M, k); got x {x.shape} (D={x2.shape[1]}), "
            f"w {w.shape}, b {b.shape}."
        )
    D, M, k = w.shape
    z = (x2 @ w.reshape(D, M * k)).reshape(-1, M, k) + b  # (N, M, k)
    idx = z.argmax(axis=2)  # (N, M)
    out = np.take_along_axis(z, idx[..., None], axis=2)[..., 0]  # (N, M)
    return out, (x, w, idx)


def maxout_backward(dout: np.ndarray, cache):
    """Returns dx (shape of x), dw (D, M, k), db (M, k); the gradient flows through the winning piece."""
    x, w, idx = cache
    D, M, k = w.shape
    x2 = x.reshape(x.shape[0], -1)  # (N, D)
    dz = (idx[..., None] == np.arange(k)) * dout[..., None]  # (N, M, k)
    dz = dz.astype(dout.dtype, copy=False)
    db = dz.sum(axis=0)
    dz2 = dz.reshape(-1, M * k)  # (N, M*k)
    dw = (x2.T @ dz2).reshape(D, M, k)
    dx = (dz2 @ w.reshape(D, M * k).T).reshape(x.shape)
    return dx, dw, db
