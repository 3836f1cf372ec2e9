"""Vanilla RNN: ``h_t = tanh(x_t Wx + h_{t-1} Wh + b)`` (Lecture 10, L14576-14607).

The same weights are used at every time step; the loss of an unrolled sequence is the sum of per-step
losses, so the weight gradients are sums over time. Two versions of the sequence pass live side by side:
``rnn_forward_naive`` / ``rnn_backward_naive`` call the step pair once per step (the lecture's unrolled
graph), ``rnn_forward`` / ``rnn_backward`` do the input projection for all T steps in one matrix product
and accumulate the weight gradients once at the end (the loop over time is only the recurrent part).

Shapes: N batch, T time, D input features, H hidden units. Row-vector convention (``x @ Wx``), so the
slide's ``W_xh`` (H x D) is ``Wx.T`` here.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x, h0 = rng.standard_normal((2, 5, 3)), np.zeros((2, 4))
>>> Wx, Wh, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 4)), np.zeros(4)
>>> h, cache = rnn_forward(x, h0, Wx, Wh, b)
>>> h.shape
(2, 5, 4)
>>> bool(np.allclose(h, rnn_forward_naive(x, h0, Wx, Wh, b)[0]))
True
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "rnn_forward_naive",
    "rnn_backward_naive",
    "check_recurrent_shapes",
]


def check_recurrent_shapes(name: str, x, h0, Wx, Wh, b, gates: int = 1) -> None:
    """Raise ``ValueError`` unless x (N, [T,] D), h0 (N, H), Wx (D, GH), Wh (H, GH), b (GH,)."""
    H = h0.shape[-1] if h0.ndim == 2 else -1
    ok = (
        h0.ndim == 2
        and x.ndim in (2, 3)
        and x.shape[0] == h0.shape[0]
        and Wx.shape == (x.shape[-1], gates * H)
        and Wh.shape == (H, gates * H)
        and b.shape == (gates * H,)
    )
    if not ok:
        g = f"{gates}*H" if gates > 1 else "H"
        raise ValueError(
            f"{name} expects x (N, T, D) or (N, D), h0 (N, H), Wx (D, {g}), Wh (H, {g}), b ({g},); got x "
            f"{x.shape}, h0 {h0.shape}, Wx {Wx.shape}, Wh {Wh.shape}, b {b.shape}. Make the batch sizes "
            f"agree and size the weights from D = x.shape[-1] and H = h0.shape[1]."
        )


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla RNN.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    prev_h : ndarray of shape (N, H)
    Wx : ndarray of shape (D, H), input-to-hidden weights.
    Wh : ndarray of shape (H, H), hidden-to-hidden weights.
    b : ndarray of shape (H,)

    Returns
    -------
    next_h : ndarray of shape (N, H)
    cache : (x, prev_h, Wx, Wh, next_h)
    """
    check_recurrent_shapes("rnn_step_forward", x, prev_h, Wx, Wh, b)
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)  # (N, H)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    """Backward pass of :func:`rnn_step_forward`.

    Returns
    -------
    dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1 - next_h * next_h)  # through tanh, (N, H)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def rnn_forward_naive(x, h0, Wx, Wh, b):
    """Sequence forward pass by calling :func:`rnn_step_forward` T times (the unrolled graph).

    Parameters
    ----------
    x : ndarray of shape (N, T, D)
    h0 : ndarray of shape (N, H), initial hidden state.
    Wx, Wh, b : as in :func:`rnn_step_forward`.

    Returns
    -------
    h : ndarray of shape (N, T, H), the hidden state at every step.
    cache : the list of step caches.
    """
    check_recurrent_shapes("rnn_forward", x, h0, Wx, Wh, b)
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    caches, prev = [], h0
    for t in range(T):
        prev, c = rnn_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        caches.append(c)
    return h, caches


def rnn_backward_naive(dh, cache):
    """Backward pass of :func:`rnn_forward_naive`: step backward T times, summing the weight gradients.

    Parameters
    ----------
    dh : ndarray of shape (N, T, H), upstream gradient of every hidden state (not only the last).

    Returns
    -------
    dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,)
    """
    x0, _, Wx, Wh, _ = cache[0]
    N, T, H = dh.shape
    dx = np.empty((N, T, Wx.shape[0]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(H, dtype=Wx.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev, dwx, dwh, dbt = rnn_step_backward(dh[:, t] + dprev, cache[t])
        dWx += dwx
        dWh += dwh
        db += dbt
    return dx, dprev, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    """Sequence forward pass, fast: the input projection of all T steps is one matrix product.

    Same parameters, returns and results as :func:`rnn_forward_naive`; ``cache = (x, h0, Wx, Wh, h)``.
    """
    check_recurrent_shapes("rnn_forward", x, h0, Wx, Wh, b)
    N, T, _ = x.shape
    xw = x @ Wx + b  # (N, T, H)
    h = np.empty_like(xw, dtype=np.result_type(xw, h0))
    prev = h0
    for t in range(T):
        prev = np.tanh(xw[:, t] + prev @ Wh)
        h[:, t] = prev
    return h, (x, h0, Wx, Wh, h)


def rnn_backward(dh, cache):
    """Backward pass of :func:`rnn_forward`; returns dx (N, T, D), dh0 (N, H), dWx, dWh, db."""
    x, h0, Wx, Wh, h = cache
    N, T, H = dh.shape
    da = np.empty_like(h)  # gradient at the tanh input, every step, (N, T, H)
    dprev = np.zeros_like(h0, dtype=dh.dtype)
    for t in reversed(range(T)):
        da[:, t] = (dh[:, t] + dprev) * (1 - h[:, t] * h[:, t])
        dprev = da[:, t] @ Wh.T
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)  # (N, T, H): h_{t-1}
    dWx = np.tensordot(x, da, axes=([0, 1], [0, 1]))  # (D, H)
    dWh = np.tensordot(h_prev, da, axes=([0, 1], [0, 1]))  # (H, H)
    return da @ Wx.T, dprev, dWx, dWh, da.sum(axis=(0, 1))
