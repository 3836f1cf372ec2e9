"""DeepDream (Mordvintsev, Olah & Tyka 2015): amplify whatever a layer already sees.

Objective ``1/2 sum f(x)^2`` at a layer, so the gradient set at the layer *is* its activation ``f``. Each
step: roll the image by a random shift up to ``jitter`` pixels, backpropagate, take an L1-normalized step
``x += step_size / mean|g| * g``, roll back, clip to the valid pixel range. Octaves run the same steps from
a small copy of the image up to full size, carrying the added detail along.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from visrec.explain.generate._common import positive, random_roll
from visrec.explain.hooks import capture, forward_until

__all__ = ["deepdream", "dream_step"]


def dream_step(model, x: torch.Tensor, layer, step_size: float, jitter: int, gen=None):
    """One DeepDream step on pixels x (N, C, H, W) in [0, 1]; returns (new x, objective 1/2 sum f^2).

    ``step_size`` is in grey levels of 0..255 (1.5 in the original code), converted to [0, 1] units.
    """
    rolled, (dy, dx) = random_roll(x.detach(), jitter, gen)
    rolled.requires_grad_(True)
    with capture(model, layer, stop=True) as seen:
        forward_until(model, rolled)
    act = seen.output
    (g,) = torch.autograd.grad(act, rolled, grad_outputs=act.detach())  # d(1/2 sum f^2)/dx
    g = torch.roll(g, shifts=(-dy, -dx), dims=(2, 3))
    x = x.detach() + (step_size / 255.0) * g / g.abs().mean().clamp_min(1e-12)
    return x.clamp(0, 1), float(0.5 * (act.detach() ** 2).sum())


def deepdream(
    model,
    image: torch.Tensor,
    layer,
    steps: int = 10,
    step_size: float = 1.5,
    jitter: int = 32,
    octaves: int = 3,
    octave_scale: float = 1.4,
    seed: int = 0,
) -> tuple[torch.Tensor, list[float]]:
    """DeepDream of ``image`` (1, C, H, W) in [0, 1] at ``layer``; returns (image, objective per step).

    The image is processed at ``octaves`` scales (each ``octave_scale`` times larger); the objective list is
    the value before each step, so it rises within each octave.
    """
    steps, octaves = positive("steps", steps, integer=True), positive("octaves", octaves, integer=True)
    gen = torch.Generator().manual_seed(seed)
    base = image.detach()
    h, w = base.shape[2:]
    sizes = [(max(8, round(h / octave_scale**i)), max(8, round(w / octave_scale**i))) for i in range(octaves)]
    sizes = sizes[::-1]
    detail = torch.zeros_like(F.interpolate(base, size=sizes[0], mode="bilinear", align_corners=False))
    history: list[float] = []
    for size in sizes:
        small = F.interpolate(base, size=size, mode="bilinear", align_corners=False)
        detail = F.interpolate(detail, size=size, mode="bilinear", align_corners=False)
        x = (small + detail).clamp(0, 1)
        for _ in range(steps):
            x, obj = dream_step(model, x, layer, step_size, min(jitter, size[0] // 2, size[1] // 2), gen)
            history.append(obj)
        detail = x - small
    return x, history
