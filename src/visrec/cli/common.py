"""Options that mean the same thing in every command, and small shared CLI helpers."""

from __future__ import annotations

from pathlib import Path

import typer

DataOpt = typer.Option(
    None,
    "--data",
    help="Dataset: 'digits' (embedded default), a cifar-10-batches-py/ or -bin/ folder, an MNIST IDX "
    "folder (e.g. ../shared/data/mnist-t10k), an image-folder tree root/<class>/*.jpg, or a root holding "
    "train/ and test/ image folders.",
)
TestDataOpt = typer.Option(None, "--test-data", help="Held-out test set, evaluated once at the very end.")
OutOpt = typer.Option(None, "--out", help="Run directory to write (default runs/<command>-<time>).")
SeedOpt = typer.Option(0, "--seed", help="Random seed (splits, initialization, sampling).")
ValFracOpt = typer.Option(0.2, "--val-fraction", help="Fraction of the training data kept for validation.")
ConfigOpt = typer.Option(None, "--config", help="JSON config file; command-line options override it.")
DeviceOpt = typer.Option("auto", "--device", help="auto | cpu | cuda | mps (torch engine only).")


def parse_int_list(text: str, name: str) -> list[int]:
    """'1,3,5' -> [1, 3, 5], with a clear error for anything else."""
    try:
        values = [int(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--{name} expects comma-separated integers like 1,3,5; got {text!r}.") from None
    if not values:
        raise ValueError(f"--{name} expects at least one integer; got {text!r}.")
    return values


def parse_float_list(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--{name} expects comma-separated numbers like 1e-3,1e-2; got {text!r}.") from None
    if not values:
        raise ValueError(f"--{name} expects at least one number; got {text!r}.")
    return values


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
