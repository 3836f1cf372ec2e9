"""The ``visrec explain`` methods that look at the network itself or at a data set: filters, class
visualization, activations, maximally activating patches, nearest neighbours and the t-SNE grid."""

from __future__ import annotations

import numpy as np
import torch

from visrec.explain._errors import ParameterError
from visrec.explain.figures import side_by_side, to_uint8, write_png
from visrec.explain.model import check_target, to_pixels

__all__ = ["load_some"]


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
