"""Maximally activating patches (Springenberg et al. 2015, Lecture 13): which image regions make one channel
of a layer fire hardest.

For each image, the channel's strongest unit is found; across the data set the top ``k`` units win. The
crop of each is the unit's *receptive field in that image*: the bounding box of the input pixels whose
gradient to the unit is non-zero (exact for any architecture: strides, padding, pooling and branches are
all in the gradient), so the patch shows exactly what the unit saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from visrec.explain._errors import ParameterError
from visrec.explain.hooks import capture

__all__ = ["Patch", "max_activating_patches", "receptive_box"]


@dataclass
class Patch:
    index: int  # image index in the data set
    y: int  # unit position in the layer's map
    x: int
    activation: float
    box: tuple[int, int, int, int]  # (top, left, bottom, right), exclusive, in input pixels
    crop: torch.Tensor  # (C, bottom-top, right-left)


def receptive_box(
    model, image: torch.Tensor, layer, channel: int, y: int, x: int
) -> tuple[int, int, int, int]:
    """Input-pixel box of unit (``channel``, ``y``, ``x``) of ``layer`` for ``image`` (1, C, H, W)."""
    inp = image.detach().clone().requires_grad_(True)
    with capture(model, layer) as seen:
        model(inp)
    (g,) = torch.autograd.grad(seen.output[0, channel, y, x], inp)
    nz = g[0].abs().sum(0).nonzero()
    if not len(nz):  # a unit with no path to the input (e.g. all ReLUs off below): the unit's own place
        h, w = image.shape[2:]
        oh, ow = seen.output.shape[2:]
        cy, cx = int((y + 0.5) * h / oh), int((x + 0.5) * w / ow)
        return cy, cx, cy + 1, cx + 1
    (t, lft), (b, r) = nz.min(0).values.tolist(), nz.max(0).values.tolist()
    return t, lft, b + 1, r + 1


def max_activating_patches(model, images: torch.Tensor, layer, channel: int, k: int = 8, batch: int = 128):
    """The ``k`` patches of ``images`` (N, C, H, W) in [0, 1] that most activate ``channel`` of ``layer``."""
    best = []
    for i in range(0, len(images), batch):
        with torch.no_grad(), capture(model, layer) as seen:
            model(images[i : i + batch])
        out = seen.output
        if not 0 <= channel < out.shape[1]:
            raise ParameterError(
                f"Channel {channel} (--channel) is out of range: layer {layer!r} has {out.shape[1]} channels "
                f"(0..{out.shape[1] - 1})."
            )
        a = out[:, channel].flatten(1)  # (n, h*w)
        vals, pos = a.max(dim=1)
        for j in range(len(vals)):
            best.append((float(vals[j]), i + j, int(pos[j]) // out.shape[3], int(pos[j]) % out.shape[3]))
    best.sort(key=lambda t: -t[0])
    patches = []
    for act, idx, y, x in best[:k]:
        box = receptive_box(model, images[idx : idx + 1], layer, channel, y, x)
        crop = images[idx, :, box[0] : box[2], box[1] : box[3]]
        patches.append(Patch(idx, y, x, act, box, crop))
    return patches
