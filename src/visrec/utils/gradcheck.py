"""Numerical gradients by centred differences, and the relative error used to compare them.

Lecture 3 (L2704-2779): the numeric gradient is slow and approximate, the analytic one exact but
error-prone; so compute the analytic gradient and *check* it against the numeric one.

relative error = max |a - n| / max(|a| + |n|, tiny)   (elementwise, then the max over entries)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numeric_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x`` by centred differences (x is modified in place
    during evaluation and restored).

    >>> import numpy as np
    >>> g = numeric_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, -2.0]))
    >>> np.allclose(g, [2.0, -4.0])
    True
    """
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fp = f(x)
        x[ix] = old - h
        fm = f(x)
        x[ix] = old
        grad[ix] = (fp - fm) / (2 * h)
        it.iternext()
    return grad


def numeric_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * dout)`` with respect to ``x``: the numeric twin of a layer's backward."""
    return numeric_gradient(lambda v: float(np.sum(f(v) * dout)), x, h)


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, 1e-12)``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-12, np.abs(a) + np.abs(b))))
