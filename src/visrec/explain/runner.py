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


def _filters(model, run, o):
    from visrec.explain.inspect import filter_grid, first_conv, layer_weights_grid

    name, conv = first_conv(model)
    if conv.weight.shape[1] in (1, 3):
        write_png(run.path / "filters_first_layer.png", to_uint8(filter_grid(conv.weight)))
    layer = o.get("layer")
    if layer:
        write_png(run.path / f"weights_{layer}.png", to_uint8(layer_weights_grid(model, layer)))


def _classviz(model, run, o) -> dict:
    """One image per --target class (all classes, up to 10, when not given) by regularized gradient ascent."""
    from visrec.explain.generate import class_visualization

    given = o.get("target")
    targets = (
        [check_target(given, model.num_classes, model.class_names)]
        if given is not None
        else list(range(min(10, model.num_classes)))
    )
    panels, scores = [], {}
    for t in targets:
        img = class_visualization(
            model,
            t,
            steps=int(o.get("steps", 200)),
            lr=float(o.get("lr", 0.5)),
            l2_reg=float(o.get("l2_reg", 1e-3)),
            blur_every=int(o.get("blur_every", 10)),
            value_quantile=float(o.get("value_quantile", 0.0)),
            contribution_quantile=float(o.get("contribution_quantile", 0.0)),
        )
        name = model.class_names[t]
        write_png(run.path / f"classviz_{t:03d}_{name}.png", to_uint8(img))
        panels.append((name, to_uint8(img)))
        with torch.no_grad():
            scores[name] = float(torch.softmax(model(img), 1)[0, t])
    side_by_side(run.plots / "classviz_figure.png", panels, width=1.6)
    return scores


def _activations(model, run, names, shown, x, o):
    from visrec.explain.hooks import layer_names
    from visrec.explain.inspect import activation_grid, layer_activations

    layer = o.get("layer") or layer_names(model)[0]
    acts = layer_activations(model, x, layer)
    for name, img, a in zip(names, shown, acts, strict=True):
        grid = to_uint8(activation_grid(a))
        write_png(run.path / f"{name}_activations_{layer}.png", grid)
        side_by_side(run.plots / f"{name}_activations_figure.png", [("image", img), (f"layer {layer}", grid)])


def load_some(spec: str, n: int, num_classes: int):
    """A dataset with at least ``n`` images where possible, decoding only ``ceil(n / K)`` files per class of
    an image folder (the first ones; a 50,000-image CIFAR folder is not decoded to draw 500)."""
    from visrec.data.load import detect_format, load_dataset

    if spec in (None, "digits") or detect_format(spec)[0] != "image-folder":
        return load_dataset(spec)
    return load_dataset(spec, limit_per_class=max(1, -(-n // max(1, num_classes))))


def _dataset_images(model, cfg, o, n: int):
    """Up to ``n`` images of ``cfg.data`` (any dataset the project reads), as pixels and labels."""
    ds = load_some(cfg.data, n, model.num_classes)
    rng = np.random.default_rng(cfg.seed)
    idx = rng.permutation(len(ds.images))[:n]
    images = ds.images[idx]
    c = model.input_size[0] if model.input_size else images.shape[-1]
    if images.shape[-1] == 3 and c == 1:  # the data set's mode to the model's (ITU-R 601 luma, as PIL's "L")
        images = np.rint(images @ np.array([0.299, 0.587, 0.114]))[..., None].astype(np.uint8)
    elif images.shape[-1] == 1 and c == 3:
        images = np.repeat(images, 3, axis=-1)
    x = torch.cat([to_pixels(img, model) for img in images])
    return x, ds.labels[idx]


def check_options(model, o: dict) -> None:
    """Raise the errors a user can cause (a layer that does not exist, a class out of range) up front."""
    from visrec.explain.hooks import find_layer

    if o.get("layer"):
        find_layer(model, o["layer"])
    if o.get("target") is not None:
        check_target(o["target"], model.num_classes, model.class_names)


def _dataset_method(model, run, cfg, o, metrics, data):
    from visrec.explain.inspect import (
        embed_2d,
        feature_vectors,
        grid_assignment,
        image_grid,
        max_activating_patches,
        nearest_neighbors,
    )

    x, labels = data
    if cfg.method == "patches":
        layer, channel = o.get("layer"), int(o.get("channel", 0))
        if not layer:
            raise ParameterError("patches needs --layer NAME (and --channel C).")
        patches = max_activating_patches(model, x, layer, channel, k=int(o.get("k", 16)))
        side_by_side(
            run.plots / f"patches_{layer}_{channel}.png",
            [(f"{p.activation:.2f}", to_uint8(p.crop)) for p in patches],
            width=1.2,
        )
        for i, p in enumerate(patches):
            write_png(run.path / f"patch_{i:02d}.png", to_uint8(p.crop))
        metrics["patches"] = [
            {"index": p.index, "box": list(p.box), "activation": p.activation} for p in patches
        ]
        return
    feats = feature_vectors(model, x)
    shown = np.stack([to_uint8(xi) for xi in x])
    nn_feat = nearest_neighbors(feats[:8], feats, k=6, exclude_self=False)
    nn_pix = nearest_neighbors(x[:8].flatten(1).numpy(), x.flatten(1).numpy(), k=6)
    for tag, nn in (("features", nn_feat), ("pixels", nn_pix)):
        write_png(
            run.path / f"neighbours_{tag}.png",
            np.concatenate([np.concatenate(list(shown[r]), 1) for r in nn], 0),
        )
    side = int(np.floor(np.sqrt(len(x))))
    for method in ("pca", "tsne"):
        xy = embed_2d(feats, method=method, seed=cfg.seed)
        grid = image_grid(shown, grid_assignment(xy[: side * side], side, side))
        write_png(run.path / f"{method}_grid.png", grid)
        _scatter(run.plots / f"{method}_scatter.png", xy, labels, model.class_names, method)
    metrics["neighbour_label_agreement"] = {
        "features": float((labels[nn_feat[:, 1]] == labels[:8]).mean()),
        "pixels": float((labels[nn_pix[:, 1]] == labels[:8]).mean()),
    }


def _scatter(path, xy, labels, names, title):
    from visrec.report._figure import new_figure, save_png

    fig = new_figure(5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    sc = ax.scatter(xy[:, 0], xy[:, 1], c=labels, cmap="tab10", s=8)
    ax.set_title(f"{title.upper()} of the last-layer features")
    fig.colorbar(sc, ax=ax, ticks=range(len(names)))
    save_png(fig, path)
