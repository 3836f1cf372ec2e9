"""Dropping whole residual branches: stochastic depth (Huang et al. 2016) and drop-path (timm style).

Two conventions exist and both are provided:

- :class:`StochasticDepth` is the paper's: during training a residual branch survives with probability
  ``p`` (one coin per mini-batch) and is used unscaled; at test time every branch is kept and scaled by
  ``p``, so its expected contribution matches training.  ``H_l = ReLU(b_l * f_l(H_{l-1}) + id(H_{l-1}))``.
- :func:`drop_path` / :class:`DropPath` is the "inverted" per-sample variant used by timm: each sample's
  branch is zeroed with probability ``drop_prob`` and survivors are divided by ``1 - drop_prob`` during
  training, so evaluation is the identity.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["StochasticDepth", "DropPath", "drop_path", "linear_survival_probs"]


def linear_survival_probs(num_blocks: int, p_last: float) -> list[float]:
    """Linear decay rule of Huang et al.: ``p_l = 1 - l / L * (1 - p_L)`` for blocks l = 1..L.

    >>> linear_survival_probs(4, 0.5)
    [0.875, 0.75, 0.625, 0.5]
    """
    if not 0.0 < p_last <= 1.0:
        raise ValueError(f"The last block's survival probability must be in (0, 1]; got {p_last}.")
    return [1.0 - (l + 1) / num_blocks * (1.0 - p_last) for l in range(num_blocks)]


class StochasticDepth(nn.Module):
    """Keep a residual branch with probability ``survival_prob`` in training; scale it by it at test time.

    ``forward(residual)`` takes the branch output (N, C, H, W) and returns it, zeros, or a scaled copy.
    Use :meth:`keep` before computing the branch to skip the computation entirely when it is dropped.
    """

    def __init__(self, survival_prob: float = 1.0):
        super().__init__()
        if not 0.0 < survival_prob <= 1.0:
            raise ValueError(f"survival_prob must be in (0, 1]; got {survival_prob}.")
        self.survival_prob = float(survival_prob)

    def keep(self) -> bool:
        """One coin for the whole mini-batch (training only; always True in eval)."""
        if not self.training or self.survival_prob >= 1.0:
            return True
        return bool(torch.rand(()) < self.survival_prob)

    def forward(self, residual: torch.Tensor) -> torch.Tensor:
        if self.training:
            return residual if self.keep() else torch.zeros_like(residual)
        return residual * self.survival_prob

    def extra_repr(self) -> str:
        return f"survival_prob={self.survival_prob:.3f}"


def drop_path(x: torch.Tensor, drop_prob: float = 0.0, training: bool = False) -> torch.Tensor:
    """Zero each sample's branch with probability ``drop_prob``; rescale survivors by ``1/(1-drop_prob)``.

    x : Tensor of shape (N, ...) -> Tensor of the same shape.
    """
    if drop_prob == 0.0 or not training:
        return x
    keep = 1.0 - drop_prob
    mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)  # (N, 1, 1, 1)
    return x * mask / keep


class DropPath(nn.Module):
    """Module form of :func:`drop_path` (per-sample, inverted scaling; identity in eval)."""

    def __init__(self, drop_prob: float = 0.0):
        super().__init__()
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1); got {drop_prob}.")
        self.drop_prob = float(drop_prob)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self) -> str:
        return f"drop_prob={self.drop_prob:.3f}"
