"""Train a segmenter: ``train_segmenter(SegmentConfig(...))`` (what ``visrec segment train`` calls).

Each step draws a minibatch of random crops (flipped at random) and minimises per-pixel cross-entropy,
skipping IGNORE pixels; the sliding-window baseline is trained on the crops around randomly sampled
pixels instead. The run directory holds config.json, history.jsonl (train loss, test mean IoU), the model
(model.safetensors + model.json, kind "segmenter"), checkpoints/last for --resume, and metrics.json with
the final pixel accuracy and mean IoU on the test data (the held-out nuclei quadrant, or shapes drawn
with another seed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from visrec.runs import TrainRunConfig, TrainSession
from visrec.torch_nn.checkpoint import load_checkpoint, restore_checkpoint, save_checkpoint
from visrec.utils.errors import ParameterError

from ..data.nuclei import QUADRANTS
from .data import IGNORE, load_segmentation, random_crops
from .metrics import segmentation_scores
from .models import SlidingWindowSegmenter
from .registry import create_segmenter, list_segmenters

__all__ = ["SegmentConfig", "train_segmenter", "predict_labels", "model_kwargs"]


@dataclass
class SegmentConfig(TrainRunConfig):
    kind: ClassVar[str] = "segmenter"
    engine: ClassVar[str] = "torch"

    data: str = "shapes"
    model: str = "fcn_downup"
    widths: list = field(default_factory=lambda: [16, 32, 64])
    down: str = "maxpool"
    up: str = "transpose"
    skips: bool = True
    width: int = 32
    depth: int = 6
    patch: int = 15
    crop: int = 64
    steps_per_epoch: int = 16
    pixels_per_step: int = 2048
    holdout: str = "bottom-right"
    shapes_train: int = 256
    shapes_test: int = 64
    shapes_size: int = 64
    epochs: int = 20
    batch_size: int = 8
    lr: float = 3e-3

    def validate(self) -> None:
        super().validate()
        if self.model not in list_segmenters():
            raise ParameterError(
                f"--model {self.model!r} is not a segmenter; choose one of {list_segmenters()}."
            )
        for name in ("crop", "steps_per_epoch", "pixels_per_step", "shapes_train", "shapes_test"):
            self.check("int", name, low=1)
        self.check("int", "shapes_size", low=16)
        self.check("choice", "holdout", choices=QUADRANTS)
        if not self.widths or any(not isinstance(w, int) or w < 1 for w in self.widths):
            raise ParameterError(f"--widths expects positive ints like 16,32,64; got {self.widths!r}.")


def model_kwargs(cfg: SegmentConfig) -> dict:
    """The builder options of ``cfg.model`` taken from the config."""
    if cfg.model == "fcn_downup":
        return {"widths": list(cfg.widths), "down": cfg.down, "up": cfg.up, "skips": cfg.skips}
    if cfg.model == "fcn_fullres":
        return {"width": cfg.width, "depth": cfg.depth}
    return {"patch": cfg.patch, "width": cfg.width}


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


@torch.no_grad()
def predict_labels(model, images: np.ndarray, device="cpu") -> np.ndarray:
    """Label maps (N, H, W) int64 for images (N, C, H, W) float32, one image at a time."""
    model.eval()
    out = []
    for image in images:
        scores = model(torch.from_numpy(np.ascontiguousarray(image))[None].to(device))
        out.append(scores.argmax(1)[0].cpu().numpy())
    return np.stack(out)


def _loss(model, x: torch.Tensor, y: torch.Tensor, pixels: int, generator: torch.Generator) -> torch.Tensor:
    if isinstance(model, SlidingWindowSegmenter):
        b, ys, xs = torch.nonzero(y != IGNORE, as_tuple=True)
        pick = torch.randint(0, len(b), (min(pixels, len(b)),), generator=generator)
        scores = model.classify_patches(model.crops_at(x, ys[pick], xs[pick], b[pick]))
        return F.cross_entropy(scores, y[b[pick], ys[pick], xs[pick]])
    return F.cross_entropy(model(x), y, ignore_index=IGNORE)


def _evaluate(model, test, device) -> dict:
    pred = predict_labels(model, test.images, device)
    return segmentation_scores(pred, test.targets, test.num_classes, IGNORE)


def train_segmenter(cfg: SegmentConfig) -> tuple:
    """Train, evaluate on the test data, save; returns (run path, metrics dict)."""
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device = _device(cfg.device)
    train, test = load_segmentation(
        cfg.data, cfg.seed, cfg.holdout, cfg.shapes_train, cfg.shapes_test, cfg.shapes_size
    )
    kwargs = {"in_channels": train.in_channels, "num_classes": train.num_classes, **model_kwargs(cfg)}
    model = create_segmenter(cfg.model, **kwargs).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    total = cfg.epochs * cfg.steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: 0.5 * (1 + np.cos(np.pi * min(s, total) / total)) if cfg.lr_schedule == "cosine" else 1.0,
    )
    generator = torch.Generator().manual_seed(cfg.seed)
    meta = {
        "kind": "segmenter",
        "model": cfg.model,
        "model_kwargs": kwargs,
        "class_names": train.class_names,
        "in_channels": train.in_channels,
        "data": cfg.data,
    }
    with TrainSession(cfg, command="segment train", total_steps=total, resume_hint=None) as session:
        run, start = session.run, 0
        if session.resumed and run.has_checkpoint("last"):
            tensors, info = load_checkpoint(run.checkpoint_stem("last"))
            restore_checkpoint(tensors, info, model, optimizer)
            start = int(info["step"])
            schedule.last_epoch = start
        seen, t0, scores = 0, time.perf_counter(), None
        for step in session.steps(start):
            rng = np.random.default_rng([cfg.seed, step])  # per-step stream: resume draws the same crops
            x, y = random_crops(train, cfg.batch_size, cfg.crop, rng)
            model.train()
            loss = _loss(
                model,
                torch.from_numpy(x).to(device),
                torch.from_numpy(y).to(device),
                cfg.pixels_per_step,
                generator,
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            schedule.step()
            session.log(loss=loss.item())
            seen += len(x)
            if session.due(cfg.steps_per_epoch * cfg.eval_every) or step + 1 == total:
                epoch = (step + 1) / cfg.steps_per_epoch
                scores = _evaluate(model, test, device)
                session.record(
                    epoch=epoch,
                    train_loss=session.running_loss,
                    test_miou=scores["mean_iou"],
                    test_pixel_acc=scores["pixel_accuracy"],
                    lr=optimizer.param_groups[0]["lr"],
                    images_per_s=seen / max(time.perf_counter() - t0, 1e-9),
                )
                save_checkpoint(
                    run.checkpoint_stem("last"),
                    model,
                    optimizer,
                    meta={"step": step + 1, "kind": "segmenter", "config": cfg.to_dict()},
                )
        t_eval = time.perf_counter()
        if scores is None or session.status != "completed":  # the last step's evaluation is still current
            scores = _evaluate(model, test, device)
        eval_s = time.perf_counter() - t_eval
        run.save_model({k: v.detach().cpu() for k, v in model.state_dict().items()}, meta)
        metrics = session.finish(
            {
                "test_mean_iou": scores["mean_iou"],
                "test_pixel_accuracy": scores["pixel_accuracy"],
                "test_iou_per_class": scores["iou_per_class"],
                "test_images": int(len(test.images)),
                "eval_seconds": round(eval_s, 3),
                "model": cfg.model,
                "parameters": sum(p.numel() for p in model.parameters()),
            }
        )
    return run.path, metrics
