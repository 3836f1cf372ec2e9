"""``visrec attack``, ``visrec dream``, ``visrec invert`` (Lecture 13): images made by a trained network."""

from __future__ import annotations

import typer

from visrec.cli.common import OutOpt, OverwriteOpt, SeedOpt, done, parse_float_list, split_names
from visrec.cli.explain import LayerOpt, ModelOpt, WeightsOpt, explain_config


def _config(command, sources, weights, model, out, overwrite, seed, **options):
    return explain_config(command, sources, weights, model, out, overwrite, seed, **options)


def attack(
    sources: list[str] = typer.Argument(None, help="RUN then IMAGE..."),
    method: str = typer.Option("fgsm", "--method", help="fgsm | pgd | pgd_l2 | fool (the lecture's ascent)."),
    eps: float = typer.Option(8 / 255, "--eps", help="Budget in pixel units [0, 1] (L-inf; L2 for pgd_l2)."),
    steps: int = typer.Option(10, "--steps", help="PGD steps."),
    target: str = typer.Option(None, "--target", help="Class to reach (required by fool; targets fgsm/pgd)."),
    sweep: str = typer.Option(None, "--sweep", help="Comma-separated eps values: plot success rate vs eps."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """Adversarial examples and fooling images.

    Examples:
      visrec attack runs/train-cifar chelsea --method fgsm --eps 0.03
      visrec attack runs/train-cifar chelsea --method fool --target 3
      visrec attack runs/train-cifar a.png b.png --method pgd --sweep 0.002,0.005,0.01,0.03
    """
    from visrec.explain.generate.runner import run_attack

    sw = parse_float_list(sweep, "sweep") if sweep else None
    done(
        run_attack(
            _config(
                "attack",
                sources,
                weights,
                model,
                out,
                overwrite,
                seed,
                method=method,
                eps=eps,
                steps=steps,
                target=target,
                sweep=sw,
            )
        )
    )


def dream(
    sources: list[str] = typer.Argument(None, help="RUN then IMAGE..."),
    layer: str = LayerOpt,
    steps: int = typer.Option(10, "--steps", help="Steps per octave."),
    step_size: float = typer.Option(1.5, "--step-size", help="L1-normalized step, in grey levels (0..255)."),
    jitter: int = typer.Option(32, "--jitter", help="Random roll up to this many pixels."),
    octaves: int = typer.Option(3, "--octaves", help="Scales, each 1.4x larger."),
    size: int = typer.Option(None, "--size", help="Work at SIZE x SIZE (fully convolutional models)."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """DeepDream: amplify what --layer sees (gradient = its activation), with jitter and octaves.

    Example: visrec dream --weights vgg16.pth --model vgg16 sky.jpg --layer features.22 --size 224
    """
    from visrec.explain.generate.runner import run_dream

    done(
        run_dream(
            _config(
                "dream",
                sources,
                weights,
                model,
                out,
                overwrite,
                seed,
                layer=layer,
                steps=steps,
                step_size=step_size,
                jitter=jitter,
                octaves=octaves,
                size=size,
            )
        )
    )


def invert(
    sources: list[str] = typer.Argument(None, help="RUN then IMAGE..."),
    layers: str = typer.Option(None, "--layers", help="Comma-separated layers (default: forward_features)."),
    steps: int = typer.Option(200, "--steps", help="Adam steps."),
    tv_weight: float = typer.Option(1e-2, "--tv-weight", help="lambda of the total-variation regularizer."),
    beta: float = typer.Option(2.0, "--beta", help="Exponent beta of the TV regularizer."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """Feature inversion: reconstruct the image from its features at several layers (TV regularizer).

    Example: visrec invert runs/train-cifar chelsea --layers features.2,features.6,features.10
    """
    from visrec.explain.generate.runner import run_invert

    done(
        run_invert(
            _config(
                "invert",
                sources,
                weights,
                model,
                out,
                overwrite,
                seed,
                layers=split_names(layers),
                steps=steps,
                tv_weight=tv_weight,
                beta=beta,
            )
        )
    )


def register(app: typer.Typer) -> None:
    app.command("attack")(attack)
    app.command("dream")(dream)
    app.command("invert")(invert)
