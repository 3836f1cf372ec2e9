"""Claim (Lecture 11, real data): a detector trained on this CPU for at most 30 minutes finds tree crowns
in aerial images (``../shared/data/trees-voc``) with AP@0.5 >= 0.5 on boxes it never saw.

    python benchmarks/detect_trees.py [--minutes 30] [--model fasterrcnn_tiny] [--tile 200] [--no-rotate]
                                      [--color-jitter 0.1] [--tta d4] [--pretrain-minutes M] [--quick]

``--pretrain-minutes M`` first trains the detector's backbone body as a CIFAR-10 classifier (``stride_cnn``,
``configs/stride_cnn-cifar10-pretrain.json``, through ``visrec train``) for M minutes, then trains the
detector from it (``--init-backbone``) for the remaining ``--minutes - M``: the whole budget covers both.

Hold-out: the right third of the large 1249 x 1035 image (about 90 crowns; boxes crossing the cut go to
neither side); the other two images and the left two thirds are cut into ``--tile`` px training tiles (a
tenth of them validate during training). Prediction on the held-out strip is tiled with an overlap of
half a tile (``--pred-overlap``; more than the largest crown, so every crown is whole in the tile whose
core holds its centre) and merged by cores and NMS (``visrec.detection.data.tiling``); the table gives it
with and without test-time augmentation (``--tta``: each tile predicted in its eight rotations and flips,
boxes merged by weighted box fusion), on the validation tiles too, so the choice can be made on
validation, not on the strip. Tiles are seen at their native resolution (crowns of 20-65 px match the
tiny detector's 16-64 px anchors). Aerial views have no preferred orientation, so training draws one of
the square's eight symmetries per tile (``--rotate``) and a brightness / contrast jitter. Everything runs
through the library (``visrec detect train`` / ``evaluate``). For scale: DeepForest's pretrained
RetinaNet reports about 0.66 box precision and 0.79 recall at IoU 0.4 on NEON images (a different metric
and a model pretrained on far more data). The reference run in the same process is a "predict every
training-set-mean box" baseline: the ratio says how far above it we are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

# a 200 px tile holds up to ~40 crowns; sampling 4x more anchors and RoIs per tile than the tiny model's
# defaults (--model-kwargs "$DENSE") made each step 2.4x slower and scored lower in 30 minutes (0.301 vs
# 0.356, benchmarks/results/2026-12-01-s3-detect-trees-*.txt), so the default keeps the tiny model's values
DENSE = {"rpn_batch_size_per_image": 256, "box_batch_size_per_image": 256, "rpn_pre_nms_top_n_train": 400,
         "rpn_post_nms_top_n_train": 256, "rpn_pre_nms_top_n_test": 400, "rpn_post_nms_top_n_test": 256}
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "trees-voc"
CIFAR = ROOT.parent / "shared" / "data" / "cifar10-jpeg" / "train"


def write_voc(samples, root: Path, name: str = "Tree") -> Path:
    """Write DetectionSamples as a Pascal VOC folder (PNG images)."""
    (root / "Annotations").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    for i, s in enumerate(samples):
        Image.fromarray(s.image).save(root / "JPEGImages" / f"im{i:04d}.png")
        objects = "".join(
            f"<object><name>{name}</name><bndbox><xmin>{b[0]:g}</xmin><ymin>{b[1]:g}</ymin>"
            f"<xmax>{b[2]:g}</xmax><ymax>{b[3]:g}</ymax></bndbox></object>"
            for b in s.boxes.tolist()
        )
        h, w = s.image.shape[:2]
        (root / "Annotations" / f"im{i:04d}.xml").write_text(
            f"<annotation><filename>im{i:04d}.png</filename><size><width>{w}</width><height>{h}</height>"
            f"</size>{objects}</annotation>"
        )
    return root


def split_trees(tile: int, overlap: int):
    """(training tiles, held-out strip) as DetectionSamples."""
    from visrec.detection.data import read_voc, tile_dataset_samples, tile_sample

    data = read_voc(DATA, single_class="Tree")
    big = max(data.samples, key=lambda s: s.image.shape[0] * s.image.shape[1])
    h, w = big.size
    cut = int(w * 2 / 3)
    left = tile_sample(big, (0, 0, h, cut), min_visible=1.0)
    right = tile_sample(big, (0, cut, h, w), min_visible=1.0)
    others = [s for s in data.samples if s is not big]
    tiles = tile_dataset_samples([*others, left], tile, overlap, min_visible=0.6)
    return tiles, right


def validation_voc(cfg, root: Path) -> Path:
    """The run's validation tiles (the trainer's seeded split of ``cfg.data``) as a VOC folder."""
    from visrec.detection.train import load_dataset, split_dataset

    return write_voc(split_dataset(load_dataset(cfg), cfg)[1].samples, root)


def pretrain_backbone(args) -> str:
    """Train stride_cnn on the CIFAR-10 JPEGs for ``--pretrain-minutes`` (visrec train); return its run."""
    from visrec.torch_nn.train_config import TrainConfig
    from visrec.torch_nn.trainer import train as train_classifier

    if not CIFAR.is_dir():
        sys.exit(f"--pretrain-minutes needs the CIFAR-10 JPEGs at {CIFAR}")
    out = Path(args.keep_run + "-pretrain") if args.keep_run else Path(tempfile.mkdtemp(prefix="visrec-")) / "pretrain"
    overrides = {"data": str(CIFAR), "max_minutes": args.pretrain_minutes, "out": str(out), "overwrite": True,
                 "progress": False, "seed": args.seed}
    if args.quick:
        overrides.update(limit=2000, val_size=200)
    cfg = TrainConfig.from_sources(args.pretrain_config, overrides)
    run = train_classifier(cfg)
    metrics = json.loads((run / "metrics.json").read_text())
    recipe = Path(args.pretrain_config).resolve()
    recipe = recipe.relative_to(ROOT) if recipe.is_relative_to(ROOT) else recipe
    print(f"pretrained {cfg.model} on CIFAR-10 for {args.pretrain_minutes:g} min ({recipe}): "
          f"{metrics['epochs_run']} epochs at {metrics['images_per_s']:.0f} img/s, "
          f"validation accuracy {metrics['val_acc']:.3f}; {run}")
    return str(run)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--model", default="fasterrcnn_tiny")
    ap.add_argument("--tile", type=int, default=200)
    ap.add_argument("--overlap", type=int, default=50)
    ap.add_argument("--rotate", action=argparse.BooleanOptionalAction, default=True,
                    help="quarter turns and flips of training tiles (default on)")
    ap.add_argument("--color-jitter", type=float, default=0.1)
    ap.add_argument("--lr-schedule", default="cosine", help="annealed over the --minutes budget")
    ap.add_argument("--model-kwargs", default="{}",
                    help=f"builder options as JSON (e.g. the denser sampling {json.dumps(DENSE)})")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--pred-overlap", type=int, default=None,
                    help="overlap of the prediction tiles (default: half a tile, more than the largest crown)")
    ap.add_argument("--tta", default="d4", choices=("flip", "d4"), help="test-time views, reported beside none")
    ap.add_argument("--evaluate-only", default=None, metavar="RUN",
                    help="skip training: evaluate RUN (a run this script kept with --keep-run)")
    ap.add_argument("--keep-run", default=None, help="write the run directory here (it is kept) to inspect it")
    ap.add_argument("--pretrain-minutes", type=float, default=0.0,
                    help="first train the backbone body (stride_cnn) on CIFAR-10 for this long, inside --minutes")
    ap.add_argument("--pretrain-config", default=str(ROOT / "configs" / "stride_cnn-cifar10-pretrain.json"))
    ap.add_argument("--init-backbone", default=None, metavar="RUN", help="a classifier run that starts the backbone")
    ap.add_argument("--seed", type=int, default=0, help="seeds the pretraining and the detector's run")
    ap.add_argument("--quick", action="store_true", help="a few seconds, to check the script runs")
    args = ap.parse_args()
    if args.quick:
        args.minutes, args.pretrain_minutes = 0.1 + 0.1 * (args.pretrain_minutes > 0), min(args.pretrain_minutes, 0.1)
    if not 0 <= args.pretrain_minutes < args.minutes:
        sys.exit(f"--pretrain-minutes ({args.pretrain_minutes}) must be at least 0 and less than --minutes")
    print("command:", " ".join([sys.executable, *sys.argv]))
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__}, python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}"
    )
    if not (DATA / "Annotations").is_dir():
        sys.exit(f"trees-voc not found at {DATA}")
    from visrec.detection.config import DetectConfig
    from visrec.detection.predict import evaluate_run
    from visrec.detection.train import train

    if args.pretrain_minutes > 0:
        args.init_backbone = pretrain_backbone(args)
    tiles, strip = split_trees(args.tile, args.overlap)
    print(
        f"training: {len(tiles)} tiles of <= {args.tile} px with {sum(len(t.boxes) for t in tiles)} boxes; "
        f"held out: a {strip.size[1]} x {strip.size[0]} strip with {len(strip.boxes)} crowns"
    )
    with tempfile.TemporaryDirectory() as tmp:
        train_dir, test_dir = write_voc(tiles, Path(tmp) / "train"), write_voc([strip], Path(tmp) / "test")
        cfg = DetectConfig(
            data=str(train_dir),
            model=args.model,
            model_kwargs=json.loads(args.model_kwargs),
            rotate=args.rotate,
            color_jitter=args.color_jitter,
            tile=args.tile,
            tile_overlap=args.overlap,
            val_fraction=0.1,
            epochs=10_000,
            eval_every=5,
            batch_size=args.batch_size,
            lr=args.lr,
            lr_schedule=args.lr_schedule,
            max_minutes=args.minutes - args.pretrain_minutes,
            init_backbone=args.init_backbone,
            out=args.keep_run or str(Path(tmp) / "run"),
            progress=False,
            threads=args.threads,
            seed=args.seed,
        )
        if args.evaluate_only:
            path = Path(args.evaluate_only)
            metrics = json.loads((path / "metrics.json").read_text())
        else:
            path, metrics = train(cfg)
        val_dir = validation_voc(cfg, Path(tmp) / "val")
        overlap = args.tile // 2 if args.pred_overlap is None else args.pred_overlap
        largest = max(float((t.boxes[:, 2:] - t.boxes[:, :2]).max()) for t in tiles if len(t.boxes))
        print(f"prediction tiles overlap by {overlap} px (the largest training crown: {largest:.0f} px)")
        results = {
            tta: (evaluate_run(path, str(test_dir), plots_dir=Path(tmp) / "plots", tta=tta, tile_overlap=overlap),
                  evaluate_run(path, str(val_dir), plots_dir=Path(tmp) / "plots", tta=tta))
            for tta in ("none", args.tta)
        }
    # reference: every training box's mean size, placed on a regular grid over the strip, score = 1
    sizes = np.concatenate([t.boxes[:, 2:] - t.boxes[:, :2] for t in tiles if len(t.boxes)])
    bw, bh = sizes.mean(0)
    ys, xs = np.meshgrid(np.arange(0, strip.size[0] - bh, bh), np.arange(0, strip.size[1] - bw, bw), indexing="ij")
    grid = np.stack([xs.ravel(), ys.ravel(), xs.ravel() + bw, ys.ravel() + bh], 1)
    from visrec.detection.data import DetectionDataset
    from visrec.detection.metrics import voc_evaluate

    base = voc_evaluate(
        [{"boxes": grid, "scores": np.ones(len(grid)), "labels": np.ones(len(grid), int)}],
        DetectionDataset([strip], ["Tree"]),
        0.5,
    ).map
    print(
        f"\ntrained {metrics['steps']} steps in {metrics['seconds']:.0f} s ({metrics['status']}); "
        f"validation-tile mAP@0.5 {metrics['val_map50']:.3f}"
    )
    print(
        "| held-out strip | test-time views | AP@0.5 (VOC all-point) | AP@0.5 (11-pt) | COCO AP | COCO AR100 | "
        "ratio to grid baseline | validation tiles AP@0.5 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for tta, (result, val) in results.items():
        print(
            f"| {args.model} | {tta} | {result['map50']:.3f} | {result['map50_11pt']:.3f} | "
            f"{result['coco']['AP']:.3f} | {result['coco']['AR100']:.3f} | {result['map50'] / max(base, 1e-9):.1f} | "
            f"{val['map50']:.3f} |"
        )
    print(f"| mean-box grid baseline | | {base:.3f} | | | | 1.0 | |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
