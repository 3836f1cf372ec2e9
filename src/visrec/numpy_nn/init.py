"""Weight initialization (Lecture 6, L6049-6312).

- ``small_random``: ``scale * randn(fan_in, fan_out)`` (0.01: activations collapse to 0 in deep tanh nets).
- ``xavier``: ``randn(fan_in, fan_out) / sqrt(fan_in)`` (Glorot & Bengio 2010): keeps the variance for tanh.
- ``he``: ``randn(fan_in, fan_out) * sqrt(2 / fan_in)`` (He et al. 2015): keeps the variance for ReLU.

⚠ The slides write He as ``np.random.randn(fan_in, fan_out) / np.sqrt(2/fan_in)`` (L6257, L6285): that
would scale by ``sqrt(fan_in/2)`` (std ~16 for fan_in = 500) and blow the activations up. The correct scale
is ``/ np.sqrt(fan_in/2)`` = ``* np.sqrt(2/fan_in)``, which is what the slide's printed statistics (mean
~0.55-0.62, std ~0.81-0.89 through ten ReLU layers of 500) correspond to; that is what we implement.

Conv variants take ``(F, C, HH, WW)`` and use ``fan_in = C*HH*WW``.

>>> w = he(1000, 500, rng=0)
>>> round(float(w.std() * (1000 / 2) ** 0.5), 1)
1.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from visrec.utils.seeding import rng as make_rng
from visrec.utils.validation import check_float, check_int

__all__ = [
    "small_random",
    "xavier",
    "he",
    "small_random_conv",
    "xavier_conv",
    "he_conv",
    "get_initializer",
    "INITIALIZERS",
]


def _randn(fan_in: int, fan_out: int, rng, dtype) -> np.ndarray:
    fan_in = check_int("fan_in", fan_in, low=1)
    fan_out = check_int("fan_out", fan_out, low=1)
    return make_rng(rng).standard_normal((fan_in, fan_out)).astype(dtype, copy=False)


def small_random(fan_in: int, fan_out: int, scale: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """``scale * randn`` of shape (fan_in, fan_out)."""
    scale = check_float("scale", scale, low=0)
    return _randn(fan_in, fan_out, rng, dtype) * dtype(scale)


def xavier(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """``randn / sqrt(fan_in)`` of shape (fan_in, fan_out): unit variance of the output for tanh."""
    return _randn(fan_in, fan_out, rng, dtype) / dtype(np.sqrt(fan_in))


def he(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """``randn * sqrt(2 / fan_in)`` of shape (fan_in, fan_out): variance kept through ReLUs (He 2015).

    ⚠ Corrects the slide's ``/ np.sqrt(2/fan_in)`` (see the module docstring).
    """
    return _randn(fan_in, fan_out, rng, dtype) * dtype(np.sqrt(2.0 / fan_in))


def _conv(init: Callable, shape, rng, dtype, **kw) -> np.ndarray:
    if len(shape) != 4:
        raise ValueError(f"conv weights have shape (F, C, HH, WW); got {tuple(shape)}.")
    F, C, HH, WW = (int(s) for s in shape)
    w = init(C * HH * WW, F, rng=rng, dtype=dtype, **kw)  # (C*HH*WW, F), fan_in = C*HH*WW
    return np.ascontiguousarray(w.T.reshape(F, C, HH, WW))


def small_random_conv(shape, scale: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """Small random conv filters of shape (F, C, HH, WW)."""
    return _conv(small_random, shape, rng, dtype, scale=scale)


def xavier_conv(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """Xavier conv filters of shape (F, C, HH, WW), fan_in = C*HH*WW."""
    return _conv(xavier, shape, rng, dtype)


def he_conv(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """He conv filters of shape (F, C, HH, WW), fan_in = C*HH*WW."""
    return _conv(he, shape, rng, dtype)


INITIALIZERS: dict[str, tuple[Callable, Callable]] = {
    "small": (small_random, small_random_conv),
    "xavier": (xavier, xavier_conv),
    "he": (he, he_conv),
}


def get_initializer(name: str, conv: bool = False) -> Callable:
    """The initializer called ``name`` ('small', 'xavier' or 'he'); ``conv=True`` gives the conv variant.

    >>> get_initializer("he").__name__
    'he'
    """
    key = str(name).lower()
    aliases = {"small_random": "small", "glorot": "xavier", "kaiming": "he"}
    key = aliases.get(key, key)
    if key not in INITIALIZERS:
        raise ValueError(
            f"Unknown initializer {name!r}; choose one of {sorted(INITIALIZERS)} "
            f"(aliases: {sorted(aliases)})."
        )
    return INITIALIZERS[key][1 if conv else 0]
