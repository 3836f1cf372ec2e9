"""``visrec generate``: Lecture 12's generative models (PixelCNN / PixelRNN, autoencoder, VAE, GANs).

train        train a model on the run layer (run directory, checkpoints, --resume, --max-minutes)
sample       a PNG grid of samples from a run
interpolate  latent interpolations, traversals, the 2-D manifold and vector arithmetic
evaluate     held-out likelihoods (explicit models) and classifier-based sample scores (every model)
classifier   train the digit classifier that scores samples (recorded as a run)
"""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.cli.common import (
    BatchSizeOpt,
    ConfigOpt,
    DataOpt,
    DeviceOpt,
    EpochsOpt,
    LimitOpt,
    LrOpt,
    MaxMinutesOpt,
    OutOpt,
    OverfitOpt,
    OverwriteOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    config_from_cli,
    done,
    echo_table,
)

gen_app = typer.Typer(
    help="Lecture 12 generative models: PixelCNN/PixelRNN, autoencoder, VAE, DCGAN, LSGAN, WGAN-GP.",
    no_args_is_help=True,
)
RunArg = typer.Argument(..., help="Run directory of `visrec generate train`.")


@gen_app.command("train")
def train_cmd(
    model: str = typer.Option(
        None, "--model", help="pixelcnn | pixelrnn | vae | ae | dcgan | lsgan | wgan-gp (default vae)."
    ),
    data: str = DataOpt,
    binarize: str = typer.Option(
        None,
        "--binarize",
        help="auto | none | sample | threshold (default auto: sample for Bernoulli models).",
    ),
    val_fraction: float = typer.Option(
        None,
        "--val-fraction",
        help="Held-out share of the seeded split (default 0.2: MNIST t10k -> 8,000 / 2,000).",
    ),
    epochs: int = EpochsOpt,
    batch_size: int = BatchSizeOpt,
    lr: float = LrOpt,
    output: str = typer.Option(None, "--output", help="PixelCNN/RNN: auto | bernoulli | softmax (256-way)."),
    hidden: int = typer.Option(None, "--hidden", help="PixelCNN/RNN feature channels (default 64)."),
    layers: int = typer.Option(None, "--layers", help="PixelCNN/RNN blocks (default 5)."),
    gated: bool = typer.Option(None, "--gated/--no-gated", help="PixelCNN: gated activation blocks."),
    stacks: bool = typer.Option(
        None, "--stacks/--no-stacks", help="PixelCNN: Gated PixelCNN's vertical + horizontal stacks (grayscale)."
    ),
    latent_dim: int = typer.Option(None, "--latent-dim", help="VAE / autoencoder: size of z (default 20)."),
    width: int = typer.Option(None, "--width", help="Conv width of the VAE, autoencoder and GANs (default 32)."),
    arch: str = typer.Option(None, "--arch", help="VAE: conv | mlp (default conv)."),
    likelihood: str = typer.Option(None, "--likelihood", help="VAE decoder: bernoulli | gaussian."),
    iwae_k: int = typer.Option(None, "--iwae-k", help="VAE: importance samples of the final NLL (default 100)."),
    noise_dim: int = typer.Option(None, "--noise-dim", help="GANs: size of z ~ U[-1, 1] (default 96)."),
    d_steps: int = typer.Option(None, "--d-steps", help="GANs: discriminator steps per generator step (k, default 1)."),
    gp_weight: float = typer.Option(None, "--gp-weight", help="WGAN-GP: gradient-penalty weight (default 10)."),
    beta1: float = typer.Option(None, "--beta1", help="GANs: Adam beta1 (default 0.5)."),
    eval_size: int = typer.Option(None, "--eval-size", help="Held-out images scored each epoch (default 0 = all)."),
    samples_every: int = typer.Option(None, "--samples-every", help="Epochs between sample grids (0 = end only)."),
    limit: int = LimitOpt,
    overfit: int = OverfitOpt,
    seed: int = SeedOpt,
    out: Path = OutOpt,
    overwrite: bool = OverwriteOpt,
    resume: Path = ResumeOpt,
    config: Path = ConfigOpt,
    device: str = DeviceOpt,
    progress: bool = ProgressOpt,
    max_minutes: float = MaxMinutesOpt,
    threads: int = ThreadsOpt,
) -> None:
    """Train a generative model; writes a run directory with samples in plots/.

    Examples:

      visrec generate train --model vae --data ../shared/data/mnist-t10k --epochs 20

      visrec generate train --model pixelcnn --data ../shared/data/mnist-t10k --max-minutes 30

      visrec generate train --model wgan-gp --d-steps 5 --lr 1e-4 --beta1 0

      visrec generate train --resume runs/generate-train-<time> --epochs 30
    """
    from visrec.generative.config import GenerativeConfig
    from visrec.generative.train import train

    if resume is not None:
        if config is None:
            config = Path(resume) / "config.json"  # a resumed run keeps its settings unless overridden
        overwrite = False if overwrite is None else overwrite  # the original --overwrite is not repeated
    options = {k: v for k, v in locals().items() if k not in ("config", "GenerativeConfig", "train")}
    cfg = config_from_cli(GenerativeConfig, config, **options)
    path, metrics = train(cfg)
    rows = [[k, v] for k, v in metrics.items() if isinstance(v, int | float | str)]
    echo_table(f"generate train --model {cfg.model}", ["metric", "value"], rows)
    done(path)


@gen_app.command("sample")
def sample_cmd(
    run: Path = RunArg,
    n: int = typer.Option(64, "--n", help="Number of samples."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
    temperature: float = typer.Option(1.0, "--temperature", help="PixelCNN/RNN softmax temperature."),
    out: Path = typer.Option(None, "--out", help="PNG to write (default RUN/plots/samples-<n>-seed<seed>.png)."),
    neighbours: bool = typer.Option(
        False, "--neighbours", help="Also write each sample beside its nearest training image."
    ),
) -> None:
    """Draw samples from a run as a PNG grid.  Example: visrec generate sample runs/vae --n 64"""
    from visrec.generative.figures import samples_with_neighbours, save_grid
    from visrec.generative.train import heldout_data
    from visrec.generative.wrapper import load_generative

    gm = load_generative(run)
    images = gm.sample(n, seed=seed, temperature=temperature)
    path = save_grid(images, out or Path(run) / "plots" / f"samples-{n}-seed{seed}.png")
    typer.echo(f"wrote {path}")
    if neighbours:
        data = heldout_data(gm.meta)
        p2 = samples_with_neighbours(
            images,
            gm.real_images(data.train),
            path.with_name(path.stem + "-nearest-train.png"),
        )
        typer.echo(f"wrote {p2}")


@gen_app.command("interpolate")
def interpolate_cmd(
    run: Path = RunArg,
    out: Path = typer.Option(None, "--out", help="Folder for the PNGs (default RUN/plots/latent)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the end points."),
    classifier: Path = typer.Option(None, "--classifier", help="Digit classifier run (for --arithmetic)."),
    arithmetic: str = typer.Option(None, "--arithmetic", help="Vector arithmetic a-b+c on digit classes, e.g. 7-1+4."),
) -> None:
    """Latent interpolations, traversals, the 2-D manifold and vector arithmetic (VAE, autoencoder, GANs).

    Example: visrec generate interpolate runs/dcgan --classifier runs/digit-clf --arithmetic 7-1+4
    """
    from visrec.generative.evaluation import load_digit_classifier
    from visrec.generative.latents import write_latent_figures
    from visrec.generative.train import heldout_data
    from visrec.generative.wrapper import load_generative

    gm = load_generative(run)
    real = gm.real_images(heldout_data(gm.meta).test) if gm.name == "ae" else None
    clf = load_digit_classifier(classifier) if classifier is not None else None
    for p in write_latent_figures(gm, out or Path(run) / "plots" / "latent", seed, clf, arithmetic, real):
        typer.echo(f"wrote {p}")


@gen_app.command("evaluate")
def evaluate_cmd(
    run: Path = RunArg,
    classifier: Path = typer.Option(None, "--classifier", help="Digit classifier run: adds the sample scores."),
    n: int = typer.Option(1000, "--n", help="Samples scored by the classifier."),
    iwae_k: int = typer.Option(100, "--iwae-k", help="VAE: importance samples of the NLL."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
) -> None:
    """Held-out NLL (PixelCNN/RNN exact, VAE ELBO + IWAE) and, with --classifier, the confident share,
    the predicted-class entropy and the Fréchet distance beside its real-vs-real floor. Writes
    RUN/evaluation.json.

    Example: visrec generate evaluate runs/vae --classifier runs/digit-clf
    """
    from visrec.generative.evaluate import evaluate_run

    scores = evaluate_run(run, classifier, n=n, iwae_k=iwae_k, seed=seed)
    echo_table(f"generate evaluate {run}", ["metric", "value"], [[k, v] for k, v in scores.items()])


@gen_app.command("classifier")
def classifier_cmd(
    data: str = DataOpt,
    epochs: int = EpochsOpt,
    lr: float = LrOpt,
    val_fraction: float = typer.Option(
        None, "--val-fraction", help="Held-out share (the same split as generate train)."
    ),
    seed: int = SeedOpt,
    out: Path = OutOpt,
    overwrite: bool = OverwriteOpt,
    progress: bool = ProgressOpt,
    max_minutes: float = MaxMinutesOpt,
) -> None:
    """Train the digit classifier that scores samples, on the training part of the seeded split only.

    Example: visrec generate classifier --data ../shared/data/mnist-t10k --out runs/digit-clf
    """
    from visrec.generative.evaluation import DigitClassifierConfig, train_digit_classifier

    options = {k: v for k, v in locals().items() if k not in ("DigitClassifierConfig", "train_digit_classifier")}
    path, metrics = train_digit_classifier(config_from_cli(DigitClassifierConfig, None, **options))
    typer.echo(f"held-out accuracy {metrics['test_acc']:.4f} ({metrics['data']})")
    done(path)


def register(app: typer.Typer) -> None:
    """Add ``visrec generate`` and its commands to ``app``."""
    app.add_typer(gen_app, name="generate")
