"""Local response normalization (Krizhevsky et al. 2012, Sec. 3.3), used by AlexNet and ZFNet.

``b[c] = a[c] / (k + alpha/n * sum_{c' in window of n around c} a[c']^2) ** beta``, across channels; the
paper's constants are n=5, alpha=1e-4, beta=0.75, k=2. (VGG found it did not help and dropped it.)
"""

from __future__ import annotations

from torch import nn

__all__ = ["LocalResponseNorm"]


class LocalResponseNorm(nn.LocalResponseNorm):
    """``nn.LocalResponseNorm`` with AlexNet's constants as defaults. (N, C, H, W) -> same shape."""

    def __init__(self, size: int = 5, alpha: float = 1e-4, beta: float = 0.75, k: float = 2.0):
        super().__init__(size, alpha, beta, k)
