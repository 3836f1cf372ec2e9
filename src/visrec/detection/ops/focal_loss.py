"""Sigmoid focal loss (RetinaNet, Lin et al., 2017): cross-entropy scaled down on easy examples.

    FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t),   p_t = p if y = 1 else 1 - p,   p = sigmoid(x)

with alpha_t = alpha for positives and 1 - alpha for negatives (``alpha < 0`` switches the weighting off).
``gamma = 0, alpha < 0`` is plain binary cross-entropy. Matches ``torchvision.ops.sigmoid_focal_loss``
(soft targets in [0, 1] allowed).

>>> import torch
>>> x, y = torch.tensor([0.0, 3.0]), torch.tensor([1.0, 1.0])
>>> sigmoid_focal_loss(x, y, alpha=-1, gamma=0)          # = binary cross-entropy
tensor([0.6931, 0.0486])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .boxes import _reduce

__all__ = ["sigmoid_focal_loss"]


def sigmoid_focal_loss(inputs: Tensor, targets: Tensor, alpha: float = 0.25, gamma: float = 2.0,
                       reduction: str = "none") -> Tensor:
    """Focal loss of logits ``inputs`` (any shape) against ``targets`` (same shape, in [0, 1])."""
    if inputs.shape != targets.shape:
        raise ValueError(f"sigmoid_focal_loss: inputs {tuple(inputs.shape)} and targets "
                         f"{tuple(targets.shape)} must have the same shape.")
    p = torch.sigmoid(inputs)
    ce = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")  # -log(p_t), stable
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)  # the modulating factor: easy examples (p_t -> 1) weigh ~0
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return _reduce(loss, reduction, "sigmoid_focal_loss")
