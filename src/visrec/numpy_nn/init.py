"""Weight initialization (Lecture 6, L6049-6312): the one place the NumPy engine draws initial weights.

- ``small``: ``scale * randn(fan_in, fan_out)`` (0.01: activations collapse to 0 in deep tanh nets).
- ``xavier``: ``randn(fan_in, fan_out) / sqrt(fan_in)`` (Glorot & Bengio 2010): keeps the variance for tanh.
- ``he``: ``randn(fan_in, fan_out) * sqrt(2 / fan_in)`` (He et al. 2015): keeps the variance for ReLU.

⚠ The slides write He as ``np.random.randn(fan_in, fan_out) / np.sqrt(2/fan_in)`` (L6257, L6285): that
would scale by ``sqrt(fan_in/2)`` (std ~16 for fan_in = 500) and blow the activations up. The correct scale
is ``/ np.sqrt(fan_in/2)`` = ``* np.sqrt(2/fan_in)``, which is what the slide's printed statistics (mean
~0.55-0.62, std ~0.81-0.89 through ten ReLU layers of 500) correspond to; that is what we implement.

Conv variants take the filter bank's shape ``(K, C, F, F)`` (K filters of size F x F over C channels) and
use ``fan_in = C*F*F``. Every initializer draws in float64 and then casts, so float32 and float64 models
built from the same seed start from the same numbers.

>>> w = he(1000, 500, rng=0)
>>> round(float(w.std() * (1000 / 2) ** 0.5), 1)
1.0
>>> he_conv((8, 3, 5, 5), rng=0).shape
(8, 3, 5, 5)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from visrec.utils.seeding import rng as make_rng
from visrec.utils.validation import check_float, check_int

__all__ = [
    "init_weight",
    "small_random",
    "xavier",
    "he",
    "small_random_conv",
    "xavier_conv",
    "he_conv",
    "get_initializer",
    "INITIALIZERS",
]

_ALIASES = {"small_random": "small", "glorot": "xavier", "kaiming": "he"}


def _canonical(name: str) -> str:
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in ("small", "xavier", "he"):
        raise ValueError(
            f"Unknown initializer {name!r}; choose one of ['he', 'small', 'xavier'] "
            f"(aliases: {sorted(_ALIASES)})."
        )
    return key


def init_weight(shape, init: str = "he", weight_scale: float = 0.01, rng=None, dtype=np.float64):
    """Initial weights of an affine ``(D, M)`` or conv ``(K, C, F, F)`` layer; every model draws here.

    Parameters
    ----------
    shape : (D, M) (fan_in = D) or (K, C, F, F) (fan_in = C*F*F)
    init : "small" (``weight_scale * randn``) | "xavier" | "he" (aliases small_random, glorot, kaiming)
    weight_scale : float, the std used by ``init="small"``
    rng : seed or numpy Generator (a Generator advances)
    dtype : the returned dtype (the draw is float64 either way)

    A conv bank is drawn as the matrix ``(C*F*F, K)`` (one column per filter) and reshaped, so it holds
    the same numbers as the affine layer with the same fan-in.

    >>> init_weight((4, 3), "small", weight_scale=0.5, rng=0).shape
    (4, 3)
    >>> init_weight((8, 3, 5, 5), "he", rng=0).shape
    (8, 3, 5, 5)
    """
    key = _canonical(init)
    shape = tuple(check_int("weight shape", s, low=1) for s in shape)
    if len(shape) == 4:
        K, C, F1, F2 = shape
        w = init_weight((C * F1 * F2, K), key, weight_scale, rng, dtype)  # (C*F*F, K)
        return np.ascontiguousarray(w.T.reshape(K, C, F1, F2))  # (K, C, F, F)
    if len(shape) != 2:
        raise ValueError(f"weights have shape (D, M) or (K, C, F, F); got {shape}.")
    z = make_rng(rng).standard_normal(shape)  # (D, M) float64
    if key == "small":
        w = check_float("scale", weight_scale, low=0) * z
    elif key == "xavier":
        w = z / np.sqrt(shape[0])
    else:  # he; corrects the slide's "/ np.sqrt(2/fan_in)" (module docstring)
        w = z * np.sqrt(2.0 / shape[0])
    return w.astype(dtype, copy=False)


def _fans(fan_in, fan_out) -> tuple[int, int]:
    return check_int("fan_in", fan_in, low=1), check_int("fan_out", fan_out, low=1)


def small_random(fan_in: int, fan_out: int, scale: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """``scale * randn`` of shape (fan_in, fan_out)."""
    return init_weight(_fans(fan_in, fan_out), "small", scale, rng, dtype)


def xavier(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """``randn / sqrt(fan_in)`` of shape (fan_in, fan_out): unit variance of the output for tanh."""
    return init_weight(_fans(fan_in, fan_out), "xavier", rng=rng, dtype=dtype)


def he(fan_in: int, fan_out: int, rng=None, dtype=np.float64) -> np.ndarray:
    """``randn * sqrt(2 / fan_in)`` of shape (fan_in, fan_out): variance kept through ReLUs (He 2015).

    ⚠ Corrects the slide's ``/ np.sqrt(2/fan_in)`` (see the module docstring).
    """
    return init_weight(_fans(fan_in, fan_out), "he", rng=rng, dtype=dtype)


def _check_conv(shape) -> tuple:
    if len(shape) != 4:
        raise ValueError(f"conv weights have shape (K, C, F, F); got {tuple(shape)}.")
    return tuple(shape)


def small_random_conv(shape, scale: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """Small random conv filters of shape (K, C, F, F)."""
    return init_weight(_check_conv(shape), "small", scale, rng, dtype)


def xavier_conv(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """Xavier conv filters of shape (K, C, F, F), fan_in = C*F*F."""
    return init_weight(_check_conv(shape), "xavier", rng=rng, dtype=dtype)


def he_conv(shape, rng=None, dtype=np.float64) -> np.ndarray:
    """He conv filters of shape (K, C, F, F), fan_in = C*F*F."""
    return init_weight(_check_conv(shape), "he", rng=rng, dtype=dtype)


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
    return INITIALIZERS[_canonical(name)][1 if conv else 0]
