"""Layers applied at every time step: temporal affine and the masked temporal softmax loss (Lecture 10).

The loss of an unrolled RNN is the sum of the per-step cross-entropy losses (L14612-14676). Captions of
different lengths are padded with ``<NULL>``; the mask removes those steps from the loss and its gradient.
The sum over steps is divided by N (the batch), not by the number of unmasked steps.

>>> import numpy as np
>>> loss, dx = temporal_softmax_loss(np.zeros((1, 2, 4)), np.array([[1, 0]]), np.array([[True, False]]))
>>> round(float(loss), 6) == round(float(np.log(4)), 6), float(np.abs(dx[0, 1]).sum())
(True, 0.0)
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.embedding import check_token_ids

__all__ = ["temporal_affine_forward", "temporal_affine_backward", "temporal_softmax_loss"]


def temporal_affine_forward(x, w, b):
    """Affine map at every step.

    Parameters
    ----------
    x : ndarray of shape (N, T, D); w : ndarray of shape (D, M); b : ndarray of shape (M,)

    Returns
    -------
    out : ndarray of shape (N, T, M)
    cache : (x, w)
    """
    if x.ndim != 3 or w.shape[0] != x.shape[2] or b.shape != (w.shape[1],):
        raise ValueError(
            f"temporal_affine expects x (N, T, D), w (D, M), b (M,); got x {x.shape}, w {w.shape}, "
            f"b {b.shape}. Make w.shape[0] equal D = x.shape[2]."
        )
    return x @ w + b, (x, w)


def temporal_affine_backward(dout, cache):
    """Backward: dout (N, T, M) -> dx (N, T, D), dw (D, M), db (M,)."""
    x, w = cache
    dw = np.tensordot(x, dout, axes=([0, 1], [0, 1]))
    return dout @ w.T, dw, dout.sum(axis=(0, 1))


def temporal_softmax_loss(x, y, mask=None):
    """Softmax cross-entropy at every step, summed over unmasked steps, averaged over the batch.

    Parameters
    ----------
    x : ndarray of shape (N, T, V), scores.
    y : int ndarray of shape (N, T), targets in [0, V).
    mask : bool ndarray of shape (N, T) or None; False steps contribute nothing (the ``<NULL>`` padding).

    Returns
    -------
    loss : float, ``-sum_{n,t} mask * log p(y[n, t]) / N``
    dx : ndarray of shape (N, T, V)
    """
    N, T, V = x.shape
    y = check_token_ids("temporal_softmax_loss", y, V)
    mask = np.ones((N, T), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if y.shape != (N, T) or mask.shape != (N, T):
        raise ValueError(
            f"temporal_softmax_loss expects x (N, T, V), y (N, T), mask (N, T); got x {x.shape}, "
            f"y {y.shape}, mask {mask.shape}."
        )
    shifted = x - x.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))  # (N, T, V)
    picked = np.take_along_axis(log_p, y[..., None], axis=2)[..., 0]  # (N, T)
    loss = -np.sum(picked * mask) / N
    dx = np.exp(log_p)
    np.put_along_axis(dx, y[..., None], np.take_along_axis(dx, y[..., None], axis=2) - 1, axis=2)
    dx *= mask[..., None] / N
    return float(loss), dx.astype(x.dtype, copy=False)
