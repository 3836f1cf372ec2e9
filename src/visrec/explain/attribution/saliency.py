"""Saliency maps (Simonyan, Vedaldi & Zisserman 2014): how much each pixel moves the class score.

``Saliency(model).attribute(x, target=c)`` is |d S_c / d x| with the input's shape, like captum's
``Saliency``; :func:`saliency_map` takes the lecture's last step, the max over colour channels.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Flatten(), nn.Linear(4, 2))
>>> Saliency(net).attribute(torch.ones(1, 1, 2, 2), target=1).shape
torch.Size([1, 1, 2, 2])
"""

from __future__ import annotations

import torch

from visrec.explain.attribution._common import input_grad

__all__ = ["Saliency", "saliency_map"]


class Saliency:
    """Gradient of the unnormalized target score with respect to the input.

    Parameters
    ----------
    forward_func : callable
        inputs (N, C, H, W) -> scores (N, K); a model or any function.
    """

    def __init__(self, forward_func):
        self.forward_func = forward_func

    def attribute(self, inputs: torch.Tensor, target=None, abs: bool = True) -> torch.Tensor:
        """inputs (N, C, H, W) -> attributions (N, C, H, W): |dS/dx| (``abs=True``) or dS/dx."""
        grad = input_grad(self.forward_func, inputs, target)
        return grad.abs() if abs else grad


def saliency_map(forward_func, inputs: torch.Tensor, target) -> torch.Tensor:
    """The lecture's saliency map: max over channels of |dS_c/dx|, shape (N, H, W)."""
    return Saliency(forward_func).attribute(inputs, target=target).amax(dim=1)
