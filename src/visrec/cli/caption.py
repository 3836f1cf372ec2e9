"""`visrec caption train | predict`: image captioning with an RNN, an LSTM or soft attention (Lecture 10).

visrec caption train --model lstm --out runs/cap                  # generated shapes scenes
visrec caption train --model attention --epochs 10 --out runs/att
visrec caption train --data captions_val2014.json --images-dir val2014/ --limit 5000
visrec caption predict runs/att scene1.png scene2.png --out figures/
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from visrec.cli.common import (
    BatchSizeOpt,
    ConfigOpt,
    EpochsOpt,
    GradClipOpt,
    LimitOpt,
    LrOpt,
    MaxMinutesOpt,
    OptimizerOpt,
    OutOpt,
    OverwriteOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    ValFracOpt,
    config_from_cli,
    done,
)

app = typer.Typer(
    help="Image captioning: train on shapes scenes or COCO captions; caption image files.",
    no_args_is_help=True,
)


@app.command("train")
def train_cmd(
    data: str = typer.Option(None, "--data", help="'shapes' (generated, default) or a COCO captions_*.json."),
    images_dir: str = typer.Option(None, "--images-dir", help="Folder of the COCO file's images."),
    model: str = typer.Option(None, "--model", help="rnn | lstm | attention (default lstm)."),
    inject: str = typer.Option(
        None, "--inject", help="init (image as h0, default) | every (also each step)."
    ),
    encoder: str = typer.Option(
        None, "--encoder", help="small (default) or a registered CNN, e.g. resnet20."
    ),
    image_size: int = typer.Option(None, "--image-size", help="Square input size, a multiple of 8 (48)."),
    hidden: int = typer.Option(None, "--hidden", help="Hidden units H (256)."),
    embed: int = typer.Option(None, "--embed", help="Word vector size (64)."),
    min_count: int = typer.Option(None, "--min-count", help="Words seen fewer times become <UNK> (1)."),
    shapes_train: int = typer.Option(None, "--shapes-train", help="Generated training scenes (4000)."),
    shapes_val: int = typer.Option(None, "--shapes-val", help="Generated scenes per held-out split (500)."),
    beam: int = typer.Option(None, "--beam", help="Beam width of the final evaluation (1 = greedy)."),
    epochs: int = EpochsOpt,
    batch_size: int = BatchSizeOpt,
    lr: float = LrOpt,
    optimizer: str = OptimizerOpt,
    grad_clip: float = GradClipOpt,
    limit: int = LimitOpt,
    val_fraction: float = ValFracOpt,
    max_minutes: float = MaxMinutesOpt,
    threads: int = ThreadsOpt,
    seed: int = SeedOpt,
    out: Path = OutOpt,
    overwrite: bool = OverwriteOpt,
    resume: Path = ResumeOpt,
    progress: bool = ProgressOpt,
    config: Path = ConfigOpt,
) -> None:
    """Train a captioner; prints BLEU-1..4 on held-out images (and on novel combinations for shapes)."""
    from visrec.sequence.config import CaptionConfig
    from visrec.sequence.train_caption import train_caption

    if config is None and resume is not None:
        config = Path(resume) / "config.json"
    cfg = config_from_cli(
        CaptionConfig,
        config,
        data=data,
        images_dir=images_dir,
        model=model,
        inject=inject,
        encoder=encoder,
        image_size=image_size,
        hidden=hidden,
        embed=embed,
        min_count=min_count,
        shapes_train=shapes_train,
        shapes_val=shapes_val,
        beam=beam,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        grad_clip=grad_clip,
        limit=limit,
        val_fraction=val_fraction,
        max_minutes=max_minutes,
        threads=threads,
        seed=seed,
        out=out,
        overwrite=overwrite,
        resume=resume,
        progress=progress,
    )
    metrics = train_caption(cfg, echo=typer.echo)
    for split in ("val", "novel"):
        if f"{split}_bleu4" in metrics:
            scores = ", ".join(f"BLEU-{n} {metrics[f'{split}_bleu{n}']:.3f}" for n in range(1, 5))
            typer.echo(f"{split}: {scores}")
    done(Path(cfg.resume or cfg.out or "runs"))


@app.command("predict")
def predict_cmd(
    run: Path = typer.Argument(..., help="Run directory of `visrec caption train`."),
    images: list[Path] = typer.Argument(..., help="Image files."),
    out: Path = typer.Option(None, "--out", help="Folder for <image>_caption.png (and _attention.png)."),
    beam: int = typer.Option(1, "--beam", help="Beam width (1 = greedy)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print a caption per image; with --out also draw it (and, for attention models, the per-word maps)."""
    import numpy as np

    from visrec.data.images import read_image
    from visrec.sequence.captioning import draw_attention, draw_caption, load_captioner

    cap = load_captioner(run)
    pics = [read_image(p, "RGB", size=(cap.image_size, cap.image_size)) for p in images]
    captions = cap.caption(np.stack(pics), beam=beam)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        maps = cap.attention(np.stack(pics)) if cap.model.attention else [None] * len(pics)
        for path, pic, text, att in zip(images, pics, captions, maps, strict=True):
            draw_caption(pic, text, out / f"{path.stem}_caption.png")
            if att is not None:
                draw_attention(pic, att[0], att[1], out / f"{path.stem}_attention.png")
    if as_json:
        typer.echo(
            json.dumps([{"image": str(p), "caption": c} for p, c in zip(images, captions, strict=True)])
        )
    else:
        for p, c in zip(images, captions, strict=True):
            typer.echo(f"{p}: {c}")


def register(root: typer.Typer) -> None:
    """Add the ``caption`` group to the root command."""
    root.add_typer(app, name="caption")
