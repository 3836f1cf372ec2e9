"""Guided backpropagation (Springenberg et al. 2015): the gradient of a score (or of one neuron) with
respect to the image where every ReLU passes back only positive gradients.

Works on module ReLUs, in-place ReLUs and functional ``F.relu`` / ``torch.relu`` calls alike (see
:func:`visrec.explain.hooks.guided_relus`); captum's ``GuidedBackprop`` hooks ``nn.ReLU`` modules only, so
on a model that calls ``F.relu`` it silently returns the plain gradient.
"""

from __future__ import annotations

import torch

from visrec.explain.attribution._common import input_grad
from visrec.explain.hooks import capture, guided_relus

__all__ = ["GuidedBackprop", "guided_neuron"]


class GuidedBackprop:
    """``GuidedBackprop(model).attribute(x, target=c)`` -> guided gradient of S_c, shape of ``x``."""

    def __init__(self, model):
        self.model = model

    def attribute(self, inputs: torch.Tensor, target=None) -> torch.Tensor:
        with guided_relus():
            return input_grad(self.model, inputs, target)


def guided_neuron(
    model, inputs: torch.Tensor, layer, channel: int, y: int | None = None, x: int | None = None
):
    """Guided gradient of one neuron (``layer`` output at ``channel``, ``y``, ``x``; the channel's strongest
    position when y/x are None) with respect to ``inputs`` (N, C, H, W); returns (N, C, H, W)."""
    inp = inputs.detach().clone().requires_grad_(True)
    with guided_relus(), capture(model, layer) as seen:
        model(inp)
        act = seen.output[:, channel]  # (N, h, w)
        if y is None or x is None:
            unit = act.flatten(1).max(dim=1).values
        else:
            unit = act[:, y, x]
        (grad,) = torch.autograd.grad(unit.sum(), inp)
    return grad
