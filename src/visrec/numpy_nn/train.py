"""Train a NumPy-engine model: ``train(cfg) -> run directory`` (the shape of the torch trainer's ``train``).

What happens, in order:

1. ``cfg.resume`` (a run directory): the run's own config.json gives every setting except those in
   ``RESUMABLE`` (epochs, max_minutes, patience, progress) that ``cfg`` changes; the run continues in
   that directory (a copied or moved run continues where it now is). Runs of release 0.1 resume too.
2. ``visrec.data.load_splits(cfg)``: seeded split, ``--limit``, ``--overfit`` (then reg 0), ``--test-data``.
3. Inputs preprocessed by :class:`~visrec.numpy_nn.persist.InputTransform`, fitted on the training split.
4. :class:`~visrec.numpy_nn.solver.Solver` trains inside a :class:`visrec.runs.TrainSession` (the progress
   bar with the running loss, the NaN guard, the ``--max-minutes`` budget over the whole run, Ctrl-C: the
   epoch is cut short, evaluated and checkpointed). Each epoch appends one ``history.jsonl`` record and
   writes ``checkpoints/last`` (and ``best`` when validation improves) through the RunDir.
5. ``model.safetensors`` + ``model.json`` (kind ``numpy_nn``, the best-validation weights) and
   ``metrics.json``; with ``--test-data``, the test accuracy, measured once at the end.

Figures are not drawn here (this package imports NumPy only): ``visrec.cli`` draws them from the run.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from visrec.numpy_nn.config import RESUMABLE, NumpyTrainConfig, from_legacy
from visrec.numpy_nn.models import CONV_MODELS, build_model
from visrec.numpy_nn.persist import InputTransform, model_meta, save_model
from visrec.numpy_nn.schedules import parse_schedule
from visrec.numpy_nn.solver import Solver
from visrec.runs import RunDir, TrainSession
from visrec.runs.config import read_config_file

__all__ = ["train", "resume_config", "model_config"]


def resume_config(cfg: NumpyTrainConfig) -> NumpyTrainConfig:
    """The settings a resumed run continues with: its config.json, then ``cfg``'s RESUMABLE changes.

    A RESUMABLE field of ``cfg`` counts as given when it differs from the class default.
    """
    run = RunDir.for_resume(cfg.resume)
    raw = run.read_config()
    settings = read_config_file(run.path / "config.json")
    legacy = "train" in raw or isinstance(settings.get("train"), dict)  # release 0.1 (nested "train")
    if isinstance(settings.get("train"), dict):
        settings = settings["train"]
    saved = from_legacy(settings, warn=False) if legacy else NumpyTrainConfig.from_dict(settings)
    changes = {k: v for k, v in cfg.explicit().items() if k in RESUMABLE}
    return saved.replace(**changes, resume=str(run.path), out=None, overwrite=False)


def model_config(cfg: NumpyTrainConfig, input_shape, num_classes: int) -> dict:
    """The model constructor config (``build_model``) from ``cfg`` and the data's (H, W, C)."""
    H, W, C = input_shape
    name, hidden = cfg.model, cfg.hidden
    reg = 0.0 if cfg.overfit else float(cfg.weight_decay)
    base = {"num_classes": num_classes, "reg": reg, "dtype": cfg.dtype, "seed": cfg.seed}
    if cfg.weight_scale is not None:
        base["weight_scale"] = cfg.weight_scale
    if name == "twolayer":
        return {"name": name, "input_dim": H * W * C, "hidden_dim": (hidden or [100])[0], **base}
    if name == "fc":
        return {
            "name": name,
            "input_dim": H * W * C,
            "hidden_dims": hidden or [100, 100],
            "dropout_keep": cfg.dropout_keep,
            "normalization": cfg.norm,
            "activation": cfg.activation,
            "init": cfg.init or "he",
            **base,
        }
    if name in ("threelayer_convnet", "convnet3"):
        return {
            "name": "threelayer_convnet",
            "input_dim": [C, H, W],
            "num_filters": int(np.ravel(cfg.filters or [32])[0]),
            "filter_size": cfg.filter_size or 7,
            "hidden_dim": (hidden or [100])[0],
            "init": cfg.init or "he",
            **base,
        }
    return {
        "name": "convnet",
        "input_dim": [C, H, W],
        "conv_blocks": cfg.filters or [[32], [64]],
        "fc_dims": hidden if hidden is not None else [256],
        "filter_size": cfg.filter_size or 3,
        "batchnorm": cfg.norm == "batch",
        "dropout_keep": cfg.dropout_keep,
        "init": cfg.init or "he",
        **base,
    }


def _schedule(cfg: NumpyTrainConfig) -> dict:
    sched = parse_schedule(cfg.lr_schedule, cfg.lr)
    if cfg.warmup_epochs and "warmup_epochs" not in sched:
        sched["warmup_epochs"] = int(math.ceil(cfg.warmup_epochs))
    return sched


def _history_record(r: dict) -> dict:
    """A Solver epoch record in the shared history.jsonl schema (plus the NumPy engine's own fields)."""
    return {
        "step": r["iteration"],
        "epoch": r["epoch"],
        "elapsed_s": r["time_s"],
        "train_loss": r["loss"],
        "train_acc": r["train_acc"],
        "val_acc": r["val_acc"],
        "lr": r["lr"],
        "partial_epoch": r["partial_epoch"],
        "update_ratio": r["update_ratio"],
    }


def _upgrade_record(h: dict) -> dict:
    """A history record of release 0.1 (``iteration``, ``loss``, ``time_s``) in today's schema."""
    if "step" in h:
        return h
    return _history_record({"partial_epoch": False, "update_ratio": {}, **h})


def _tensorboard_images(tb, model, transform, val_ds, step: int, n: int = 32) -> None:
    """First-layer filters (or FC templates) and a validation batch framed by right/wrong predictions."""
    from visrec.runs.tensorboard import filter_images, prediction_grid, tile

    w1 = model.params.get("W1")
    if w1 is not None:
        filters = filter_images(w1 if w1.ndim == 4 else w1.T, val_ds.image_shape, order="hwc")
        if filters is not None:
            tb.image("first_layer", tile(filters), step)
    images, labels = val_ds.images[:n], val_ds.labels[:n]
    tb.image("val_predictions", prediction_grid(images, labels, model.predict(transform.transform(images))), step)
    tb.flush()


def train(cfg: NumpyTrainConfig) -> Path:
    """Train as ``cfg`` says; return the run directory (see the module docstring)."""
    from visrec.data import load_splits

    if not isinstance(cfg, NumpyTrainConfig):
        raise TypeError(f"train expects a NumpyTrainConfig; got {type(cfg).__name__}.")
    start = time.perf_counter()
    if cfg.resume:
        cfg = resume_config(cfg)
    splits = load_splits(cfg)
    train_ds, val_ds, test_ds = splits.train, splits.val, splits.test
    transform = InputTransform(
        cfg.center, cfg.scale, "nchw" if cfg.model in CONV_MODELS else "flat", cfg.dtype
    )
    transform.fit(train_ds.images)
    data = {
        "X_train": transform.transform(train_ds.images),
        "y_train": train_ds.labels,
        "X_val": transform.transform(val_ds.images),
        "y_val": val_ds.labels,
    }
    mcfg = model_config(cfg, train_ds.image_shape, train_ds.num_classes)
    model = build_model(mcfg)
    meta = model_meta(model, transform, train_ds.class_names, train_ds.image_shape)
    per_epoch = max(len(train_ds) // cfg.batch_size, 1)
    command = f"train-numpy-{cfg.model}"
    with TrainSession(cfg, command=command, total_steps=per_epoch * cfg.epochs, write_config=False) as s:
        run = s.run
        s.resume_hint = f"Resume with: visrec train --engine numpy --resume {run.path}"

        def checkpoint(name: str, arrays: dict, solver_meta: dict) -> None:
            # the transform and model.json's description go along, so predict can use a checkpoint; the best
            # one also keeps the running statistics of the epoch that made it best
            extra = {f"params/{k}": v for k, v in model.net.buffers.items()} if name == "best" else {}
            tensors = {**arrays, **extra, **transform.arrays()}
            run.save_checkpoint(name, tensors, {**solver_meta, "model_meta": meta})

        def on_step(iteration: int, loss: float) -> None:
            s.step = iteration
            s.log(loss=loss)
            if s.progress is not None:
                s.progress.advance(iteration, s.running_loss)

        def record_epoch(r: dict) -> None:
            rec = {**_history_record(r), "elapsed_s": round(s.budget.elapsed, 3)}  # the run's clock, across resumes
            run.append_history(rec)
            if s.tb is not None:
                s.tb.scalars(rec, step=rec["step"])
                s.tb.flush()
            s.progress.note(rec)

        solver = Solver(
            model,
            data,
            optimizer=cfg.optimizer,
            lr=cfg.lr,
            lr_schedule=_schedule(cfg),
            optim_config={"rho": cfg.momentum} if cfg.optimizer in ("momentum", "nesterov") else {},
            batch_size=cfg.batch_size,
            num_epochs=cfg.epochs,
            num_train_samples=cfg.num_train_samples,
            patience=cfg.patience or None,
            clip_norm=cfg.grad_clip or None,
            ema_decay=cfg.ema or None,
            checkpointer=checkpoint,
            should_stop=s.should_stop,
            seed=cfg.seed,
            verbose=cfg.progress,
            on_step=on_step,
            on_epoch=record_epoch,
            show_progress=False,
        )
        if s.resumed:
            arrays, saved = run.load_checkpoint("last")
            solver.load_state(arrays, saved, source=str(run.path / "checkpoints" / "last"))
            kept = [_upgrade_record(h) for h in run.history()]
            run.rewrite_history([h for h in kept if h["step"] <= solver.iteration])
            s.continue_budget(solver.iteration)
            s.step = solver.iteration
            if s.progress is not None:
                s.progress.start_at(solver.iteration)
        else:
            extra = {"model": mcfg, "splits": splits.info}
            run.write_config(cfg, data_fingerprint=splits.fingerprint, extra=extra)
        solver.train()
        if s.tb is not None:
            _tensorboard_images(s.tb, model, transform, val_ds, solver.iteration)
        save_model(run, model, transform, train_ds.class_names, train_ds.image_shape)
        metrics = {
            "model": cfg.model,
            "val_acc": solver.best_val_acc,
            "best_epoch": solver.best_epoch,
            "train_acc": solver.train_acc_history[-1] if solver.train_acc_history else None,
            "epochs_run": solver.epoch,
            "iterations": solver.iteration,
            "initial_loss": solver.initial_loss,
            "num_params": model.num_params(),
            "stop_reason": solver.stop_reason or s.status,
            "train_size": len(train_ds),
            "val_size": len(val_ds),
        }
        if test_ds is not None:
            X_test = transform.transform(test_ds.images)
            metrics["test_acc"] = float(np.mean(model.predict(X_test) == test_ds.labels))
        metrics["wall_time_s"] = round(time.perf_counter() - start, 2)  # data loading and test included
        s.finish(metrics)
    return run.path
