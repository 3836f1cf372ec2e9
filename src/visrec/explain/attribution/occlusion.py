"""Occlusion (Zeiler & Fergus 2014): slide a grey (baseline) window over the image and record how much the
target's output drops.

``Occlusion(f).attribute(x, sliding_window_shapes=(C, h, w), strides=s, baselines=0, target=c)`` follows
captum's definition: window positions every ``stride`` along each dimension, the last one clipped at the
border (``ceil((D - window) / stride) + 1`` positions per dimension); each element's attribution is the
mean, over the windows covering it, of ``f(x)[c] - f(x occluded)[c]``. :func:`occlusion_map` is the
lecture's figure: the drop in class *probability*, one value per window position.
"""

from __future__ import annotations

import itertools
import math

import torch

from visrec.explain._errors import ParameterError
from visrec.explain.attribution._common import pick

__all__ = ["Occlusion", "occlusion_map"]


def _tuple(v, n: int, name: str) -> tuple[int, ...]:
    t = (int(v),) * n if isinstance(v, int) else tuple(int(a) for a in v)
    if len(t) != n or min(t) < 1:
        raise ParameterError(f"{name} must be a positive int or {n} positive ints; got {v!r}.")
    return t


class Occlusion:
    """Occlusion attribution of ``forward_func`` (inputs (N, C, H, W) -> outputs (N, K))."""

    def __init__(self, forward_func):
        self.forward_func = forward_func

    def _positions(self, shape, window, strides):
        ranges = []
        for d, w, s in zip(shape, window, strides, strict=True):
            if w > d:
                raise ParameterError(
                    f"The occlusion window {tuple(window)} does not fit the input {tuple(shape)}."
                )
            ranges.append([i * s for i in range(math.ceil((d - w) / s) + 1)])
        return list(itertools.product(*ranges))

    @torch.no_grad()
    def attribute(
        self,
        inputs: torch.Tensor,
        sliding_window_shapes,
        strides=1,
        baselines: float | torch.Tensor = 0.0,
        target=None,
        perturbations_per_eval: int = 16,
    ) -> torch.Tensor:
        """inputs (N, C, H, W) -> attributions (N, C, H, W).

        ``sliding_window_shapes`` is (C', h, w) over (C, H, W), or (h, w) for a window over all channels.
        """
        n, shape = inputs.shape[0], tuple(inputs.shape[1:])
        window = tuple(sliding_window_shapes)
        if len(window) == 2:
            window = (shape[0], *window)
        window = _tuple(window, len(shape), "sliding_window_shapes")
        strides = _tuple(strides, len(shape), "strides")
        base = torch.as_tensor(baselines, dtype=inputs.dtype, device=inputs.device)
        start = pick(self.forward_func(inputs), target)  # (N,)
        total = torch.zeros_like(inputs)
        count = torch.zeros(shape, dtype=inputs.dtype, device=inputs.device)
        positions = self._positions(shape, window, strides)
        for i in range(0, len(positions), perturbations_per_eval):
            chunk = positions[i : i + perturbations_per_eval]
            masks = torch.zeros(
                (len(chunk), *shape), dtype=inputs.dtype, device=inputs.device
            )  # (P, C, H, W)
            for m, pos in zip(masks, chunk, strict=True):
                m[tuple(slice(p, p + w) for p, w in zip(pos, window, strict=True))] = 1
            occluded = inputs[None] * (1 - masks[:, None]) + base * masks[:, None]  # (P, N, C, H, W)
            out = self.forward_func(occluded.reshape(-1, *shape))
            tgt = (
                target
                if isinstance(target, int) or target is None
                else torch.as_tensor(target).repeat(len(chunk))
            )
            drop = start.repeat(len(chunk)) - pick(out, tgt)  # (P * N,)
            drop = drop.reshape(len(chunk), n)
            total += torch.einsum("pn,pchw->nchw", drop, masks)
            count += masks.sum(0)
        return total / count


def occlusion_map(model, inputs: torch.Tensor, target, window: int = 8, stride: int = 4, baseline=0.5):
    """Drop in the target's softmax probability when a ``window`` x ``window`` square (all channels, filled
    with ``baseline``) covers each place, shape (N, H, W): the lecture's occlusion heat map."""

    def probs(x):
        return torch.softmax(model(x), dim=1)

    attr = Occlusion(probs).attribute(
        inputs, (window, window), strides=(inputs.shape[1], stride, stride), baselines=baseline, target=target
    )
    return attr[:, 0]
