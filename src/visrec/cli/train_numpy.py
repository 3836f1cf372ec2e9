"""``visrec train --engine numpy``: train a NumPy-engine model and write a run directory.

``run(cfg) -> Path`` is called by ``visrec.cli.train`` (and by tests directly). ``cfg`` keys are the
``visrec train`` options with underscores; ``None`` means "use the default below":

======================  ==========================================================================
model                   twolayer | fc | threelayer_convnet (alias convnet3) | convnet
data, test_data         dataset specs for ``visrec.data.load_dataset`` (test evaluated once, at the end)
val_fraction, val_size  validation split of ``data`` (seeded, stratified); val_size wins when given
out, seed               run directory (``RunDir.create``), seed of split / init / sampling
epochs, batch_size      10, 100
lr, optimizer           1e-3, adam (sgd | momentum | nesterov | adagrad | rmsprop | adam | adamw)
weight_decay            the L2 strength ``reg`` (loss + 0.5 reg sum W^2); 0
lr_schedule             "constant" | "step" | "exponential" | "inverse_time" | "cosine", options as
                        "step:step_size=5,gamma=0.5"; ``warmup_epochs=3`` adds a linear warm-up
hidden                  list of hidden widths (twolayer: [H]; fc: hidden_dims; convnets: FC widths)
dropout                 KEEP probability p of inverted dropout (None: off)
norm                    None | "batch" | "layer" (convnet: "batch" = spatial batch norm)
activation, init        relu ...; he | xavier | small (fc and convnet)
resume                  continue the run in ``out`` from checkpoints/last.safetensors
overfit                 train on the first n training images only, reg 0 (Lecture 6's sanity check)
======================  ==========================================================================

Extras accepted (NumPy engine only): ``filters`` (convnet blocks, e.g. [[32, 32], [64, 64]]; convnet3:
[F]), ``filter_size``, ``weight_scale``, ``center`` (image | channel | none), ``scale`` (std | 255 |
none), ``dtype`` (float32), ``patience``, ``clip_norm``, ``ema`` (Polyak decay), ``minutes`` (wall
budget), ``momentum`` (rho of momentum/nesterov), ``num_train_samples``, ``limit_per_class``, ``verbose``.
Torch-only keys (device, augment, amp, workers, ...) are ignored.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from visrec.numpy_nn.models import CONV_MODELS, MODELS, build_model
from visrec.numpy_nn.persist import InputTransform, save_model
from visrec.numpy_nn.solver import Solver
from visrec.runs import RunDir

DEFAULTS = {
    "model": "twolayer",
    "data": None,
    "test_data": None,
    "val_fraction": 0.2,
    "val_size": None,
    "out": None,
    "seed": 0,
    "epochs": 10,
    "batch_size": 100,
    "lr": 1e-3,
    "optimizer": "adam",
    "weight_decay": 0.0,
    "lr_schedule": "constant",
    "hidden": None,
    "dropout": None,
    "norm": None,
    "activation": "relu",
    "init": None,
    "resume": False,
    "overfit": None,
    "filters": None,
    "filter_size": None,
    "weight_scale": None,
    "center": "image",
    "scale": "std",
    "dtype": "float32",
    "patience": None,
    "clip_norm": None,
    "ema": None,
    "minutes": None,
    "momentum": None,
    "num_train_samples": 1000,
    "limit_per_class": None,
    "verbose": True,
}


_NORM_ALIASES = {"batchnorm": "batch", "bn": "batch", "layernorm": "layer", "ln": "layer", "none": None}
_SCHEDULE_ALIASES = {"none": "constant", "exp": "exponential"}


def resolve_config(cfg: dict) -> dict:
    """Fill defaults (for keys missing or None) and keep only the keys this engine understands.

    Spellings of ``visrec train``'s shared options are mapped: ``max_minutes`` -> minutes, norm
    ``batchnorm``/``layernorm`` -> batch/layer, schedule ``none``/``exp`` -> constant/exponential,
    ``warmup_epochs`` -> a linear warm-up, ``ema`` 0 -> off, optimizer ``sgd`` with momentum > 0 -> momentum,
    ``resume`` given as a run-directory path -> resume that run.
    """
    cfg = dict(cfg)
    if cfg.get("max_minutes") is not None and cfg.get("minutes") is None:
        cfg["minutes"] = cfg["max_minutes"]
    if isinstance(cfg.get("resume"), str | Path) and str(cfg["resume"]) not in ("True", "False", ""):
        target = Path(cfg["resume"])
        target = target.parent.parent if target.is_file() else target  # <run>/checkpoints/last.safetensors
        cfg["out"], cfg["resume"] = str(target), True
    if isinstance(cfg.get("norm"), str):
        cfg["norm"] = _NORM_ALIASES.get(cfg["norm"].lower(), cfg["norm"])
    if cfg.get("ema") == 0:
        cfg["ema"] = None
    if cfg.get("optimizer") == "sgd" and (cfg.get("momentum") or 0) > 0:
        cfg["optimizer"] = "momentum"
    sched = cfg.get("lr_schedule")
    if isinstance(sched, str):
        name, sep, rest = sched.partition(":")
        sched = _SCHEDULE_ALIASES.get(name, name) + sep + rest
        if cfg.get("warmup_epochs"):
            sched += ("," if sep and rest else ":") + f"warmup_epochs={int(cfg['warmup_epochs'])}"
        cfg["lr_schedule"] = sched
    if cfg.get("norm") not in (None, "batch", "layer"):
        raise ValueError(f"--norm for the NumPy engine is batch or layer (or none); got {cfg['norm']!r}.")
    out = {k: (cfg.get(k) if cfg.get(k) is not None else v) for k, v in DEFAULTS.items()}
    if out["model"] not in MODELS:
        raise ValueError(f"--model {out['model']!r} is not a NumPy model; choose one of {sorted(MODELS)}.")
    return out


def parse_schedule(text, lr: float) -> dict:
    """'step:step_size=5,gamma=0.5' -> {"name": "step", "lr": lr, "step_size": 5, "gamma": 0.5}."""
    if isinstance(text, dict):
        return {**text, "lr": lr}
    name, _, opts = str(text).partition(":")
    sched = {"name": name.strip(), "lr": lr}
    for item in filter(None, (o.strip() for o in opts.split(","))):
        key, eq, val = item.partition("=")
        if not eq:
            raise ValueError(f"--lr-schedule options look like 'step:step_size=5,gamma=0.5'; got {text!r}.")
        num = float(val)
        sched[key.strip()] = (
            int(num)
            if num.is_integer() and key.strip() in ("step_size", "T_0", "T_mult", "warmup_epochs")
            else num
        )
    return sched


def model_config(c: dict, input_shape: tuple[int, int, int], num_classes: int) -> dict:
    """The model constructor config from the resolved CLI config and the data's (H, W, C)."""
    H, W, C = input_shape
    name, hidden, reg = c["model"], c["hidden"], 0.0 if c["overfit"] else float(c["weight_decay"])
    base = {"num_classes": num_classes, "reg": reg, "dtype": c["dtype"], "seed": c["seed"]}
    if c["weight_scale"] is not None:
        base["weight_scale"] = c["weight_scale"]
    if name == "twolayer":
        return {"name": name, "input_dim": H * W * C, "hidden_dim": (hidden or [100])[0], **base}
    if name == "fc":
        return {
            "name": name,
            "input_dim": H * W * C,
            "hidden_dims": hidden or [100, 100],
            "dropout_keep": c["dropout"],
            "normalization": c["norm"],
            "activation": c["activation"],
            "init": c["init"] or "he",
            **base,
        }
    if name in ("threelayer_convnet", "convnet3"):
        f = c["filters"] or [32]
        return {
            "name": "threelayer_convnet",
            "input_dim": [C, H, W],
            "num_filters": int(np.ravel(f)[0]),
            "filter_size": c["filter_size"] or 7,
            "hidden_dim": (hidden or [100])[0],
            "init": c["init"] or "he",
            **base,
        }
    return {
        "name": "convnet",
        "input_dim": [C, H, W],
        "conv_blocks": c["filters"] or [[32], [64]],
        "fc_dims": hidden if hidden is not None else [256],
        "filter_size": c["filter_size"] or 3,
        "batchnorm": c["norm"] == "batch",
        "dropout_keep": c["dropout"],
        "init": c["init"] or "he",
        **base,
    }


def load_data(c: dict):
    """Load and split; return (train, val, test or None) ImageDatasets."""
    from visrec.data.load import load_dataset
    from visrec.data.splits import split_dataset

    ds = load_dataset(c["data"], limit_per_class=c["limit_per_class"])
    if c["overfit"]:
        sub = ds.subset(np.arange(min(int(c["overfit"]), len(ds))))
        return sub, sub, None
    train, val, _ = split_dataset(ds, c["val_fraction"], seed=c["seed"], val_size=c["val_size"])
    test = load_dataset(c["test_data"], split="test") if c["test_data"] else None
    return train, val, test


def run(cfg: dict) -> Path:
    """Train as ``cfg`` says and return the run directory (see the module docstring)."""
    c = resolve_config(cfg)
    if c["resume"]:
        if not c["out"] or not (Path(c["out"]) / "checkpoints" / "last.safetensors").is_file():
            raise ValueError(
                f"--resume needs --out pointing at a run with checkpoints/last.safetensors; got {c['out']!r}."
            )
        saved = json.loads((Path(c["out"]) / "config.json").read_text())["train"]
        c = {
            **saved,
            "resume": True,
            "epochs": cfg.get("epochs") or saved["epochs"],
            "minutes": c["minutes"],
            "verbose": c["verbose"],
        }
    run_dir = RunDir.create(c["out"], f"train-numpy-{c['model']}")
    t0 = time.perf_counter()
    train, val, test = load_data(c)
    conv = c["model"] in CONV_MODELS
    transform = InputTransform(c["center"], c["scale"], "nchw" if conv else "flat", c["dtype"]).fit(
        train.images
    )
    data = {
        "X_train": transform.transform(train.images),
        "y_train": train.labels,
        "X_val": transform.transform(val.images),
        "y_val": val.labels,
    }
    mcfg = model_config(c, train.image_shape, train.num_classes)
    model = build_model(mcfg)
    if not c["resume"]:
        run_dir.write_config(
            {
                "train": {**c, "out": str(run_dir.path)},
                "model": mcfg,
                "engine": "numpy",
                "data_fingerprint": train.fingerprint,
                "data_source": train.source,
            }
        )
        (run_dir.path / "history.jsonl").unlink(missing_ok=True)
    hyper = (
        {"rho": c["momentum"]}
        if c["momentum"] is not None and c["optimizer"] in ("momentum", "nesterov")
        else {}
    )
    solver = Solver(
        model,
        data,
        optimizer=c["optimizer"],
        lr=c["lr"],
        lr_schedule=parse_schedule(c["lr_schedule"], c["lr"]),
        optim_config=hyper,
        batch_size=c["batch_size"],
        num_epochs=c["epochs"],
        num_train_samples=c["num_train_samples"],
        patience=c["patience"],
        clip_norm=c["clip_norm"],
        ema_decay=c["ema"],
        checkpoint_dir=run_dir.checkpoints,
        seed=c["seed"],
        verbose=c["verbose"],
        max_seconds=c["minutes"] * 60 if c["minutes"] else None,
        on_epoch=lambda r: run_dir.append_history(
            {"step": r["iteration"], "epoch": r["epoch"], "elapsed_s": r["time_s"], "train_loss": r["loss"], **r}
        ),
    )
    if c["resume"]:
        solver.resume(run_dir.checkpoints / "last.safetensors")
    solver.train()
    save_model(run_dir, model, transform, train.class_names, train.image_shape)
    metrics = {
        "model": c["model"],
        "val_acc": solver.best_val_acc,
        "best_epoch": solver.best_epoch,
        "train_acc": solver.train_acc_history[-1] if solver.train_acc_history else None,
        "epochs_run": solver.epoch,
        "iterations": solver.iteration,
        "initial_loss": solver.initial_loss,
        "num_params": model.num_params(),
        "stop_reason": solver.stop_reason,
        "train_size": len(train),
        "val_size": len(val),
        "wall_time_s": round(time.perf_counter() - t0, 2),
    }
    if test is not None:
        metrics["test_acc"] = float(np.mean(model.predict(transform.transform(test.images)) == test.labels))
    run_dir.write_metrics(metrics)
    write_plots(run_dir, solver, model, train.image_shape)
    return run_dir.path


def write_plots(run_dir: RunDir, solver: Solver, model, input_shape) -> None:
    """Loss curve, train/val accuracy and first-layer filters (convnets) or templates (FC nets)."""
    from visrec.report import accuracy_curves, filters_grid, loss_curve

    if solver.loss_history:
        loss_curve(solver.loss_history, run_dir.plots / "loss.png")
    if solver.val_acc_history:
        accuracy_curves(solver.train_acc_history, solver.val_acc_history, run_dir.plots / "accuracy.png")
    w1 = model.params["W1"]
    H, W, C = input_shape
    if w1.ndim == 4 and w1.shape[1] in (1, 3):
        filters_grid(w1[:64], run_dir.plots / "filters.png", title="first-layer filters")
    elif w1.ndim == 2 and C in (1, 3):
        filters_grid(
            w1.T[:64].reshape(-1, H, W, C),
            run_dir.plots / "filters.png",
            channels_first=False,
            title="first-layer weights as images",
        )
