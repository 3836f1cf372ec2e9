"""Elementwise activation functions (Lecture 4, L4414-4448; Lecture 6, L5738-5988) as forward/backward pairs.

All take ``x`` of any shape and return ``out`` of the same shape and dtype. Sigmoid and tanh keep their
*output* in the cache and differentiate from it (sigma' = sigma (1 - sigma), tanh' = 1 - tanh^2), as
Caffe's SigmoidLayer does (L4170-4216).

⚠ Leaky ReLU: the slides write max(0.01x, x) (L5932) but the summary slide uses 0.1x; the slope is a
parameter here, default 0.01.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "relu_forward",
    "relu_backward",
    "sigmoid_forward",
    "sigmoid_backward",
    "tanh_forward",
    "tanh_backward",
    "leaky_relu_forward",
    "leaky_relu_backward",
    "prelu_forward",
    "prelu_backward",
    "elu_forward",
    "elu_backward",
]


def relu_forward(x: np.ndarray):
    """``max(0, x)``. Returns ``(out, cache)``; cache is x."""
    return np.maximum(x, 0), x


def relu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Gradient routed where ``x > 0`` (the kink at 0 gets 0, as in PyTorch)."""
    x = cache
    return dout * (x > 0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function (no overflow in exp for large |x|)."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def sigmoid_forward(x: np.ndarray):
    """``1 / (1 + exp(-x))``. Returns ``(out, cache)``; cache is the output."""
    out = _sigmoid(x)
    return out, out


def sigmoid_backward(dout: np.ndarray, cache) -> np.ndarray:
    """``dout * s * (1 - s)`` from the cached output s."""
    s = cache
    return dout * s * (1 - s)


def tanh_forward(x: np.ndarray):
    """``tanh(x)``. Returns ``(out, cache)``; cache is the output."""
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: np.ndarray, cache) -> np.ndarray:
    """``dout * (1 - t^2)`` from the cached output t."""
    t = cache
    return dout * (1 - t * t)


def leaky_relu_forward(x: np.ndarray, alpha: float = 0.01):
    """``max(alpha x, x)`` for ``0 <= alpha < 1`` (default 0.01, L5932)."""
    out = np.where(x > 0, x, alpha * x)
    return out, (x, alpha)


def leaky_relu_backward(dout: np.ndarray, cache) -> np.ndarray:
    x, alpha = cache
    return np.where(x > 0, dout, alpha * dout)


def _alpha_view(alpha, x: np.ndarray) -> np.ndarray:
    """Broadcast PReLU's alpha: a scalar / shape (1,) shared, or shape (C,) per channel on axis 1."""
    alpha = np.asarray(alpha, dtype=x.dtype)
    if alpha.size == 1:
        return alpha.reshape((1,) * x.ndim)
    if x.ndim < 2 or alpha.shape != (x.shape[1],):
        raise ValueError(
            f"prelu alpha must be a scalar or have shape (C,) = ({x.shape[1] if x.ndim > 1 else '?'},) "
            f"for x of shape {x.shape} (channels on axis 1); got alpha of shape {alpha.shape}."
        )
    return alpha.reshape((1, -1) + (1,) * (x.ndim - 2))


def prelu_forward(x: np.ndarray, alpha):
    """Parametric ReLU ``max(alpha x, x)`` with a learned slope (L5955).

    Parameters
    ----------
    x : ndarray of shape (N, C, ...) or (N, D)
    alpha : scalar, ndarray of shape (1,), or ndarray of shape (C,) (one slope per channel, axis 1).
    """
    a = _alpha_view(alpha, x)
    out = np.where(x > 0, x, a * x)
    return out, (x, np.asarray(alpha), a)


def prelu_backward(dout: np.ndarray, cache):
    """Returns ``dx`` (shape of x) and ``dalpha`` (shape of alpha)."""
    x, alpha, a = cache
    neg = x <= 0
    dx = np.where(neg, a * dout, dout)
    contrib = np.where(neg, x * dout, 0)
    if alpha.size == 1:
        dalpha = np.asarray(contrib.sum(), dtype=x.dtype).reshape(alpha.shape)
    else:
        axes = (0,) + tuple(range(2, x.ndim))
        dalpha = contrib.sum(axis=axes)
    return dx, dalpha


def elu_forward(x: np.ndarray, alpha: float = 1.0):
    """Exponential linear unit: ``x`` if x > 0 else ``alpha (exp(x) - 1)`` (Clevert et al. 2015)."""
    neg = alpha * np.expm1(np.minimum(x, 0))
    out = np.where(x > 0, x, neg)
    return out, (x, alpha, neg)


def elu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """``dout`` where x > 0, else ``dout * (out + alpha)`` (= alpha e^x)."""
    x, alpha, neg = cache
    return np.where(x > 0, dout, dout * (neg + alpha))
