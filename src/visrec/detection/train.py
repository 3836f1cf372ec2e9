"""``visrec detect train``: a detector trained on the shared run layer (``TrainSession``, ``RunDir``).

The loop: a seeded shuffle per epoch, minibatches of (image, target) with optional augmentation
(horizontal flips, quarter turns, colour jitter: :mod:`visrec.detection.data.augment`),
``loss = sum(model(images, targets).values())`` (the detector's own losses, e.g. Faster R-CNN's four), an
optimizer step, and every ``eval_every`` epochs the validation mAP@0.5 (VOC all-point) recorded in
``history.jsonl`` with a ``last`` checkpoint (``--resume`` continues exactly). The run ends with
``model.safetensors`` + ``model.json`` (kind "detector", read back by :func:`visrec.detection.predict.
load_predictor`) and ``metrics.json`` (VOC and COCO numbers on the validation split).

Data: generated shapes, a VOC folder or a COCO JSON; boxes are validated on load; images without
objects are kept (they only contribute negatives); with ``tile`` large images are cut into tiles.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import torch

from visrec.detection.config import DetectConfig
from visrec.detection.data import (
    DetectionDataset,
    DetectionSample,
    make_shapes,
    read_coco,
    read_voc,
    tile_dataset_samples,
)
from visrec.detection.data.augment import augment_sample, draw_augmentation, transform_boxes
from visrec.utils.errors import DataError, ParameterError

__all__ = ["load_dataset", "split_dataset", "model_kwargs", "train"]


def load_dataset(source, single_class: str | None = None) -> DetectionDataset:
    """A :class:`DetectionDataset` from a config (its ``data``) or a path: "shapes", a VOC folder, COCO JSON."""
    if isinstance(source, DetectConfig):
        cfg = source
        if cfg.data == "shapes":
            return make_shapes(cfg.num_images, size=cfg.image_size, max_objects=4, empty_fraction=0.1, seed=cfg.seed)
        return load_dataset(cfg.data, cfg.single_class)
    path = Path(source)
    if (path / "Annotations").is_dir():
        return read_voc(path, single_class=single_class)
    if path.is_file() and path.suffix == ".json":
        return read_coco(path)
    if path.is_dir() and (path / "annotations.json").is_file():
        return read_coco(path / "annotations.json")
    raise DataError(
        f"--data {source}: expected 'shapes', a Pascal VOC folder (with Annotations/ and JPEGImages/) "
        "or a COCO JSON file (or a folder holding annotations.json)."
    )


def split_dataset(dataset: DetectionDataset, cfg: DetectConfig) -> tuple[DetectionDataset, DetectionDataset]:
    """Seeded (train, validation) split; ``--overfit N`` trains and validates on the same N images."""
    n = len(dataset)
    order = np.random.default_rng(cfg.seed).permutation(n)
    if cfg.limit:
        order = order[: cfg.limit]
    if cfg.overfit:
        if cfg.overfit > n:
            raise DataError(f"--overfit {cfg.overfit} asks for more images than --data has ({n}).")
        part = dataset.subset(order[: cfg.overfit].tolist())
        return part, part
    if len(order) < 2:
        raise DataError(
            f"--data {cfg.data} has {len(order)} image(s); need at least 2 to hold one out (or pass --overfit 1)."
        )
    n_val = cfg.val_size or max(1, int(round(cfg.val_fraction * len(order))))
    if n_val >= len(order):
        raise DataError(f"--val-size/--val-fraction leave no training images ({n_val} of {len(order)} held out).")
    return dataset.subset(sorted(order[n_val:].tolist())), dataset.subset(sorted(order[:n_val].tolist()))


def model_kwargs(cfg: DetectConfig, num_classes: int) -> dict:
    """Builder options of ``cfg.model`` for K + 1 classes and the configured image (or tile) size."""
    size = cfg.tile or cfg.image_size
    if cfg.model.startswith("yolo"):
        return {"num_classes": num_classes, "image_size": size, **cfg.model_kwargs}
    return {"num_classes": num_classes, "min_size": size, "max_size": 2 * size, **cfg.model_kwargs}


def _as_input(sample: DetectionSample, with_masks: bool, device="cpu"):
    image = torch.from_numpy(np.array(sample.image)).permute(2, 0, 1).float() / 255
    target = {
        "boxes": torch.as_tensor(sample.boxes, dtype=torch.float32).reshape(-1, 4),
        "labels": torch.as_tensor(sample.labels, dtype=torch.int64).reshape(-1),
    }
    if with_masks:
        if sample.masks is None:
            raise DataError(f"{sample.file_name}: a mask model needs instance masks; this dataset has none.")
        target["masks"] = torch.as_tensor(sample.masks, dtype=torch.uint8)
    return image.to(device), {k: v.to(device) for k, v in target.items()}


def _lr_factor(step: int, total: int, steps_per_epoch: int, cfg: DetectConfig, time_fraction: float = 0.0) -> float:
    """The schedule's factor at ``step``; its progress is max(step share, ``time_fraction`` of the
    ``max_minutes`` budget), so a budgeted run anneals exactly when the budget runs out."""
    warm = int(round(cfg.warmup_epochs * steps_per_epoch))
    if step < warm:
        return (step + 1) / warm
    t = min(max((step - warm) / max(1, total - warm), time_fraction), 1.0)
    return {
        "constant": 1.0,
        "cosine": 0.5 * (1 + math.cos(math.pi * t)),
        "step": 0.1 ** int(t * 3),
        "exponential": 0.01**t,
        "onecycle": 1.0 - t,
    }[cfg.lr_schedule]


def _optimizer(model: torch.nn.Module, cfg: DetectConfig) -> torch.optim.Optimizer:
    params = [p for p in model.parameters() if p.requires_grad]
    kw = {"lr": cfg.lr, "weight_decay": cfg.weight_decay}
    name = cfg.optimizer
    if name in ("sgd", "momentum", "nesterov"):
        return torch.optim.SGD(
            params, momentum=0.0 if name == "sgd" else cfg.momentum, nesterov=name == "nesterov", **kw
        )
    cls = {
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "rmsprop": torch.optim.RMSprop,
        "adagrad": torch.optim.Adagrad,
    }[name]
    return cls(params, **kw)


def init_backbone(model: torch.nn.Module, source: str) -> dict[str, list[str]]:
    """Copy a classifier's tensors into ``model.backbone``'s body where names and shapes match."""
    from visrec.torch_nn.transfer import init_from

    backbone = getattr(model, "backbone", None)
    if backbone is None:
        raise ParameterError(f"--init-backbone {source}: this detector has no backbone module to initialize.")
    body = getattr(backbone, "body", backbone)  # a ResNet-FPN's body, or the tiny detectors' whole backbone
    try:
        report = init_from(body, source)
    except FileNotFoundError:
        raise ParameterError(
            f"--init-backbone {source}: no such run directory or weights file; pass the run directory of a "
            "classifier trained with `visrec train` (e.g. --model stride_cnn for the tiny detectors)."
        ) from None
    except ValueError as exc:
        raise ParameterError(str(exc).replace("--init-from", "--init-backbone")) from None
    return report


def train(cfg: DetectConfig) -> tuple[Path, dict]:
    """Train ``cfg.model`` on ``cfg.data``; returns the run directory and the final metrics (metrics.json)."""
    from visrec.detection.models import ProposalDetector, create_detector
    from visrec.detection.predict import DetectorPredictor
    from visrec.runs import TrainSession
    from visrec.torch_nn.checkpoint import load_checkpoint, restore_checkpoint, save_checkpoint

    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    dataset = load_dataset(cfg)
    train_set, val_set = split_dataset(dataset, cfg)
    train_samples = (
        tile_dataset_samples(train_set.samples, cfg.tile, min(cfg.tile_overlap, cfg.tile - 1))
        if cfg.tile
        else list(train_set.samples)
    )
    kwargs = model_kwargs(cfg, dataset.num_classes + 1)
    from visrec.torch_nn.distributed import resolve_device

    device = resolve_device(cfg.device)
    try:
        model = create_detector(cfg.model, **kwargs).to(device)
    except TypeError as exc:  # an option of --model-kwargs the builder does not take
        if not cfg.model_kwargs:
            raise
        raise ParameterError(f"--model-kwargs {cfg.model_kwargs}: {cfg.model} does not accept it ({exc}).") from exc
    with_masks = getattr(getattr(model, "roi_heads", None), "has_mask", False)
    uses_proposals = isinstance(model, ProposalDetector)
    opt = _optimizer(model, cfg)
    spe = math.ceil(len(train_samples) / cfg.batch_size)
    total = cfg.epochs * spe
    proposals: dict[int, torch.Tensor] = {}
    meta = {
        "kind": "detector",
        "model": cfg.model,
        "model_kwargs": kwargs,
        "class_names": dataset.class_names,
        "tile": cfg.tile,
        "tile_overlap": cfg.tile_overlap,
        "score_thresh": cfg.score_thresh,
    }

    if cfg.init_backbone and not cfg.resume:  # before the run folder exists: a bad source leaves nothing behind
        report = init_backbone(model, cfg.init_backbone)
        meta["init_backbone"] = {"source": cfg.init_backbone, "tensors_loaded": len(report["loaded"])}

    def evaluate() -> float:
        from visrec.detection.metrics import voc_evaluate

        predictor = DetectorPredictor(model, dataset.class_names, cfg.tile, cfg.tile_overlap, cfg.score_thresh, device)
        result = voc_evaluate(predictor.predict_dataset(val_set), val_set, 0.5).map
        model.train()
        return result

    def save_on_interrupt(session) -> None:  # a second Ctrl-C: keep the step reached
        save_checkpoint(
            session.run.checkpoints / "last", model, opt, meta={"step": session.step, "config": cfg.to_dict()}
        )

    with TrainSession(cfg, command="detect-train", total_steps=total, on_interrupt=save_on_interrupt) as s:
        s.resume_hint = f"Resume with: visrec detect train --resume {s.run.path}"
        stem = s.run.checkpoints / "last"
        start = 0
        if s.resumed:
            tensors, ck = load_checkpoint(stem)
            restore_checkpoint(tensors, ck, model, opt)
            start = ck["step"]
        model.train()
        order, losses, seen, t0 = None, [], 0, time.perf_counter()
        for step in s.steps(start):
            epoch, pos = divmod(step, spe)
            if order is None or pos == 0:
                order = np.random.default_rng([cfg.seed, epoch]).permutation(len(train_samples))
            idx = order[pos * cfg.batch_size : (pos + 1) * cfg.batch_size].tolist()
            aug_rng = np.random.default_rng([cfg.seed, 1, step])  # per step: a resumed run draws the same
            augs = [draw_augmentation(aug_rng, cfg.flip, cfg.rotate, cfg.color_jitter) for _ in idx]
            batch = [augment_sample(train_samples[i], a) for i, a in zip(idx, augs, strict=True)]
            images, targets = zip(*[_as_input(b, with_masks, device) for b in batch], strict=True)
            for g in opt.param_groups:
                g["lr"] = cfg.lr * _lr_factor(step, total, spe, cfg, s.budget.fraction)
            extra = {}
            if uses_proposals:
                for i in idx:
                    if i not in proposals:
                        proposals[i] = model.propose([_as_input(train_samples[i], False, device)[0]])[0]
                extra["proposals"] = [
                    transform_boxes(proposals[i], train_samples[i].size, a) for i, a in zip(idx, augs, strict=True)
                ]
            loss_dict = model(list(images), list(targets), **extra)
            loss = sum(loss_dict.values())
            s.log(loss.item())
            opt.zero_grad()
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            losses.append(loss.item())
            seen += len(idx)
            if pos == spe - 1 and ((epoch + 1) % cfg.eval_every == 0 or step + 1 == total):
                rate = seen / (time.perf_counter() - t0)
                s.record(
                    epoch=epoch + 1.0,
                    train_loss=float(np.mean(losses)),
                    val_map50=evaluate(),
                    lr=opt.param_groups[0]["lr"],
                    images_per_s=round(rate, 2),
                )
                save_checkpoint(stem, model, opt, meta={"step": step + 1, "config": cfg.to_dict()})
                losses, seen, t0 = [], 0, time.perf_counter()
        s.run.save_model({k: v.detach().cpu() for k, v in model.state_dict().items()}, meta)
        model.eval()
        from visrec.detection.metrics import coco_evaluate, voc_evaluate

        predictor = DetectorPredictor(model, dataset.class_names, cfg.tile, cfg.tile_overlap, cfg.score_thresh, device)
        dets = predictor.predict_dataset(val_set)
        voc = voc_evaluate(dets, val_set, 0.5)
        coco = coco_evaluate(dets, val_set, "bbox")
        metrics = {
            "val_map50": voc.map,
            "val_ap50": {dataset.class_names[c - 1]: v for c, v in voc.ap.items()},
            "val_coco": coco,
            "train_images": len(train_set),
            "train_tiles": len(train_samples),
            "val_images": len(val_set),
        }
        return s.run.path, s.finish(metrics)
