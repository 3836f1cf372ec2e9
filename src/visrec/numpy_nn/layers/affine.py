"""Fully connected (affine) layer: ``out = x.reshape(N, D) @ w + b`` (Lecture 4, L4267; Lecture 5, L4881).

>>> import numpy as np
>>> out, cache = affine_forward(np.ones((2, 3, 4)), np.ones((12, 5)), np.zeros(5))
>>> out.shape
(2, 5)
"""

from __future__ import annotations

import numpy as np

__all__ = ["affine_forward", "affine_backward"]


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Affine forward pass.

    Parameters
    ----------
    x : ndarray of shape (N, d1, ..., dk); each example is stretched to a row of D = d1*...*dk values.
    w : ndarray of shape (D, M)
    b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : (x, w)
    """
    x2 = x.reshape(x.shape[0], -1)  # (N, D)
    if x2.shape[1] != w.shape[0] or w.ndim != 2 or b.shape != (w.shape[1],):
        raise ValueError(
            f"affine expects x (N, D), w (D, M), b (M,); got x {x.shape} (D={x2.shape[1]}), "
            f"w {w.shape}, b {b.shape}. Make w.shape[0] equal the number of features per example."
        )
    out = x2 @ w + b  # (N, M)
    return out, (x, w)


def affine_backward(dout: np.ndarray, cache, need_dx: bool = True):
    """Affine backward pass.

    Parameters
    ----------
    dout : ndarray of shape (N, M), upstream gradient.
    cache : from :func:`affine_forward`.
    need_dx : False skips the ``dout @ w.T`` GEMM and returns dx = None (the first layer of a network,
        whose input needs no gradient).

    Returns
    -------
    dx : ndarray of shape (N, d1, ..., dk) (or None)
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    x, w = cache
    x2 = x.reshape(x.shape[0], -1)  # (N, D)
    dx = (dout @ w.T).reshape(x.shape) if need_dx else None
    dw = x2.T @ dout  # (D, M)
    db = dout.sum(axis=0)
    return dx, dw, db
