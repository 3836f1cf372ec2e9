"""Flatten: ``x (N, d1, ..., dk) -> (N, d1*...*dk)``, the stretch before a fully connected layer (L4881)."""

from __future__ import annotations

import numpy as np

__all__ = ["flatten_forward", "flatten_backward"]


def flatten_forward(x: np.ndarray):
    """Returns ``out`` of shape (N, D) with D = d1*...*dk, and the cache (the input shape)."""
    return x.reshape(x.shape[0], -1), x.shape


def flatten_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Reshape ``dout (N, D)`` back to the input shape."""
    return dout.reshape(cache)
