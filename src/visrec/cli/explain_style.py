"""``visrec style CONTENT STYLE`` and ``visrec style train-fast`` (Lecture 13: neural style transfer)."""

from __future__ import annotations

import typer
from typer.core import TyperGroup

from visrec.cli.common import OutOpt, OverwriteOpt, SeedOpt, done, parse_float_list
from visrec.cli.explain import ModelOpt, WeightsOpt

RunOpt = typer.Option(None, "--run", help="Run directory of the feature network (e.g. a vgg11_cifar run).")


class _DefaultTransfer(TyperGroup):
    """``visrec style A B`` means ``visrec style transfer A B``; ``train-fast`` stays a sub-command."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["transfer", *args]
        return super().parse_args(ctx, args)


style_app = typer.Typer(
    cls=_DefaultTransfer,
    no_args_is_help=True,
    help="Neural style transfer, texture synthesis and fast style transfer.",
)


@style_app.command("transfer")
def transfer(
    content: str = typer.Argument(..., help="Content image (file or bundled name)."),
    style: str = typer.Argument(..., help="Style image."),
    style2: list[str] = typer.Option(None, "--style2", help="More style images, blended by --blend."),
    blend: str = typer.Option(None, "--blend", help="Weights of the styles, e.g. 0.5 or 0.3,0.7."),
    run: str = RunOpt,
    size: int = typer.Option(128, "--size", help="Content image short side."),
    optimizer: str = typer.Option("lbfgs", "--optimizer", help="lbfgs | adam."),
    steps: int = typer.Option(100, "--steps", help="Iterations."),
    content_weight: float = typer.Option(5e-2, "--content-weight", help="w of the content loss."),
    style_weights: str = typer.Option(None, "--style-weights", help="w_l per style layer (comma-separated)."),
    style_scales: str = typer.Option(
        None, "--style-scales", help="Sweep: multiply the style weights by each."
    ),
    tv_weight: float = typer.Option(5e-2, "--tv-weight", help="w of the total-variation loss."),
    init: str = typer.Option(
        "content", "--init", help="content | noise (noise + content weight 0 = texture)."
    ),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """Stylize CONTENT with STYLE (content + style + TV losses, L-BFGS or Adam).

    Examples:
      visrec style chelsea coffee --run runs/train-vgg11-cifar --size 128
      visrec style chelsea coffee --style2 rocket --blend 0.5 --run runs/train-vgg11-cifar
      visrec style chelsea coffee --weights vgg19.pth --model vgg19 --size 256    # Gatys' network
    """
    from visrec.explain.config import ExplainConfig
    from visrec.explain.generate.runner import run_style

    styles = [style, *(style2 or [])]
    b = parse_float_list(blend, "blend") if blend else None
    if b is not None and len(b) == len(styles) - 1:
        b = [1.0 - sum(b), *b] if len(styles) == 2 else b
    opts = {
        "size": size,
        "optimizer": optimizer,
        "steps": steps,
        "content_weight": content_weight,
        "tv_weight": tv_weight,
        "init": init,
        "blend": b,
        "style_weights": parse_float_list(style_weights, "style-weights") if style_weights else None,
        "style_scales": parse_float_list(style_scales, "style-scales") if style_scales else None,
    }
    cfg = ExplainConfig(
        method="style",
        source=run,
        weights=weights,
        model=model,
        images=[content, *styles],
        options={k: v for k, v in opts.items() if v is not None},
        out=out,
        overwrite=bool(overwrite),
        seed=seed or 0,
    )
    done(run_style(cfg))


@style_app.command("train-fast")
def train_fast(
    styles: list[str] = typer.Argument(..., help="Style image(s): several train one conditional network."),
    run: str = RunOpt,
    data: str = typer.Option(
        "digits", "--data", help="Content images to train on (any dataset visrec reads)."
    ),
    limit: int = typer.Option(512, "--limit", help="Content images used."),
    size: int = typer.Option(32, "--size", help="Training size (multiple of 4)."),
    steps: int = typer.Option(200, "--steps", help="Adam steps."),
    batch_size: int = typer.Option(4, "--batch-size", help="Content images per step."),
    lr: float = typer.Option(1e-3, "--lr", help="Adam learning rate."),
    width: int = typer.Option(16, "--width", help="Base width of the network (the paper: 32)."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """Train a fast style-transfer network (instance norm; conditional instance norm for several styles).

    Example: visrec style train-fast coffee rocket --run runs/train-vgg11-cifar --data ../shared/data/cifar10-jpeg/train
    """
    from visrec.explain.config import ExplainConfig
    from visrec.explain.generate.runner import run_train_fast

    cfg = ExplainConfig(
        method="style-train-fast",
        source=run,
        weights=weights,
        model=model,
        images=list(styles),
        options={
            "limit": limit,
            "size": size,
            "steps": steps,
            "batch_size": batch_size,
            "lr": lr,
            "width": width,
        },
        data=data,
        out=out,
        overwrite=bool(overwrite),
        seed=seed or 0,
    )
    done(run_train_fast(cfg))


def register(app: typer.Typer) -> None:
    app.add_typer(style_app, name="style")
