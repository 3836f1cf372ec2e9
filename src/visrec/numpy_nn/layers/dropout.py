"""Inverted dropout (Srivastava et al. 2014; Lecture 7, L8142-8407).

``p`` is the probability of KEEPING a unit, as in the slides' code (p = 0.5). At train time
``mask = (rand < p) / p`` and ``out = x * mask``, so the expected output equals the input and nothing
needs rescaling at test time, where dropout is the identity.

>>> import numpy as np
>>> out, _ = dropout_forward(np.ones((2, 3)), p=0.5, mode="test")
>>> bool((out == 1).all())
True
"""

from __future__ import annotations

import numpy as np

from visrec.utils.seeding import rng as make_rng

__all__ = ["dropout_forward", "dropout_backward"]


def dropout_forward(x: np.ndarray, p: float, mode: str, seed=None):
    """Inverted dropout forward pass.

    Parameters
    ----------
    x : ndarray of any shape
    p : float in (0, 1], probability of keeping each unit
    mode : "train" (drop and rescale) or "test" (identity)
    seed : int, numpy Generator or None; the mask's randomness (a Generator advances between calls)

    Returns
    -------
    out : ndarray shaped like x
    cache : (mode, mask); mask is None at test time
    """
    if not 0 < p <= 1:
        raise ValueError(f"dropout p is the probability of KEEPING a unit and must be in (0, 1]; got {p}.")
    if mode not in ("train", "test"):
        raise ValueError(f"dropout mode must be 'train' or 'test'; got {mode!r}.")
    if mode == "test":
        return x, (mode, None)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)  # integer activations: the 1/p scaling needs floats
    gen = make_rng(seed)
    mask = (gen.random(x.shape) < p).astype(x.dtype) / x.dtype.type(p)  # (same shape as x)
    return x * mask, (mode, mask)


def dropout_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Gradient through the same mask as the forward pass (identity at test time)."""
    mode, mask = cache
    if mode == "test":
        return dout
    return dout * mask
