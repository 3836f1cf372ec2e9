"""`visrec detect train | predict | evaluate | models`: object detection (Lecture 11) from the command line.

The work is done by :mod:`visrec.detection.train` and :mod:`visrec.detection.predict`; this module parses,
calls and prints.
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
    GradClipOpt,
    LimitOpt,
    LrOpt,
    LrScheduleOpt,
    MaxMinutesOpt,
    OptimizerOpt,
    OutOpt,
    OverfitOpt,
    OverwriteOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    ValFracOpt,
    ValSizeOpt,
    WarmupOpt,
    WeightDecayOpt,
    config_from_cli,
    done,
    echo_table,
    parse_json_object,
)

detect_app = typer.Typer(
    help="Object detection: Faster / Mask R-CNN, RetinaNet, a YOLO-style grid detector, R-CNN, Fast R-CNN.",
    no_args_is_help=True,
)

DetDataOpt = typer.Option(
    None,
    "--data",
    help="'shapes' (generated, default), a Pascal VOC folder with Annotations/ and JPEGImages/ "
    "(e.g. ../shared/data/trees-voc) or a COCO JSON file.",
)
ModelOpt = typer.Option(None, "--model", help="A detector from `visrec detect models` (default fasterrcnn_tiny).")
ModelKwargsOpt = typer.Option(
    None, "--model-kwargs", help='Builder options as JSON, e.g. \'{"box_batch_size_per_image": 256}\'.'
)
NumImagesOpt = typer.Option(None, "--num-images", help="Generated shapes images (default 64).")
ImageSizeOpt = typer.Option(None, "--image-size", help="Short side images are scaled to (default 128).")
TileOpt = typer.Option(None, "--tile", help="Cut images into tiles of this many pixels (0 = off, default).")
TileOverlapOpt = typer.Option(None, "--tile-overlap", help="Overlap of neighbouring tiles in pixels (default 32).")
SingleClassOpt = typer.Option(None, "--single-class", help="Rename every VOC object to this class (e.g. Tree).")
FlipOpt = typer.Option(None, "--flip/--no-flip", help="Random horizontal flips (default on).")
RotateOpt = typer.Option(
    None,
    "--rotate/--no-rotate",
    help="Also random quarter turns and vertical flips, for aerial or microscopy images (default off).",
)
TTA_VIEWS = ("none", "flip", "d4")
TtaOpt = typer.Option(
    "none", "--tta", help="Test-time views merged by weighted box fusion: none, flip (2) or d4 (8 rotations and flips)."
)
PredOverlapOpt = typer.Option(
    None, "--tile-overlap", help="Overlap of the prediction tiles in pixels (default: the run's); >= the objects' size."
)
JitterOpt = typer.Option(None, "--color-jitter", help="Random gain 1 +- j, shift +- j/2 of pixel values (default 0).")
ScoreOpt = typer.Option(None, "--score-thresh", help="Keep predictions scoring at least this (default 0.05).")
InitBackboneOpt = typer.Option(
    None,
    "--init-backbone",
    help="Classifier run directory (visrec train; --model stride_cnn for the tiny detectors) to start the backbone.",
)
EvalEveryOpt = typer.Option(None, "--eval-every", help="Validation mAP@0.5 every N epochs (default 1).")


@detect_app.command("train")
def train(
    data: str = DetDataOpt,
    model: str = ModelOpt,
    model_kwargs: str = ModelKwargsOpt,
    num_images: int = NumImagesOpt,
    image_size: int = ImageSizeOpt,
    tile: int = TileOpt,
    tile_overlap: int = TileOverlapOpt,
    single_class: str = SingleClassOpt,
    flip: bool = FlipOpt,
    rotate: bool = RotateOpt,
    color_jitter: float = JitterOpt,
    score_thresh: float = ScoreOpt,
    init_backbone: str = InitBackboneOpt,
    epochs: int = EpochsOpt,
    batch_size: int = BatchSizeOpt,
    lr: float = LrOpt,
    optimizer: str = OptimizerOpt,
    lr_schedule: str = LrScheduleOpt,
    warmup_epochs: float = WarmupOpt,
    weight_decay: float = WeightDecayOpt,
    grad_clip: float = GradClipOpt,
    val_fraction: float = ValFracOpt,
    val_size: int = ValSizeOpt,
    limit: int = LimitOpt,
    overfit: int = OverfitOpt,
    eval_every: int = EvalEveryOpt,
    max_minutes: float = MaxMinutesOpt,
    seed: int = SeedOpt,
    out: Path = OutOpt,
    overwrite: bool = OverwriteOpt,
    resume: Path = ResumeOpt,
    config: Path = ConfigOpt,
    device: str = DeviceOpt,
    progress: bool = ProgressOpt,
    threads: int = ThreadsOpt,
) -> None:
    """Train a detector; prints validation mAP@0.5 (VOC) and COCO AP, writes a run directory.

    Examples:

      visrec detect train --model yolo_tiny --epochs 20                     # generated shapes

      visrec detect train --data ../shared/data/trees-voc --single-class Tree --tile 200 --rotate --max-minutes 30

      visrec detect train --resume runs/detect-train-<time> --epochs 40
    """
    from visrec.detection.config import DetectConfig
    from visrec.detection.train import train as train_detector

    options = dict(
        data=data,
        model=model,
        model_kwargs=None if model_kwargs is None else parse_json_object(model_kwargs, "model-kwargs"),
        num_images=num_images,
        image_size=image_size,
        tile=tile,
        tile_overlap=tile_overlap,
        single_class=single_class,
        flip=flip,
        rotate=rotate,
        color_jitter=color_jitter,
        score_thresh=score_thresh,
        init_backbone=init_backbone,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        lr_schedule=lr_schedule,
        warmup_epochs=warmup_epochs,
        weight_decay=weight_decay,
        grad_clip=grad_clip,
        val_fraction=val_fraction,
        val_size=val_size,
        limit=limit,
        overfit=overfit,
        eval_every=eval_every,
        max_minutes=max_minutes,
        seed=seed,
        out=out,
        overwrite=overwrite,
        device=device,
        progress=progress,
        threads=threads,
    )
    if resume is not None:
        cfg = DetectConfig.resumed(resume, {k: (str(v) if isinstance(v, Path) else v) for k, v in options.items()})
    else:
        cfg = config_from_cli(DetectConfig, config, **options)
    path, metrics = train_detector(cfg)
    rows = [
        ["status", metrics["status"]],
        ["validation mAP@0.5", f"{metrics['val_map50']:.4f}"],
        ["validation COCO AP", f"{metrics['val_coco']['AP']:.4f}"],
        ["training images (tiles)", f"{metrics['train_images']} ({metrics['train_tiles']})"],
    ]
    rows += [[f"AP50 {name}", f"{ap:.4f}"] for name, ap in metrics["val_ap50"].items()]
    echo_table("detector", ["", "value"], rows)
    done(path)


def _check_tta(tta: str) -> str:
    if tta not in TTA_VIEWS:
        raise typer.BadParameter(f"expected one of {', '.join(TTA_VIEWS)}; got {tta!r}.", param_hint="--tta")
    return tta


@detect_app.command("predict")
def predict(
    run: Path = typer.Argument(..., help="Run directory of `visrec detect train`."),
    images: list[Path] = typer.Argument(..., help="Image files (PNG, JPEG, ...)."),
    out: Path = typer.Option(Path("detections"), "--out", help="Folder for the drawn images and detections.json."),
    min_score: float = typer.Option(0.3, "--min-score", help="Draw detections scoring at least this."),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda."),
    tta: str = TtaOpt,
    tile_overlap: int = PredOverlapOpt,
) -> None:
    """Detect objects; write <stem>_det.png (boxes drawn) and detections.json (COCO results format).

    Example: visrec detect predict runs/detect-train-<time> ../shared/data/trees-voc/JPEGImages/*.png --out det
    """
    from visrec.detection.predict import predict_files

    summary = predict_files(run, images, out, device=device, min_score=min_score, tta=_check_tta(tta),
                            tile_overlap=tile_overlap)
    for path in summary["images"]:
        typer.echo(path)
    typer.echo(f"{summary['detections']} detections -> {summary['results']}")


@detect_app.command("evaluate")
def evaluate(
    run: Path = typer.Argument(..., help="Run directory of `visrec detect train`."),
    data: str = typer.Option(None, "--data", help="A VOC folder or COCO JSON (default: the run's validation split)."),
    single_class: str = typer.Option(None, "--single-class", help="Rename every VOC object to this class."),
    plots: Path = typer.Option(None, "--plots", help="Folder for pr_curves.png (default: the run's plots/)."),
    as_json: bool = typer.Option(False, "--json", help="Print the AP table as JSON."),
    device: str = typer.Option("cpu", "--device", help="cpu | cuda."),
    tta: str = TtaOpt,
    tile_overlap: int = PredOverlapOpt,
) -> None:
    """VOC AP@0.5 per class (all-point and 11-point), COCO AP / AP50 / AP75 / AR; draws PR curves.

    Example: visrec detect evaluate runs/detect-train-<time> --data ../shared/data/trees-voc --single-class Tree
    """
    from visrec.detection.predict import evaluate_run, format_ap_table

    result = evaluate_run(run, data, device=device, plots_dir=plots, single_class=single_class, tta=_check_tta(tta),
                          tile_overlap=tile_overlap)
    typer.echo(json.dumps(result, indent=2) if as_json else format_ap_table(result))


@detect_app.command("models")
def models() -> None:
    """List the registered detectors."""
    from visrec.detection.models import list_detectors

    for name in list_detectors():
        typer.echo(name)


def register(app: typer.Typer) -> None:
    app.add_typer(detect_app, name="detect")
