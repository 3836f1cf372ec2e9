"""`visrec segment train | predict | evaluate`: semantic segmentation (Lecture 11) from the command line.

The work is done by :mod:`visrec.detection.segmentation`; this module parses, calls and prints.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from visrec.cli.common import (
    BatchSizeOpt,
    ConfigOpt,
    DeviceOpt,
    EpochsOpt,
    LrOpt,
    LrScheduleOpt,
    MaxMinutesOpt,
    OutOpt,
    OverwriteOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    WeightDecayOpt,
    config_from_cli,
    done,
    echo_table,
    parse_int_list,
)

segment_app = typer.Typer(
    help="Semantic segmentation: sliding window, full-resolution FCN, down/up-sampling FCN with skips.",
    no_args_is_help=True,
)

SegDataOpt = typer.Option(
    None, "--data", help="'shapes' (generated, default) or a nuclei folder with img2d.tif + mask2d.tif "
    "(e.g. ../shared/data/nuclei; one quadrant is held out for testing)."
)
ModelOpt = typer.Option(None, "--model", help="fcn_downup (default) | fcn_fullres | sliding_window.")
WidthsOpt = typer.Option(None, "--widths", help="fcn_downup channels per level (default 16,32,64).")
UpOpt = typer.Option(None, "--up", help="fcn_downup upsampling: transpose (default) | unpool | nearest.")
DownOpt = typer.Option(None, "--down", help="fcn_downup downsampling: maxpool (default) | strided.")
SkipsOpt = typer.Option(None, "--skips/--no-skips", help="fcn_downup skip connections (default on).")
CropOpt = typer.Option(None, "--crop", help="Training crop size in pixels (default 64).")
StepsOpt = typer.Option(None, "--steps-per-epoch", help="Optimiser steps per epoch (default 16).")
EvalEveryOpt = typer.Option(None, "--eval-every", help="Test-data evaluation every N epochs (default 1).")
HoldoutOpt = typer.Option(
    None, "--holdout", help="Nuclei quadrant held out for testing: top-left | top-right | bottom-left | "
    "bottom-right (default)."
)


@segment_app.command("train")
def train(
    data: str = SegDataOpt, model: str = ModelOpt, widths: str = WidthsOpt, up: str = UpOpt,
    down: str = DownOpt, skips: bool = SkipsOpt, crop: int = CropOpt, steps_per_epoch: int = StepsOpt,
    holdout: str = HoldoutOpt, epochs: int = EpochsOpt, batch_size: int = BatchSizeOpt, lr: float = LrOpt,
    lr_schedule: str = LrScheduleOpt, eval_every: int = EvalEveryOpt,
    weight_decay: float = WeightDecayOpt, max_minutes: float = MaxMinutesOpt, seed: int = SeedOpt,
    out: Path = OutOpt, overwrite: bool = OverwriteOpt, resume: Path = ResumeOpt, config: Path = ConfigOpt,
    device: str = DeviceOpt, progress: bool = ProgressOpt, threads: int = ThreadsOpt,
) -> None:
    """Train a segmenter and report pixel accuracy and mean IoU on the test data.

    Examples:

      visrec segment train --data ../shared/data/nuclei --epochs 40 --crop 128 --lr-schedule cosine

      visrec segment train --model fcn_fullres --epochs 10            # generated shapes, 4 classes
    """
    from visrec.detection.segmentation.train import SegmentConfig, train_segmenter

    options = dict(data=data, model=model, up=up, down=down, skips=skips, crop=crop,
                   steps_per_epoch=steps_per_epoch, holdout=holdout, epochs=epochs, batch_size=batch_size,
                   lr=lr, eval_every=eval_every,
                   lr_schedule=lr_schedule, weight_decay=weight_decay, max_minutes=max_minutes, seed=seed,
                   out=out, overwrite=overwrite, resume=resume, device=device, progress=progress,
                   threads=threads, widths=None if widths is None else parse_int_list(widths, "--widths"))
    if resume is not None:
        cfg = SegmentConfig.resumed(resume, {k: v for k, v in options.items() if k != "resume"})
    else:
        cfg = config_from_cli(SegmentConfig, config, **options)
    path, metrics = train_segmenter(cfg)
    _scores_table("test", metrics["test_pixel_accuracy"], metrics["test_mean_iou"],
                  metrics["test_iou_per_class"])
    done(path)


def _scores_table(title, accuracy, miou, per_class, names=None) -> None:
    rows = [["pixel accuracy", accuracy], ["mean IoU", miou]]
    for i, v in enumerate(per_class):
        rows.append([f"IoU {names[i] if names else i}", "-" if v is None else v])
    echo_table(title, ["metric", "value"], rows)


@segment_app.command("evaluate")
def evaluate(
    run: Path = typer.Argument(..., help="Run directory of `visrec segment train`."),
    data: str = typer.Option(None, "--data", help="'shapes' or a nuclei folder (default: the run's data)."),
    holdout: str = typer.Option("bottom-right", "--holdout", help="Nuclei quadrant to score."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score a trained segmenter: pixel accuracy, mean IoU, IoU per class.

    Example: visrec segment evaluate runs/segment-train-<time> --data ../shared/data/nuclei --json
    """
    from visrec.detection.segmentation.evaluate import evaluate_segmenter

    scores = evaluate_segmenter(run, data, holdout)
    if as_json:
        typer.echo(json.dumps(scores, indent=2))
        return
    _scores_table(f"{scores['data']} ({scores['images']} images)", scores["pixel_accuracy"],
                  scores["mean_iou"], scores["iou_per_class"], scores["class_names"])


@segment_app.command("predict")
def predict(
    run: Path = typer.Argument(..., help="Run directory of `visrec segment train`."),
    images: list[Path] = typer.Argument(..., help="Image files (PNG, JPEG, TIFF incl. 16-bit)."),
    out: Path = typer.Option(Path("segment-predictions"), "--out", help="Folder for mask / overlay PNGs."),
) -> None:
    """Write <stem>_mask.png and <stem>_overlay.png for each image.

    Example: visrec segment predict runs/segment-train-<time> ../shared/data/nuclei/img2d.tif --out preds
    """
    from visrec.detection.segmentation.evaluate import predict_files

    for path in predict_files(run, images, out):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.add_typer(segment_app, name="segment")
