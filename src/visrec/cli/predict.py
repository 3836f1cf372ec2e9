"""`visrec predict RUN IMAGE_OR_FOLDER...`: classify image files with any saved model.

The run directory's ``model.json`` says which engine made it; :func:`visrec.runs.predict.predict_files`
loads it, decodes and converts the images and returns the predictions. Nothing is written.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import typer

from visrec.utils.errors import ParameterError

FORMATS = ("table", "json", "csv")


def print_predictions(title: str, rows: list[dict]) -> None:
    """A rich table wide enough that file paths are never wrapped or cut."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("file", no_wrap=True)
    table.add_column("predicted class")
    table.add_column("probability", justify="right")
    if rows and len(rows[0]["top"]) > 1:
        table.add_column("top classes")
    for r in rows:
        cells = [r["file"], r["class"], "-" if r["probability"] is None else f"{r['probability']:.3f}"]
        if len(r["top"]) > 1:
            cells.append(", ".join(c if p is None else f"{c} {p:.2f}" for c, p in r["top"]))
        table.add_row(*cells)
    width = max(len(r["file"]) for r in rows) + max(len(r["class"]) for r in rows) + 40
    Console(width=max(80, width)).print(table)


def write_rows(rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(rows, indent=2))
        return
    writer = csv.writer(sys.stdout)
    k = len(rows[0]["top"]) if rows else 0
    writer.writerow(["file", "class", "probability"] + [f"top{i + 1}" for i in range(k)])
    for r in rows:
        writer.writerow([r["file"], r["class"], r["probability"]] + [c for c, _ in r["top"]])


def register(app: typer.Typer) -> None:
    """Add ``visrec predict`` to ``app``."""

    @app.command("predict")
    def predict(
        paths: list[Path] = typer.Argument(..., help="RUN (a run directory), then image files or folders."),
        model: Path = typer.Option(None, "--model", help="Deprecated spelling of the RUN argument."),
        top_k: int = typer.Option(1, "--top-k", help="Show the k most likely classes of each image."),
        fmt: str = typer.Option("table", "--format", help="table | json | csv."),
        device: str = typer.Option("cpu", "--device", help="cpu | cuda | mps (torch models)."),
    ) -> None:
        """Classify image files (or every image in folders) with a saved model of any kind.

        Images are converted to the model's channels (grayscale or RGB) and resized to its input size.
        A run stopped before its end is read from its best checkpoint (a note says so). Writes nothing.

        Example: visrec predict runs/knn-20250101-120000 cat.png dog.jpg

        Example: visrec predict runs/train-resnet20 photos/ --top-k 3 --format csv
        """
        from visrec.runs.predict import predict_files

        if fmt not in FORMATS:
            raise ParameterError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
        if model is not None:
            print("warning: --model RUN is deprecated; pass the run directory first: visrec predict RUN IMAGE...",
                  file=sys.stderr)
            run, images = model, paths
        else:
            if len(paths) < 2:
                raise ParameterError("visrec predict needs RUN and at least one image: visrec predict RUN IMAGE...")
            run, images = paths[0], paths[1:]
        rows = predict_files(run, images, top_k=top_k, device=device)
        if fmt == "table":
            print_predictions(f"predictions of {run}", rows)
        else:
            write_rows(rows, fmt)
