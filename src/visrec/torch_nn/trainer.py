"""The one training entry point of the torch side: ``train(cfg) -> run directory``.

The same call runs on CPU, on a GPU, or in every process of ``torchrun --nproc-per-node N`` (DDP). It reads
top to bottom:

1. processes and device; seeds
2. data: load, seeded train/val split, per-channel statistics of the training split, batch iterators
3. model from the registry (+ transfer-learning init and freezing), optimizer, AMP scaler, EMA, compile
4. resume from a checkpoint (model, optimizer, EMA, RNG, counters, history)
5. epochs: train, evaluate, log (history.jsonl, TensorBoard), checkpoint last/best, early stopping,
   wall-clock budget; a NaN loss stops with a clear message, keeping the best checkpoint
6. final model (best epoch) -> model.safetensors + model.json, test evaluation, metrics.json, plots
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch import nn

from visrec.data.run_data import load_splits
from visrec.runs import RunDir
from visrec.runs.session import InterruptFlag, check_budget_left
from visrec.torch_nn import distributed as D
from visrec.torch_nn.augment import BatchPipeline, pca_lighting_stats
from visrec.torch_nn.checkpoint import load_checkpoint, restore_checkpoint
from visrec.torch_nn.data import TensorBatches, channel_stats, make_loader
from visrec.torch_nn.ema import EMA
from visrec.torch_nn.lookahead import Lookahead
from visrec.torch_nn.loop import StepState, evaluate, train_one_epoch
from visrec.torch_nn.optim import build_optimizer, schedule_progress
from visrec.torch_nn.train_config import TrainConfig
from visrec.torch_nn.train_log import RunLogger
from visrec.utils.errors import ParameterError, TrainingDiverged
from visrec.utils.seeding import seed_everything

__all__ = ["train", "build_model"]


def train(cfg: TrainConfig | dict) -> Path:
    """Train ``cfg.model`` on ``cfg.data``; return the run directory (see ARCHITECTURE.md for its layout)."""
    cfg = cfg if isinstance(cfg, TrainConfig) else TrainConfig.from_dict(cfg)
    resume_meta, resume_tensors = None, None
    if cfg.resume:  # the recorded settings, then what this call asks for; the run continues where it is now
        cfg = TrainConfig.resumed(cfg.resume, cfg.explicit())
        resume_tensors, resume_meta = load_checkpoint(Path(cfg.resume) / "checkpoints" / "last")
    else:
        if cfg.out is None:  # resolve the default now, so config.json and checkpoints record the real folder
            cfg = cfg.replace(out=f"runs/train-{cfg.model}-{time.strftime('%Y%m%d-%H%M%S')}")
        RunDir(cfg.out).ensure_available(cfg.overwrite)  # every rank, before any process writes
    _check_model(cfg)
    budget_used = _budget_used(cfg, resume_meta)  # a resumed run continues its --max-minutes clock

    # 1. processes, device, seeds
    info = D.setup(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)  # the same initial weights on every rank

    # 2. data
    splits = load_splits(cfg)
    train_ds, val_ds = splits.train, splits.val
    mean, std = channel_stats(train_ds.images)
    from visrec.torch_nn.registry import check_input_shape

    h, w, c = train_ds.image_shape
    check_input_shape(cfg.model, (c, h, w), **_model_kwargs(cfg, train_ds))  # refuse up front, naming the size
    model = build_model(cfg, train_ds.num_classes, train_ds.image_shape).to(info.device)
    if cfg.whiten_bias_epochs and not hasattr(model, "train_whitening_bias"):
        raise ParameterError(
            f"--whiten-bias-epochs {cfg.whiten_bias_epochs}: the model {cfg.model!r} has no whitening stem "
            "(fast_cifar has one). Drop the option or pass 0."
        )
    resize = _resize_for(model, train_ds.image_shape)
    pca = None
    if "pca" in cfg.augment:
        sample = torch.from_numpy(train_ds.images[:10000]).permute(0, 3, 1, 2).float() / 255.0
        pca = pca_lighting_stats(sample)
    pipeline = BatchPipeline(
        mean, std, cfg.augment, cfg.crop_padding, pca=pca, channels_last=cfg.channels_last, resize=resize,
        crop_mode=cfg.crop_mode,
    )
    if hasattr(model, "init_whitening") and resume_meta is None and not cfg.init_from:
        # a whitening stem (fast_cifar): its frozen filters come from the training patches' covariance
        g = torch.Generator().manual_seed(cfg.seed)
        pick = torch.randperm(len(train_ds), generator=g)[:5000].numpy()
        sample = torch.from_numpy(train_ds.images[pick]).permute(0, 3, 1, 2).to(info.device)
        model.init_whitening(pipeline.eval(sample).float())
    train_batches = _batches(train_ds, cfg, info, shuffle=True)
    val_batches = _batches(val_ds, cfg, info, shuffle=False)
    steps_per_epoch = len(train_batches)

    # 3. model, optimizer, precision, averaging
    if cfg.channels_last:
        model = model.to(memory_format=torch.channels_last)
    raw_model = model
    optimizer = build_optimizer(model, cfg)
    scaler = torch.amp.GradScaler("cuda") if cfg.amp and info.device.type == "cuda" else None
    ema = EMA(model, cfg.ema) if cfg.ema > 0 else None
    _whitening_bias(model, cfg, resume_meta["epoch"] if resume_meta else 0)  # after the optimizer: it has the bias
    train_model = _wrap(model, cfg, info)
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
    eval_criterion = nn.CrossEntropyLoss()

    # 4. run directory and resume
    log = RunLogger(cfg, info.is_main, resumed=resume_meta is not None)
    log.watch(optimizer, raw_model, val_ds, pipeline, info.device)
    state = StepState()
    start_epoch, best = 0, {"val_acc": -1.0, "epoch": -1}
    bad_epochs, history = 0, []
    if resume_meta is not None:
        restore_checkpoint(resume_tensors, resume_meta, model, optimizer, ema)
        start_epoch, state.step = resume_meta["epoch"], resume_meta["step"]
        best, bad_epochs, history = resume_meta["best"], resume_meta["bad_epochs"], resume_meta["history"]
        log.restore_history(history)
    else:
        log.reset_history()
    log.write_config(cfg, splits)
    lookahead = Lookahead(raw_model, cfg.lookahead) if cfg.lookahead else None  # after resume: slow = weights
    t_start = time.perf_counter()
    if cfg.max_minutes > 0:  # the budget covers the whole run: training, every evaluation, the test pass
        _start_budget(state, cfg, t_start, budget_used)
    state.interrupt = InterruptFlag()
    state.interrupt.install()
    n_test = len(splits.test) if splits.test is not None else 0
    extra_meta = {
        "model": cfg.model,
        "model_kwargs": _model_kwargs(cfg, train_ds),
        "mean": mean,
        "std": std,
        "class_names": train_ds.class_names,
        "input_shape": list(train_ds.image_shape),
        "resize_to": list(resize) if resize else None,
        "tta": cfg.tta,
    }

    # 5. epochs
    status = "completed"
    try:
        for epoch in range(start_epoch, cfg.epochs):
            train_batches_epoch(train_batches, epoch)
            if _whitening_bias(raw_model, cfg, epoch) and train_model is not raw_model:
                train_model = _wrap(raw_model, cfg, info)  # DDP registers only the parameters that train
            gen = torch.Generator(device=info.device).manual_seed(
                cfg.seed * 100003 + epoch * 7919 + info.rank
            )
            tr = train_one_epoch(
                train_model,
                train_batches,
                pipeline,
                optimizer,
                criterion,
                state,
                cfg,
                epoch=epoch,
                steps_per_epoch=steps_per_epoch,
                device=info.device,
                scaler=scaler,
                ema=ema,
                generator=gen,
                raw_model=raw_model,
                progress=cfg.progress and info.is_main,
                lookahead=lookahead,
            )
            if lookahead is not None:  # at every epoch's end the slow weights are the model (exact resume)
                lookahead.sync(raw_model, schedule_progress(state.step, steps_per_epoch, cfg, state.time_fraction()))
            if D.broadcast_flag(state.interrupt.set, info):  # Ctrl-C: the partial epoch is discarded
                status = "interrupted"
                break
            tr_sum = D.all_reduce_sum([tr["loss_sum"], tr["correct"], tr["count"]], info)
            record = {
                "epoch": epoch + 1,
                "step": state.step,
                "lr": optimizer.param_groups[0]["lr"],
                "train_loss": tr_sum[0] / max(1, tr_sum[2]),
                "train_acc": tr_sum[1] / max(1, tr_sum[2]),
                "epoch_seconds": tr["seconds"],
                "images_per_s": tr_sum[2] / max(tr["seconds"], 1e-9),
            }
            last_epoch = epoch + 1 == cfg.epochs or D.broadcast_flag(state.stopped_by_budget, info)
            improved = False
            if (epoch + 1) % cfg.eval_every == 0 or last_epoch:  # evaluate and checkpoint on a schedule
                eval_model = ema.module if ema is not None else raw_model
                t_eval = time.perf_counter()
                va = evaluate(eval_model, val_batches, pipeline, eval_criterion, info.device, cfg.amp)
                va_sum = D.all_reduce_sum([va["loss_sum"], va["correct"], va["count"]], info)
                record.update(val_loss=va_sum[0] / max(1, va_sum[2]), val_acc=va_sum[1] / max(1, va_sum[2]))
                _charge_eval(state, cfg, time.perf_counter() - t_eval, n_test / max(1, len(val_ds)))
                improved = record["val_acc"] > best["val_acc"]
                if improved:
                    best, bad_epochs = {"val_acc": record["val_acc"], "epoch": epoch + 1}, 0
                else:
                    bad_epochs += 1
            record["elapsed_s"] = time.perf_counter() - t_start
            history.append(record)
            meta = {
                "config": cfg.to_dict(),
                "epoch": epoch + 1,
                "step": state.step,
                "best": best,
                "bad_epochs": bad_epochs,
                "history": history,
                "model_meta": extra_meta,
                "budget_used_s": time.perf_counter() - state.t_start if state.budget_end is not None else None,
            }
            log.epoch(record, raw_model, optimizer, ema, meta, improved, checkpoint="val_acc" in record)
            if D.broadcast_flag(cfg.patience > 0 and bad_epochs >= cfg.patience, info):
                status = f"early stopping: no val improvement in {cfg.patience} epochs"
                break
            if D.broadcast_flag(state.stopped_by_budget, info):
                status = f"stopped at the {cfg.max_minutes:g}-minute budget"
                break
    except TrainingDiverged as exc:
        state.interrupt.uninstall()
        log.finish(raw_model, extra_meta, best, history, status=f"diverged: {exc}")
        D.cleanup(info)
        raise
    except KeyboardInterrupt:  # a second Ctrl-C: stop now, keep the best epoch as the final model
        status = "interrupted"
    state.interrupt.uninstall()

    # 6. final model, test set, metrics
    test_acc = None
    if splits.test is not None and status != "interrupted":
        final_model = log.best_model(raw_model, ema)
        test_batches = _batches(splits.test, cfg, info, shuffle=False)
        te = evaluate(final_model, test_batches, pipeline, eval_criterion, info.device, cfg.amp, cfg.tta,
                      cfg.tta_translate)
        te_sum = D.all_reduce_sum([te["correct"], te["count"]], info)
        test_acc = te_sum[0] / max(1, te_sum[1])
    extra = {}
    if cfg.tta and history and status != "interrupted":  # the validation accuracy with test-time augmentation
        va = evaluate(log.best_model(raw_model, ema), val_batches, pipeline, eval_criterion, info.device, cfg.amp,
                      True, cfg.tta_translate)
        va_sum = D.all_reduce_sum([va["correct"], va["count"]], info)
        extra["val_acc_tta"] = va_sum[0] / max(1, va_sum[1])
    log.finish(
        raw_model,
        extra_meta,
        best,
        history,
        status=status,
        test_acc=test_acc,
        ema=ema,
        seconds=time.perf_counter() - t_start,
        extra=extra,
    )
    D.cleanup(info)
    if status == "interrupted" and info.is_main:
        import sys

        print(f"interrupted: the best epoch so far is the run's model. Resume with: visrec train --resume {log.path}",
              file=sys.stderr)
    return log.path


def _budget_used(cfg: TrainConfig, resume_meta: dict | None) -> float:
    """Seconds of the ``--max-minutes`` budget a resumed run has already spent (0 for a new run).

    Refuses, before any work, to resume a run whose budget is spent: it would stop after one step.
    """
    used = float((resume_meta or {}).get("budget_used_s") or 0.0)
    check_budget_left(cfg.max_minutes, used)
    return used


def _start_budget(state, cfg: TrainConfig, now: float, used: float) -> None:
    """Start the budget's clock as if ``used`` seconds had already run: the time-aware schedule and the
    deadline continue where the checkpoint left them."""
    state.t_start = now - used
    state.budget_end = state.t_start + 60 * cfg.max_minutes
    state.deadline = state.budget_end


def _charge_eval(state, cfg: TrainConfig, seconds: float, test_ratio: float) -> None:
    """Account for one validation pass in the budget.

    With ``budget_includes_eval`` (the default) the budget covers the whole run, so training stops early
    enough to leave time for the next validation pass and the final test pass. Without it, evaluation is
    not charged: the training budget's clock is moved on by the evaluation's duration.
    """
    if state.budget_end is None:
        return
    if cfg.budget_includes_eval:
        views = (6 if cfg.tta_translate else 2) if cfg.tta else 1
        state.deadline = state.budget_end - seconds * (1 + test_ratio * views)
    else:
        state.t_start += seconds
        state.deadline += seconds
        state.budget_end += seconds


def train_batches_epoch(batches, epoch: int) -> None:
    """Tell the sampler (or the tensor iterator) which epoch it is: it seeds the shuffle."""
    if hasattr(batches, "set_epoch"):
        batches.set_epoch(epoch)
    elif hasattr(batches, "sampler") and hasattr(batches.sampler, "set_epoch"):
        batches.sampler.set_epoch(epoch)


def build_model(cfg: TrainConfig, num_classes: int, image_shape: tuple[int, int, int]) -> nn.Module:
    """The registry's model for ``cfg`` (input channels matched to the data), with transfer learning."""
    from visrec.torch_nn.registry import create_model
    from visrec.torch_nn.transfer import apply_finetune, init_from

    try:
        model = create_model(cfg.model, num_classes=num_classes, **_model_kwargs(cfg, None, image_shape))
    except TypeError as exc:  # a shortcut option the model's class does not take
        import re

        found = re.search(r"unexpected keyword argument '(\w+)'", str(exc))
        if not found:
            raise
        name = {"hidden_dims": "--hidden", "dropout": "--dropout", "norm": "--norm"}.get(found[1], found[1])
        raise ParameterError(
            f"--model {cfg.model} does not take {name}. Drop {name}, or pick a model that has it "
            "(visrec summary --list; docs/torch_models.md says which options each family takes)."
        ) from None
    if cfg.init_from:
        init_from(model, cfg.init_from)
    apply_finetune(model, cfg.finetune)
    return model


def _model_kwargs(cfg: TrainConfig, ds, image_shape=None) -> dict:
    """``cfg.model_options()`` plus ``in_chans`` = the data's C when the builder takes it."""
    import inspect

    from visrec.torch_nn.registry import model_entry

    kw = cfg.model_options()
    shape = image_shape or ds.image_shape
    params = inspect.signature(model_entry(cfg.model).fn).parameters
    if "in_chans" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kw.setdefault("in_chans", int(shape[2]))
    return kw


def _resize_for(model: nn.Module, image_shape) -> tuple[int, int] | None:
    """(H, W) the batches must be resized to for ``model``, or None when the data's size works."""
    _, mh, mw = tuple(getattr(model, "input_size", (0, 0, 0)))
    h, w = image_shape[:2]
    fixed = bool(getattr(model, "fixed_input_size", False))
    too_small = min(h, w) < int(getattr(model, "min_input_size", 1))
    if (fixed or too_small) and (h, w) != (mh, mw) and mh > 0:
        return (int(mh), int(mw))
    return None


def _batches(ds, cfg: TrainConfig, info: D.DistInfo, shuffle: bool):
    use_loader = cfg.loader == "dataloader" or (cfg.loader == "auto" and cfg.workers > 0)
    if use_loader:
        return make_loader(
            ds.images,
            ds.labels,
            cfg.batch_size,
            shuffle,
            cfg.seed,
            cfg.workers,
            info.rank,
            info.world,
            pin_memory=info.device.type == "cuda",
        )
    return TensorBatches(
        ds.images, ds.labels, cfg.batch_size, shuffle, cfg.seed, info.rank, info.world, device=info.device,
        alt_flip=shuffle and "altflip" in cfg.augment,
    )


def _check_model(cfg: TrainConfig) -> None:
    """Refuse, before any work, an option the model does not take (--hidden, --dropout, --norm, model_kwargs)."""
    from visrec.torch_nn.registry import check_model_options

    check_model_options(cfg.model, cfg.model_options())


def _wrap(model: nn.Module, cfg: TrainConfig, info) -> nn.Module:
    """The module the steps run: ``model`` itself, in DDP under torchrun, compiled with ``--compile``."""
    train_model = model
    if info.enabled:
        ids = [info.device.index] if info.device.type == "cuda" else None
        import warnings

        # channels-last convolutions give gradients whose strides differ from DDP's buckets: harmless, expected
        warnings.filterwarnings("ignore", message=".*Grad strides do not match bucket view strides.*")
        train_model = nn.parallel.DistributedDataParallel(model, device_ids=ids)
    if cfg.compile:
        train_model = torch.compile(train_model)
    return train_model


def _whitening_bias(model: nn.Module, cfg: TrainConfig, epoch: int) -> bool:
    """With ``--whiten-bias-epochs N`` the stem's bias trains in epochs 0..N-1 only (airbench: 3); return
    whether this epoch changed that, so the caller re-wraps the model for DDP."""
    if not cfg.whiten_bias_epochs:
        return False
    return model.train_whitening_bias(epoch < cfg.whiten_bias_epochs)
