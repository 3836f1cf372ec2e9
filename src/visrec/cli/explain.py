"""``visrec explain filters|activations|patches|tsne|occlusion|saliency|guided|gradcam|classviz``; the
registration of the other Lecture 13 commands: ``attack``, ``dream``, ``invert``, ``style``, ``serve``.

Every command takes a run directory of ``visrec train --engine torch`` (RUN), or ``--weights FILE --model
NAME`` for a torchvision-layout weight file (ImageNet-trained networks look as in the lecture; the project's
CIFAR / digits models give coarser pictures). Images are files or bundled names (chelsea, astronaut, coffee,
china, flower, grace_hopper, ...). Output: PNGs and a side-by-side figure in a run directory.
"""

from __future__ import annotations

import importlib

import typer

from visrec.cli.common import OutOpt, OverwriteOpt, SeedOpt, done

EXAMPLES = """
Examples:
  visrec explain saliency runs/train-cifar chelsea.png --grabcut
  visrec explain gradcam runs/train-cifar chelsea --layer layer3 --target cat
  visrec explain occlusion runs/train-cifar chelsea --window 8 --stride 4
  visrec explain gradcam --weights vgg16.pth --model vgg16 chelsea     # a torchvision ImageNet VGG-16
  visrec explain patches runs/train-cifar --data ../shared/data/cifar10-jpeg/train --layer features.10 --channel 3
  visrec explain tsne runs/train-cifar --data ../shared/data/cifar10-jpeg/train --limit 400
"""

WeightsOpt = typer.Option(
    None, "--weights", help="A torchvision-layout .pth/.safetensors file instead of RUN."
)
ModelOpt = typer.Option(None, "--model", help="Registered architecture of --weights (e.g. vgg16, resnet18).")
LayerOpt = typer.Option(None, "--layer", help="Layer name as in model.named_modules() (errors list them).")
TargetOpt = typer.Option(None, "--target", help="Class index or name to explain (default: the prediction).")

explain_app = typer.Typer(help="Look inside a trained CNN (Lecture 13)." + EXAMPLES, no_args_is_help=True)


def explain_config(method: str, /, sources, weights, model, out, overwrite, seed, data=None, **options):
    """The ExplainConfig of a command: RUN then IMAGE... (or IMAGE... with --weights FILE --model NAME)."""
    from visrec.explain.config import ExplainConfig

    sources = list(sources or [])
    run_source = None
    if weights is None:
        if not sources:
            raise typer.BadParameter("Pass RUN (a run directory) or --weights FILE --model NAME.")
        run_source, sources = sources[0], sources[1:]
    return ExplainConfig(
        method=method,
        source=run_source,
        weights=weights,
        model=model,
        images=sources,
        options={k: v for k, v in options.items() if v is not None},
        out=out,
        overwrite=bool(overwrite),
        seed=seed or 0,
        data=data or "digits",
    )


def _run(method: str, sources: list[str], weights, model, out, overwrite, seed, needs_images=True, data=None,
         **options):
    from visrec.explain.runner import run_explain

    done(run_explain(explain_config(method, sources, weights, model, out, overwrite, seed, data, **options)))


def _attribution(method: str, extra_help: str = ""):
    def command(
        sources: list[str] = typer.Argument(
            None, help="RUN then IMAGE... (or only IMAGE... with --weights)."
        ),
        layer: str = LayerOpt,
        target: str = TargetOpt,
        window: int = typer.Option(8, "--window", help="Occlusion square side in pixels."),
        stride: int = typer.Option(4, "--stride", help="Occlusion stride in pixels."),
        grabcut: bool = typer.Option(
            False, "--grabcut", help="Saliency: also segment with GrabCut (OpenCV)."
        ),
        weights: str = WeightsOpt,
        model: str = ModelOpt,
        out: str = OutOpt,
        overwrite: bool = OverwriteOpt,
        seed: int = SeedOpt,
    ):
        opts = {"layer": layer, "target": target}
        if method == "occlusion":
            opts.update(window=window, stride=stride)
        if method == "saliency":
            opts["grabcut"] = grabcut
        _run(method, sources, weights, model, out, overwrite, seed, **opts)

    command.__doc__ = extra_help
    return command


explain_app.command("saliency")(
    _attribution(
        "saliency", "Saliency map: |d score / d pixel|, max over colour channels (Simonyan et al. 2014)."
    )
)
explain_app.command("guided")(
    _attribution(
        "guided", "Guided backpropagation: only positive gradients pass the ReLUs (Springenberg et al. 2015)."
    )
)
explain_app.command("gradcam")(
    _attribution(
        "gradcam", "Grad-CAM overlay at --layer (default: the last feature map) (Selvaraju et al. 2017)."
    )
)
explain_app.command("occlusion")(
    _attribution(
        "occlusion",
        "Occlusion map: drop in the class probability under a grey square (Zeiler & Fergus 2014).",
    )
)


@explain_app.command("filters")
def filters(
    sources: list[str] = typer.Argument(None, help="RUN (or nothing with --weights)."),
    layer: str = typer.Option(None, "--layer", help="Also draw this higher conv layer's weights."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
):
    """First-layer filters as colour images; --layer: a higher layer's weights, channel by channel."""
    _run("filters", sources, weights, model, out, overwrite, 0, layer=layer)


@explain_app.command("activations")
def activations(
    sources: list[str] = typer.Argument(None, help="RUN then IMAGE..."),
    layer: str = LayerOpt,
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
):
    """Activation maps of --layer, one grey tile per channel."""
    _run("activations", sources, weights, model, out, overwrite, 0, layer=layer)


@explain_app.command("patches")
def patches(
    sources: list[str] = typer.Argument(None, help="RUN"),
    data: str = typer.Option("digits", "--data", help="Images to search (any dataset visrec reads)."),
    layer: str = LayerOpt,
    channel: int = typer.Option(0, "--channel", help="Channel of --layer."),
    k: int = typer.Option(16, "--k", help="Number of patches."),
    limit: int = typer.Option(500, "--limit", help="Images of --data searched."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """Maximally activating patches of one channel, cropped to each unit's receptive field."""
    _run(
        "patches",
        sources,
        weights,
        model,
        out,
        overwrite,
        seed,
        data=data,
        layer=layer,
        channel=channel,
        k=k,
        limit=limit,
    )


@explain_app.command("tsne")
def tsne(
    sources: list[str] = typer.Argument(None, help="RUN"),
    data: str = typer.Option("digits", "--data", help="Images to embed (any dataset visrec reads)."),
    limit: int = typer.Option(400, "--limit", help="Images of --data embedded."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
):
    """Last-layer features: nearest neighbours (features vs pixels), PCA and t-SNE maps and image grids."""
    _run("tsne", sources, weights, model, out, overwrite, seed, data=data, limit=limit)


@explain_app.command("classviz")
def classviz(
    sources: list[str] = typer.Argument(None, help="RUN (or nothing with --weights)."),
    target: str = typer.Option(None, "--target", help="Class index or name (default: the first 10 classes)."),
    steps: int = typer.Option(200, "--steps", help="Gradient-ascent steps."),
    lr: float = typer.Option(0.5, "--lr", help="Step size, in normalized-image units per pixel."),
    l2_reg: float = typer.Option(1e-3, "--l2-reg", help="lambda of the L2 penalty on the image."),
    blur_every: int = typer.Option(10, "--blur-every", help="Gaussian blur every N steps (0 = never)."),
    value_quantile: float = typer.Option(0.0, "--clip-values", help="Zero this fraction of smallest pixels."),
    contribution_quantile: float = typer.Option(
        0.0, "--clip-contributions", help="Zero this fraction of smallest |pixel x gradient|."
    ),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
    out: str = OutOpt,
    overwrite: bool = OverwriteOpt,
):
    """Class visualization: an image the network scores as the class (gradient ascent, L2 + blur + clipping).

    Example: visrec explain classviz --weights vgg16.pth --model vgg16 --target 76 --clip-values 0.1
    """
    _run(
        "classviz",
        sources,
        weights,
        model,
        out,
        overwrite,
        0,
        target=target,
        steps=steps,
        lr=lr,
        l2_reg=l2_reg,
        blur_every=blur_every,
        value_quantile=value_quantile,
        contribution_quantile=contribution_quantile,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(
        explain_app,
        name="explain",
        short_help="Look inside a trained CNN: filters, saliency, Grad-CAM, t-SNE ...",
    )
    for name in ("visrec.cli.explain_generate", "visrec.cli.explain_style", "visrec.cli.serve"):
        importlib.import_module(name).register(app)
