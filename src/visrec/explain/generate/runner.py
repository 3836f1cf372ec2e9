"""What ``visrec attack | dream | invert | style | style train-fast`` do, as library calls writing a run
directory (PNGs, a side-by-side figure, config.json, metrics.json; the fast-style network as safetensors)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from visrec.explain._errors import ParameterError
from visrec.explain.config import ExplainConfig
from visrec.explain.figures import plot_success, side_by_side, to_uint8, write_png
from visrec.explain.images import read_image_any, resize_image
from visrec.explain.model import check_target
from visrec.explain.runner import load_images, open_model, open_run, predictions
from visrec.explain.runner_inspect import load_some

__all__ = ["run_attack", "run_dream", "run_invert", "run_style", "run_train_fast", "ATTACK_METHODS"]

ATTACK_METHODS = ("fgsm", "pgd", "pgd_l2", "fool")


def _rgb_pixels(source: str, size) -> torch.Tensor:
    img = resize_image(read_image_any(source, "RGB"), size)
    return (torch.from_numpy(np.array(img, dtype=np.float32)).permute(2, 0, 1)[None] / 255.0).contiguous()


def run_attack(cfg: ExplainConfig) -> Path:
    """Adversarial examples of ``cfg.images`` (options: method, eps, steps, target, sweep)."""
    from visrec.explain.generate.adversarial import fgsm, fooling_image, pgd, success_rate

    o = dict(cfg.options)
    method = o.get("method", "fgsm")
    if method not in ATTACK_METHODS:
        raise ParameterError(f"--method must be one of {', '.join(ATTACK_METHODS)}; got {method!r}.")
    model = open_model(cfg.source, cfg.weights, cfg.model)
    names, shown, x = load_images(cfg.images, model)
    run = open_run(cfg, "attack")
    t0 = time.perf_counter()
    with torch.no_grad():
        pred = model(x).argmax(1)
    eps, steps = float(o.get("eps", 8 / 255)), int(o.get("steps", 10))
    target = o.get("target")
    tgt = None if target is None else check_target(target, model.num_classes, model.class_names)
    if method == "fool":
        if tgt is None:
            raise ParameterError("--method fool needs --target CLASS (the class to fool the network into).")
        adv = torch.cat(
            [
                fooling_image(
                    model, x[i : i + 1], tgt, lr=float(o.get("lr", 0.1)), max_iter=int(o.get("max_iter", 200))
                )[0]
                for i in range(len(x))
            ]
        )
    elif method == "fgsm":
        adv = fgsm(model, x, pred if tgt is None else tgt, eps, targeted=tgt is not None)
    else:
        norm = "l2" if method == "pgd_l2" else "linf"
        adv = pgd(
            model, x, pred if tgt is None else tgt, eps, steps=steps, norm=norm, targeted=tgt is not None
        )
    before, after = predictions(model, x), predictions(model, adv)
    for name, img, a, b, c in zip(names, shown, adv, before, after, strict=True):
        diff = (a - to_pixels_like(img, a)).abs()
        mag = to_uint8((diff / diff.max().clamp_min(1e-12)).amax(0, keepdim=True))
        write_png(run.path / f"{name}_adversarial.png", to_uint8(a))
        side_by_side(
            run.plots / f"{name}_attack.png",
            [
                (f"{b[0][0]} ({b[0][1]:.2f})", img),
                (f"{c[0][0]} ({c[0][1]:.2f})", to_uint8(a)),
                ("|difference| (scaled)", mag),
            ],
        )
    metrics = {
        "method": method,
        "eps": eps,
        "before": before,
        "after": after,
        "fooled": int(sum(b[0][0] != c[0][0] for b, c in zip(before, after, strict=True))),
        "linf": float((adv - x).abs().amax()),
        "l2": [float(v) for v in (adv - x).flatten(1).norm(dim=1)],
    }
    sweep = o.get("sweep")
    if sweep:
        res = success_rate(model, x, pred, sweep, attack="fgsm" if method == "fool" else method)
        plot_success(run.plots / "success_vs_eps.png", {method: res})
        metrics["sweep"] = res
    metrics["seconds"] = time.perf_counter() - t0
    run.write_metrics(metrics)
    return run.path


def to_pixels_like(img: np.ndarray, ref: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.array(img, dtype=np.float32)).permute(2, 0, 1).to(ref) / 255.0


def run_dream(cfg: ExplainConfig) -> Path:
    from visrec.explain.generate.deepdream import deepdream
    from visrec.explain.hooks import find_layer, layer_names

    o = dict(cfg.options)
    model = open_model(cfg.source, cfg.weights, cfg.model)
    names, shown, x = _native_images(cfg, model, o)
    layer = o.get("layer") or layer_names(model)[len(layer_names(model)) // 2]
    find_layer(model, layer)
    run = open_run(cfg, "dream")
    t0 = time.perf_counter()
    hist = {}
    for name, img, xi in zip(names, shown, x, strict=True):
        out, h = deepdream(
            model,
            xi[None],
            layer,
            steps=int(o.get("steps", 10)),
            step_size=float(o.get("step_size", 1.5)),
            jitter=int(o.get("jitter", 32)),
            octaves=int(o.get("octaves", 3)),
            seed=cfg.seed,
        )
        write_png(run.path / f"{name}_dream_{layer}.png", to_uint8(out))
        side_by_side(run.plots / f"{name}_dream.png", [("image", img), (f"DeepDream {layer}", to_uint8(out))])
        hist[name] = h
    run.write_metrics({"layer": layer, "objective": hist, "seconds": time.perf_counter() - t0})
    return run.path


def _native_images(cfg, model, o):
    """Images at the model's input size, or at ``--size`` when the network takes any size."""
    size = o.get("size")
    if not size:
        return load_images(cfg.images, model)
    mode = "L" if model.input_size[0] == 1 else "RGB"
    imgs = [resize_image(read_image_any(s, mode), (int(size), int(size))) for s in cfg.images]
    x = torch.stack([torch.from_numpy(np.array(i, dtype=np.float32)).permute(2, 0, 1) / 255.0 for i in imgs])
    return [Path(s).stem for s in cfg.images], imgs, x


def run_invert(cfg: ExplainConfig) -> Path:
    from visrec.explain.generate.inversion import invert_features
    from visrec.explain.hooks import find_layer

    o = dict(cfg.options)
    model = open_model(cfg.source, cfg.weights, cfg.model)
    names, shown, x = load_images(cfg.images, model)
    layers = o.get("layers") or [None]
    for layer in layers:
        if layer is not None:
            find_layer(model, layer)
    run = open_run(cfg, "invert")
    t0 = time.perf_counter()
    final = {}
    for name, img, xi in zip(names, shown, x, strict=True):
        panels = [("image", img)]
        for layer in layers:
            rec, h = invert_features(
                model,
                xi[None],
                layer,
                steps=int(o.get("steps", 200)),
                tv_weight=float(o.get("tv_weight", 1e-2)),
                beta=float(o.get("beta", 2.0)),
                seed=cfg.seed,
            )
            tag = layer or "features"
            write_png(run.path / f"{name}_invert_{tag}.png", to_uint8(rec))
            panels.append((f"from {tag}", to_uint8(rec)))
            final[f"{name}/{tag}"] = h[-1]
        side_by_side(run.plots / f"{name}_inversion.png", panels)
    run.write_metrics({"final_objective": final, "seconds": time.perf_counter() - t0})
    return run.path


def run_style(cfg: ExplainConfig) -> Path:
    """images = [content, style, style2, ...]; options: size, blend, weights, optimizer, steps."""
    from visrec.explain.generate.style import style_transfer

    o = dict(cfg.options)
    if len(cfg.images) < 2:
        raise ParameterError("style needs CONTENT and STYLE images (and optionally --style2).")
    model = open_model(cfg.source, cfg.weights, cfg.model)
    size = int(o.get("size", 128))
    content = _rgb_pixels(cfg.images[0], size)
    styles = [_rgb_pixels(s, int(o.get("style_size", size))) for s in cfg.images[1:]]
    run = open_run(cfg, "style")
    sweep = o.get("style_scales") or [1.0]
    panels = [("content", to_uint8(content))] + [
        (f"style {i + 1}", to_uint8(s)) for i, s in enumerate(styles)
    ]
    timings = {}
    for scale in sweep:
        res = style_transfer(
            model,
            content,
            styles,
            blend=o.get("blend"),
            content_weight=float(o.get("content_weight", 5e-2)),
            style_weights=_scaled(model, o.get("style_weights"), scale),
            tv_weight=float(o.get("tv_weight", 5e-2)),
            optimizer=o.get("optimizer", "lbfgs"),
            steps=int(o.get("steps", 100)),
            init=o.get("init", "content"),
            seed=cfg.seed,
        )
        tag = "stylized" if len(sweep) == 1 else f"stylized_x{scale:g}"
        write_png(run.path / f"{tag}.png", to_uint8(res.image))
        panels.append((tag.replace("_", " "), to_uint8(res.image)))
        timings[tag] = {"seconds": res.seconds, "final_loss": res.losses[-1], "evaluations": len(res.losses)}
    side_by_side(run.plots / "style_figure.png", panels)
    run.write_metrics({"size": size, "results": timings})
    return run.path


def _scaled(model, weights, scale):
    """Style weights times ``scale``; the course's defaults (one per default style layer) when not given."""
    from visrec.explain.generate.style import course_style_weights, default_layers

    if weights is None:
        if scale == 1.0:
            return None
        weights = course_style_weights(len(default_layers(model)[0]))
    return [float(w) * scale for w in weights]


def run_train_fast(cfg: ExplainConfig) -> Path:
    """Train a fast style network: images = [style, style2, ...] + options content (a dataset), size, steps."""
    from visrec.explain.generate.style import train_fast_style

    o = dict(cfg.options)
    model = open_model(cfg.source, cfg.weights, cfg.model)
    size = int(o.get("size", 32))
    styles = [_rgb_pixels(s, (size, size)) for s in cfg.images]
    ds = load_some(cfg.data, int(o.get("limit", 512)), 10)
    rng = np.random.default_rng(cfg.seed)
    idx = rng.permutation(len(ds.images))[: int(o.get("limit", 512))]
    imgs = [
        resize_image(
            ds.images[i] if ds.images.shape[-1] == 3 else np.repeat(ds.images[i], 3, 2), (size, size)
        )
        for i in idx
    ]
    contents = torch.stack(
        [torch.from_numpy(np.array(i, dtype=np.float32)).permute(2, 0, 1) / 255 for i in imgs]
    )
    run = open_run(cfg, "style-train-fast")
    net, losses, secs = train_fast_style(
        model,
        styles,
        contents,
        steps=int(o.get("steps", 200)),
        batch_size=int(o.get("batch_size", 4)),
        lr=float(o.get("lr", 1e-3)),
        width=int(o.get("width", 16)),
        seed=cfg.seed,
        log=lambda s, v: run.append_history({"step": s + 1, "train_loss": v}),
    )
    run.save_model(
        net.state_dict(),
        {
            "kind": "fast_style",
            "width": int(o.get("width", 16)),
            "blocks": 3,
            "num_styles": len(styles),
            "size": size,
        },
    )
    with torch.no_grad():
        t0 = time.perf_counter()
        out = [net(contents[:8], s) for s in range(len(styles))]
        ips = 8 * len(styles) / (time.perf_counter() - t0)
        if len(styles) > 1:
            out.append(net(contents[:8], [1 / len(styles)] * len(styles)))
    for s, o_ in enumerate(out):
        write_png(run.path / f"samples_style{s}.png", np.concatenate([to_uint8(v) for v in o_], 1))
    run.write_metrics({"train_seconds": secs, "final_loss": losses[-1], "images_per_s": ips})
    return run.path
