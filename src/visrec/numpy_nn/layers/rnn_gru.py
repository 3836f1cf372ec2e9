"""Gated recurrent unit, in the lecture's form (Lecture 10, L16294-16302; Cho et al. 2014)::

    r = sigmoid(x Wx_r + h Wh_r + b_r),  z = sigmoid(x Wx_z + h Wh_z + b_z)
    h~ = tanh(x Wx_h + (r * h) Wh_h + b_h)
    h_t = z * h_{t-1} + (1 - z) * h~

Wx is (D, 3H) and Wh is (H, 3H) with the blocks in the order r, z, h~. The reset gate multiplies the state
*before* the recurrent product, as on the slide (torch.nn.GRU multiplies after it, so the two differ).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> h, _ = gru_forward(rng.standard_normal((2, 5, 3)), np.zeros((2, 4)), rng.standard_normal((3, 12)),
...                    rng.standard_normal((4, 12)), np.zeros(12))
>>> h.shape
(2, 5, 4)
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.rnn import check_recurrent_shapes
from visrec.numpy_nn.layers.rnn_lstm import sigmoid

__all__ = ["gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward"]


def gru_step_forward(x, prev_h, Wx, Wh, b):
    """One GRU step: x (N, D), prev_h (N, H), Wx (D, 3H), Wh (H, 3H), b (3H,) -> next_h (N, H), cache."""
    check_recurrent_shapes("gru_step_forward", x, prev_h, Wx, Wh, b, gates=3)
    H = prev_h.shape[1]
    ax = x @ Wx + b  # (N, 3H)
    rz = sigmoid(ax[:, : 2 * H] + prev_h @ Wh[:, : 2 * H])
    r, z = rz[:, :H], rz[:, H:]
    rh = r * prev_h
    hc = np.tanh(ax[:, 2 * H :] + rh @ Wh[:, 2 * H :])  # candidate h~
    next_h = z * prev_h + (1 - z) * hc
    return next_h, (x, prev_h, Wx, Wh, r, z, rh, hc)


def gru_step_backward(dnext_h, cache):
    """Backward of :func:`gru_step_forward`: dx (N, D), dprev_h (N, H), dWx (D, 3H), dWh (H, 3H), db (3H,)."""
    x, prev_h, Wx, Wh, r, z, rh, hc = cache
    H = prev_h.shape[1]
    dhc_pre = dnext_h * (1 - z) * (1 - hc * hc)  # at the candidate's tanh input
    drh = dhc_pre @ Wh[:, 2 * H :].T
    dz_pre = dnext_h * (prev_h - hc) * z * (1 - z)
    dr_pre = drh * prev_h * r * (1 - r)
    da = np.concatenate([dr_pre, dz_pre, dhc_pre], axis=1)  # (N, 3H), input-side pre-activations
    dWh = np.concatenate([prev_h.T @ da[:, : 2 * H], rh.T @ dhc_pre], axis=1)
    dprev_h = dnext_h * z + drh * r + da[:, : 2 * H] @ Wh[:, : 2 * H].T
    return da @ Wx.T, dprev_h, x.T @ da, dWh, da.sum(axis=0)


def gru_forward(x, h0, Wx, Wh, b):
    """GRU over a sequence: x (N, T, D), h0 (N, H) -> h (N, T, H), cache (the step caches)."""
    check_recurrent_shapes("gru_forward", x, h0, Wx, Wh, b, gates=3)
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    prev, caches = h0, []
    for t in range(T):
        prev, c = gru_step_forward(x[:, t], prev, Wx, Wh, b)
        h[:, t] = prev
        caches.append(c)
    return h, caches


def gru_backward(dh, cache):
    """Backward of :func:`gru_forward`: dx (N, T, D), dh0 (N, H), dWx, dWh, db."""
    Wx, Wh = cache[0][2], cache[0][3]
    N, T, H = dh.shape
    dx = np.empty((N, T, Wx.shape[0]), dtype=dh.dtype)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(3 * H, dtype=Wx.dtype)
    dprev = np.zeros((N, H), dtype=dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dprev, dwx, dwh, dbt = gru_step_backward(dh[:, t] + dprev, cache[t])
        dWx += dwx
        dWh += dwh
        db += dbt
    return dx, dprev, dWx, dWh, db
