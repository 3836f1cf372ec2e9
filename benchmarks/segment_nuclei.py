"""Claim: the down/up-sampling FCN with skips reaches mean IoU >= 0.8 on the held-out quadrant of the real
nuclei image within minutes on a CPU; the full-resolution FCN and the sliding-window baseline are
slower per image for the same job (the Lecture 11 argument), and Otsu thresholding is the reference.

    python benchmarks/segment_nuclei.py [--epochs 30] [--minutes 10] [--models fcn_downup,fcn_fullres]

Each model trains on the other three quadrants (the held-out one is IGNOREd) for ``--epochs`` x 16 steps
(cosine schedule) or until the ``--minutes`` cap, then segments the held-out 256 x 256 quadrant.
Reference in the same process: a global Otsu threshold (scikit-image) of the same quadrant. ``--quick``
takes two steps per model, to check that the script runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "nuclei"))
    ap.add_argument("--epochs", type=int, default=30, help="epochs of 16 steps per model")
    ap.add_argument("--minutes", type=float, default=10.0, help="wall-clock cap per model")
    ap.add_argument("--models", default="fcn_downup,fcn_fullres,sliding_window")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a few steps per model, to check the script runs")
    args = ap.parse_args()

    from skimage.filters import threshold_otsu

    from visrec.detection.segmentation import nuclei_segmentation, segmentation_scores
    from visrec.detection.segmentation.predictor import load_segmenter
    from visrec.detection.segmentation.train import SegmentConfig, train_segmenter

    if args.threads:
        torch.set_num_threads(args.threads)
    print("command:", " ".join([sys.executable, *sys.argv]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}")
    if not (Path(args.data) / "img2d.tif").is_file():
        sys.exit(f"nuclei data not found at {args.data}")
    _, test = nuclei_segmentation(args.data)
    image = test.images[0, 0]
    otsu = (image > threshold_otsu(image)).astype(np.int64)
    ref = segmentation_scores(otsu, test.targets[0], 2)
    print(f"data: {args.data}, held-out bottom-right quadrant 256x256; reference Otsu threshold: mean IoU "
          f"{ref['mean_iou']:.4f}, pixel accuracy {ref['pixel_accuracy']:.4f}")

    rows = []
    for name in args.models.split(","):
        settings = dict(data=args.data, model=name, crop=96, batch_size=4, lr=3e-3, lr_schedule="cosine",
                        steps_per_epoch=16, epochs=args.epochs, max_minutes=args.minutes, progress=False,
                        seed=0, eval_every=10_000)
        if name == "sliding_window":
            settings.update(pixels_per_step=1024, lr=1e-3)
        if args.quick:
            settings.update(epochs=1, steps_per_epoch=2, max_minutes=0.0, crop=48)
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            _, metrics = train_segmenter(SegmentConfig(out=str(Path(tmp) / name), **settings))
            train_s = time.perf_counter() - t0
            predictor = load_segmenter(Path(tmp) / name)
            t0 = time.perf_counter()
            labels = predictor.predict(image)
            infer_s = time.perf_counter() - t0
        scores = segmentation_scores(labels, test.targets[0], 2)
        rows.append((name, metrics["steps"], train_s, infer_s, scores["mean_iou"], scores["pixel_accuracy"],
                     metrics["parameters"]))

    print(f"{'model':16s} {'steps':>6s} {'train s':>8s} {'infer s':>8s} {'mean IoU':>9s} {'pix acc':>8s} "
          f"{'params':>8s} {'IoU / Otsu':>10s}")
    for name, steps, train_s, infer_s, miou, acc, params in rows:
        print(f"{name:16s} {steps:6d} {train_s:8.1f} {infer_s:8.3f} {miou:9.4f} {acc:8.4f} {params:8d} "
              f"{miou / ref['mean_iou']:10.3f}")


if __name__ == "__main__":
    main()
