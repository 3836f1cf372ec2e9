"""Options that mean the same thing in every command, and small shared CLI helpers."""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.runs.config import read_config_file
from visrec.utils.errors import ParameterError

# Every option below defaults to None: a value left out keeps the one of --config FILE, then the config
# class's default (shown in each help text), so a recipe file and the command line compose.
DataOpt = typer.Option(
    None,
    "--data",
    help="Dataset (default: digits, embedded): a cifar-10-batches-py/ or -bin/ folder, an MNIST IDX folder "
    "(e.g. ../shared/data/mnist-t10k), an image folder root/<class>/*.jpg, or a root holding train/ and "
    "test/ image folders.",
)
TestDataOpt = typer.Option(
    None, "--test-data", help="Held-out test set (same classes and image size), evaluated once at the end."
)
ValFracOpt = typer.Option(None, "--val-fraction", help="Share of --data kept for validation (default 0.2).")
ValSizeOpt = typer.Option(None, "--val-size", help="Validation images (overrides --val-fraction).")
LimitOpt = typer.Option(None, "--limit", help="Use a stratified random subsample of N images of --data.")
OverfitOpt = typer.Option(None, "--overfit", help="Train and validate on N seeded examples (sanity check).")
SkipBadOpt = typer.Option(
    None, "--skip-bad/--no-skip-bad", help="Skip unreadable image files (reports how many and which)."
)
SeedOpt = typer.Option(None, "--seed", help="Random seed of splits, initialization and sampling (default 0).")
OutOpt = typer.Option(None, "--out", help="Run directory to write (default runs/<command>-<time>).")
OverwriteOpt = typer.Option(None, "--overwrite", help="Replace the run already in --out.")
ResumeOpt = typer.Option(None, "--resume", help="Run directory to continue, in place (it may have moved).")
ConfigOpt = typer.Option(
    None, "--config", help="JSON config: a recipe (configs/*.json) or a run's own config.json; options given "
    "on the command line override it."
)
DeviceOpt = typer.Option(None, "--device", help="auto | cpu | cuda | mps (default auto).")
ProgressOpt = typer.Option(None, "--progress/--no-progress", help="Show progress with the running loss.")
TensorboardOpt = typer.Option(None, "--tensorboard", help="Also write TensorBoard event files.")
EpochsOpt = typer.Option(None, "--epochs", help="Epochs (with --resume: the new total).")
BatchSizeOpt = typer.Option(None, "--batch-size", help="Minibatch size.")
LrOpt = typer.Option(None, "--lr", help="Base learning rate.")
OptimizerOpt = typer.Option(
    None, "--optimizer", help="sgd | momentum | nesterov | adam | adamw | rmsprop | adagrad."
)
MomentumOpt = typer.Option(None, "--momentum", help="SGD momentum (default 0.9).")
WeightDecayOpt = typer.Option(None, "--weight-decay", help="L2 weight decay (regularization strength).")
LrScheduleOpt = typer.Option(
    None, "--lr-schedule", help="constant | step | cosine | onecycle | exponential."
)
WarmupOpt = typer.Option(None, "--warmup-epochs", help="Linear learning-rate warm-up, in epochs.")
GradClipOpt = typer.Option(None, "--grad-clip", help="Clip the gradients' global L2 norm to this (0 = off).")
MaxMinutesOpt = typer.Option(
    None, "--max-minutes", help="Wall-clock budget of the whole run (training and evaluation); stops cleanly."
)
PatienceOpt = typer.Option(None, "--patience", help="Stop after N evaluations without improvement (0 = off).")
ThreadsOpt = typer.Option(None, "--threads", help="CPU threads (0 = the library default).")
EvalEveryOpt = typer.Option(None, "--eval-every", help="Evaluate (and checkpoint) every N epochs (default 1).")


def config_from_cli(config_cls, config_file=None, **options):
    """Build ``config_cls`` from defaults <- ``--config`` file <- the options given on the command line.

    Paths become strings; options left out (None) are skipped, so they keep the file's or the default value.
    """
    values = {k: (str(v) if isinstance(v, Path) else v) for k, v in options.items() if v is not None}
    if values.get("resume"):  # the run's recorded settings, then what is given now
        if config_file is not None:
            values = {**read_config_file(config_file), **values}
        return config_cls.resumed(values.pop("resume"), values)
    return config_cls.from_sources(str(config_file) if config_file is not None else None, values)


def parse_int_list(text: str, name: str) -> list[int]:
    """'1,3,5' -> [1, 3, 5], with a clear error for anything else."""
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"--{name} expects comma-separated integers like 1,3,5; got {text!r}.") from None
    if not values:
        raise ParameterError(f"--{name} expects at least one integer; got {text!r}.")
    return values


def parse_float_list(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"--{name} expects comma-separated numbers like 1e-3,1e-2; got {text!r}.") from None
    if not values:
        raise ParameterError(f"--{name} expects at least one number; got {text!r}.")
    return values


def parse_json_object(text: str, name: str) -> dict:
    """'{"a": 1}' -> {"a": 1}, with a clear error naming ``--name`` for anything but a JSON object."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"--{name} expects a JSON object like '{{\"key\": 1}}'; got {text!r} ({exc}).") from None
    if not isinstance(value, dict):
        raise ParameterError(f"--{name} expects a JSON object like '{{\"key\": 1}}'; got {text!r}.")
    return value


def echo_table(title: str, columns: list[str], rows: list[list]) -> None:
    """Print a rich table to stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*[f"{v:.4f}" if isinstance(v, float) else str(v) for v in r])
    Console().print(table)


def done(run_path: Path) -> None:
    typer.echo(f"run directory: {run_path}")


def split_names(text: str | None) -> list[str] | None:
    """'hog, color' -> ['hog', 'color']; None stays None (the option was not given)."""
    if text is None:
        return None
    return [t.strip() for t in str(text).split(",") if t.strip()]
