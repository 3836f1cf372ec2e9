"""Neural style transfer and texture synthesis (Gatys, Ecker & Bethge 2015, 2016) by L-BFGS or Adam.

Minimize ``content_loss + style_loss + tv_loss`` (see :mod:`.losses`) over the pixels of the output image.
With ``content_weight=0`` and a noise start this is texture synthesis; with several style images the Gram
targets are blended by weight (:func:`~.losses.blend_grams`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from visrec.explain._errors import ParameterError
from visrec.explain.generate.style.features import FeatureExtractor, default_layers
from visrec.explain.generate.style.losses import blend_grams, content_loss, gram_matrix, style_loss, tv_loss

__all__ = ["StyleResult", "style_transfer", "style_targets", "course_style_weights"]


def course_style_weights(n: int) -> list[float]:
    """The course's style-layer weights 20000, 500, 12, 1 (then 1 for any further layer), for ``n`` layers."""
    return ([20000.0, 500.0, 12.0, 1.0] + [1.0] * n)[:n]


@dataclass
class StyleResult:
    image: torch.Tensor  # (1, C, H, W) in [0, 1]
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0


def style_targets(
    extractor: FeatureExtractor, styles: list[torch.Tensor], layers: list[str], blend=None, size=None
):
    """Gram targets per style layer, blended over several style images with weights ``blend``."""
    grams = []
    for s in styles:
        if size is not None:
            s = F.interpolate(s, size=size, mode="bilinear", align_corners=False)
        with torch.no_grad():
            feats = extractor(s)
        grams.append([gram_matrix(feats[n]) for n in layers])
    return blend_grams(grams, blend if blend is not None else [1.0] * len(styles))


def style_transfer(
    model,
    content: torch.Tensor,
    styles: list[torch.Tensor] | torch.Tensor,
    blend=None,
    style_layers: list[str] | None = None,
    content_layer: str | None = None,
    content_weight: float = 5e-2,
    style_weights=None,
    tv_weight: float = 5e-2,
    optimizer: str = "lbfgs",
    steps: int = 100,
    lr: float = 0.02,
    init: str = "content",
    seed: int = 0,
) -> StyleResult:
    """Stylize ``content`` (1, C, H, W) in [0, 1] with ``styles`` (each (1, C, h, w)).

    Parameters
    ----------
    content_weight, style_weights, tv_weight : the loss weights (course defaults: content 5e-2, style
        weights 20000 / 500 / 12 / 1 spread over the layers, TV 5e-2, for normalized Gram matrices)
    optimizer : "lbfgs" (torch's L-BFGS with strong-Wolfe line search, up to ``steps`` iterations) or "adam"
        (``steps`` steps of size ``lr``, pixels clipped to [0, 1] after each)
    init : "content" (start from the content image) or "noise" (texture synthesis starts here)
    """
    if optimizer not in ("lbfgs", "adam"):
        raise ParameterError(f"optimizer (--optimizer) must be 'lbfgs' or 'adam'; got {optimizer!r}.")
    if init not in ("content", "noise"):
        raise ParameterError(f"init (--init) must be 'content' or 'noise'; got {init!r}.")
    styles = [styles] if isinstance(styles, torch.Tensor) else list(styles)
    d_style, d_content = default_layers(model)
    style_layers = list(style_layers or d_style)
    content_layer = content_layer or d_content
    if style_weights is None:
        style_weights = course_style_weights(len(style_layers))
    if len(style_weights) != len(style_layers):
        raise ParameterError(
            f"{len(style_layers)} style layers need as many --style-weights; got {style_weights}."
        )
    extractor = FeatureExtractor(model, style_layers + [content_layer])
    targets = style_targets(extractor, styles, style_layers, blend)
    with torch.no_grad():
        content_target = extractor(content)[content_layer].detach()
    gen = torch.Generator().manual_seed(seed)
    start = content.clone().contiguous() if init == "content" else torch.rand(content.shape, generator=gen)
    x = start.to(content.device).requires_grad_(True)
    losses: list[float] = []

    def objective():
        feats = extractor(x)
        loss = content_loss(content_weight, feats[content_layer], content_target)
        loss = loss + style_loss([feats[n] for n in style_layers], targets, style_weights)
        return loss + tv_loss(x, tv_weight)

    t0 = time.perf_counter()
    if optimizer == "adam":
        opt = torch.optim.Adam([x], lr=lr)
        for _ in range(steps):
            loss = objective()
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                x.clamp_(0, 1)
            losses.append(float(loss.detach()))
    else:
        opt = torch.optim.LBFGS([x], lr=1.0, max_iter=steps, history_size=20, line_search_fn="strong_wolfe")

        def closure():  # keep the pixels valid at every evaluation (torch's L-BFGS has no box constraints)
            with torch.no_grad():
                x.clamp_(0, 1)
            opt.zero_grad()
            loss = objective()
            loss.backward()
            losses.append(float(loss.detach()))
            return loss

        opt.step(closure)
    return StyleResult(x.detach().clamp(0, 1), losses, time.perf_counter() - t0)
