"""Claim (Lecture 11): on generated shapes, a two-stage detector (Faster R-CNN) and a single-stage one
(RetinaNet; the YOLO-style grid for the fastest row) both reach mAP@0.5 >= 0.9 at equal training time on
this CPU, and the single-stage one predicts more images per second: the lecture's speed / accuracy
trade-off as a measured table.

    python benchmarks/detect_shapes.py [--minutes 10] [--train 1000] [--test 50] [--size 128] [--quick]

Both detectors are trained by the library's own trainer (``visrec detect train``: same data, seed, batch
size, optimizer and wall-clock budget) and scored on the same held-out generated images (VOC all-point
AP at IoU 0.5, and COCO AP). Images/s is measured at inference, batch 1, after one warm-up image. The
reference run in the same process is the Faster R-CNN row: the table gives each row's ratio to it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch


def run_one(model: str, args, out: Path) -> dict:
    from visrec.detection.config import DetectConfig
    from visrec.detection.metrics import coco_evaluate, voc_evaluate
    from visrec.detection.predict import load_predictor
    from visrec.detection.train import load_dataset, split_dataset, train

    cfg = DetectConfig(data="shapes", model=model, num_images=args.train + args.test, image_size=args.size,
                       val_size=args.test, epochs=10_000, eval_every=10_000, batch_size=args.batch_size,
                       lr=args.lr, lr_schedule=args.lr_schedule, max_minutes=args.minutes, seed=args.seed,
                       out=str(out / model), progress=False, threads=args.threads)
    t0 = time.perf_counter()
    path, metrics = train(cfg)
    train_s = time.perf_counter() - t0
    test = split_dataset(load_dataset(cfg), cfg)[1]
    predictor = load_predictor(path)
    predictor.predict([test.samples[0].image])  # warm-up
    t0 = time.perf_counter()
    dets = predictor.predict_dataset(test)
    rate = len(test) / (time.perf_counter() - t0)
    return {"model": model, "steps": metrics["steps"], "train_s": train_s,
            "map50": voc_evaluate(dets, test, 0.5).map, "coco_ap": coco_evaluate(dets, test)["AP"],
            "images_per_s": rate}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0, help="training budget per detector")
    ap.add_argument("--train", type=int, default=1000, help="generated training images (200 overfit RetinaNet)")
    ap.add_argument("--test", type=int, default=50)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--lr-schedule", default="cosine",
                    help="annealed over the wall-clock budget (the trainer's progress is max(steps, time))")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--models", default="fasterrcnn_tiny,yolo_tiny")
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a few seconds each), to check the script")
    args = ap.parse_args()
    if args.quick:
        args.minutes, args.train, args.test = 0.1, 8, 4
    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"data: generated shapes, {args.train} train / {args.test} held-out images of {args.size} px; "
          f"{args.minutes:g} training minutes per detector")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run_one(m, args, Path(tmp)) for m in args.models.split(",")]
    ref = rows[0]
    print("\n| detector | steps | train s | mAP@0.5 | COCO AP | images/s | mAP ratio | speed ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['steps']} | {r['train_s']:.0f} | {r['map50']:.3f} | {r['coco_ap']:.3f} | "
              f"{r['images_per_s']:.1f} | {r['map50'] / max(ref['map50'], 1e-9):.2f} | "
              f"{r['images_per_s'] / ref['images_per_s']:.2f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
