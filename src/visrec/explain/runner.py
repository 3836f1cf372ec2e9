"""What the ``visrec explain ...`` commands do, as library calls: load the model and images, compute, and
write PNGs, a side-by-side figure, ``config.json`` and ``metrics.json`` to a run directory.

>>> METHODS[:4]
('filters', 'activations', 'patches', 'tsne')
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from visrec.explain._errors import ParameterError
from visrec.explain.config import ExplainConfig
from visrec.explain.figures import heatmap, overlay, side_by_side, to_uint8, write_png
from visrec.explain.images import read_image_any
from visrec.explain.model import ExplainModel, check_target, load_explain_model, to_pixels
from visrec.explain.runner_inspect import (
    _activations,
    _classviz,
    _dataset_images,
    _dataset_method,
    _filters,
)
from visrec.runs.rundir import RunDir

__all__ = [
    "METHODS",
    "open_model",
    "load_images",
    "attribution_maps",
    "run_explain",
    "open_run",
    "predictions",
]

METHODS = (
    "filters",
    "activations",
    "patches",
    "tsne",
    "occlusion",
    "saliency",
    "guided",
    "gradcam",
    "classviz",
)
WEIGHT_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt", ".safetensors")


def open_model(
    source: str | None,
    weights: str | None = None,
    model: str | None = None,
    num_classes: int = 1000,
    device: str = "cpu",
) -> ExplainModel:
    """A run directory, or a torchvision weight file (``weights``, or ``source`` ending in .pth etc.)."""
    if weights is None and source is not None and Path(source).suffix.lower() in WEIGHT_SUFFIXES:
        source, weights = None, source
    if weights is not None:
        return load_explain_model(weights=weights, model=model, num_classes=num_classes, device=device)
    if source is None:
        raise ParameterError("Pass a run directory (RUN) or --weights FILE --model NAME.")
    return load_explain_model(run_dir=source, device=device)


def load_images(sources: list[str], model: ExplainModel) -> tuple[list[str], list[np.ndarray], torch.Tensor]:
    """(names, uint8 images at the model's size (H, W, C), pixels (N, C, H, W) in [0, 1])."""
    if not sources:
        raise ParameterError(
            "Pass at least one IMAGE (a file, or a bundled name such as chelsea or astronaut)."
        )
    mode = "L" if model.input_size and model.input_size[0] == 1 else "RGB"
    x = torch.cat([to_pixels(read_image_any(s, mode=mode), model) for s in sources])
    shown = [to_uint8(xi) for xi in x]
    return [Path(s).stem for s in sources], shown, x


def predictions(model: ExplainModel, x: torch.Tensor, k: int = 5) -> list[list[tuple[str, float]]]:
    """Top-k (class name, probability) per image."""
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)
    top = p.topk(min(k, p.shape[1]), dim=1)
    return [
        [(model.class_names[int(i)], float(v)) for v, i in zip(vs, ix, strict=True)]
        for vs, ix in zip(top.values, top.indices, strict=True)
    ]


def attribution_maps(
    model: ExplainModel,
    x: torch.Tensor,
    method: str,
    target=None,
    layer=None,
    window: int = 8,
    stride: int = 4,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(maps (N, H, W), targets (N,)) for "saliency", "guided", "gradcam" or "occlusion"; the target
    defaults to each image's predicted class."""
    from visrec.explain.attribution import GuidedBackprop, gradcam_map, occlusion_map, saliency_map

    with torch.no_grad():
        pred = model(x).argmax(1)
    t = (
        pred
        if target is None
        else torch.full_like(pred, check_target(target, model.num_classes, model.class_names))
    )
    if method == "saliency":
        return saliency_map(model, x, t), t
    if method == "guided":
        return GuidedBackprop(model).attribute(x, target=t).abs().amax(1), t
    if method == "gradcam":
        return gradcam_map(model, x, t, layer), t
    if method == "occlusion":
        return occlusion_map(model, x, t, window=window, stride=stride), t
    raise ParameterError(f"Unknown attribution {method!r}; valid: saliency, guided, gradcam, occlusion.")


def open_run(cfg: ExplainConfig, command: str) -> RunDir:
    run = RunDir.create(cfg.out, command, overwrite=cfg.overwrite)
    run.write_config(cfg)
    return run


def run_explain(cfg: ExplainConfig) -> Path:
    """Run ``cfg.method`` and write its pictures; returns the run directory."""
    if cfg.method not in METHODS:
        raise ParameterError(f"Unknown explain method {cfg.method!r}; valid: {', '.join(METHODS)}.")
    o = dict(cfg.options)
    model = open_model(cfg.source, cfg.weights, cfg.model, o.get("num_classes", 1000))
    torch.manual_seed(cfg.seed)
    t0 = time.perf_counter()
    check_options(model, o)  # user errors before the run directory exists
    data = (
        _dataset_images(model, cfg, o, int(o.get("limit") or 500))
        if cfg.method in ("patches", "tsne")
        else None
    )
    inputs = (
        load_images(cfg.images, model)
        if cfg.method not in ("filters", "classviz", "patches", "tsne")
        else None
    )
    run = open_run(cfg, f"explain-{cfg.method}")
    metrics: dict = {"method": cfg.method}
    if cfg.method == "filters":
        _filters(model, run, o)
    elif cfg.method == "classviz":
        metrics["scores"] = _classviz(model, run, o)
    elif cfg.method in ("patches", "tsne"):
        _dataset_method(model, run, cfg, o, metrics, data)
    else:
        names, shown, x = inputs
        metrics["predictions"] = predictions(model, x)
        if cfg.method == "activations":
            _activations(model, run, names, shown, x, o)
        else:
            maps, t = attribution_maps(
                model, x, cfg.method, o.get("target"), o.get("layer"), o.get("window", 8), o.get("stride", 4)
            )
            metrics["targets"] = [model.class_names[int(i)] for i in t]
            for name, img, m, ti in zip(names, shown, maps, t, strict=True):
                heat = heatmap(m, "hot") if cfg.method != "gradcam" else overlay(img, m)
                write_png(run.path / f"{name}_{cfg.method}.png", heat)
                panels = [("image", img), (f"{cfg.method}: {model.class_names[int(ti)]}", heat)]
                if o.get("grabcut") and cfg.method == "saliency":
                    from visrec.explain.attribution import grabcut_from_saliency

                    rgb = img if img.shape[2] == 3 else np.repeat(img, 3, 2)
                    mask = grabcut_from_saliency(rgb, m.numpy())
                    seg = (rgb * mask[..., None]).astype(np.uint8)
                    write_png(run.path / f"{name}_grabcut.png", seg)
                    panels.append(("GrabCut", seg))
                side_by_side(run.plots / f"{name}_{cfg.method}_figure.png", panels)
    metrics["seconds"] = time.perf_counter() - t0
    run.write_metrics(metrics)
    return run.path


def check_options(model, o: dict) -> None:
    """Raise the errors a user can cause (a layer that does not exist, a class out of range) up front."""
    from visrec.explain.hooks import find_layer

    if o.get("layer"):
        find_layer(model, o["layer"])
    if o.get("target") is not None:
        check_target(o["target"], model.num_classes, model.class_names)
