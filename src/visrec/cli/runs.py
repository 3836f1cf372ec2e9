"""`visrec runs list [FOLDER]` and `visrec runs compare RUN RUN...`: the runs on disk, side by side."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from visrec.cli.common import echo_table


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return "-" if v is None else str(v)


def register(app: typer.Typer) -> None:
    """Add the ``visrec runs`` group to ``app``."""
    runs_app = typer.Typer(help="List and compare run directories.", no_args_is_help=True)
    app.add_typer(runs_app, name="runs")

    @runs_app.command("list")
    def list_cmd(
        folder: Path = typer.Argument(Path("runs"), help="Folder holding run directories (default runs/)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Every run below FOLDER, newest first: engine, kind, model, status, validation and test accuracy.

        Example: visrec runs list runs/
        """
        from visrec.runs.catalog import find_runs, summarize

        rows = [summarize(r) for r in find_runs(folder)]
        if as_json:
            print(json.dumps(rows, indent=2))
            return
        cols = ["run", "engine", "kind", "model", "status", "val_acc", "test_acc", "created"]
        echo_table(f"{len(rows)} runs in {folder}", cols, [[_fmt(r[c]) for c in cols] for r in rows])

    @runs_app.command("compare")
    def compare_cmd(
        runs: list[Path] = typer.Argument(..., help="Two or more run directories."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """The settings that differ between runs, and their final metrics, side by side.

        Example: visrec runs compare runs/a runs/b
        """
        from visrec.runs.catalog import compare

        result = compare(runs)
        if as_json:
            print(json.dumps(result, indent=2, default=str))
            return
        names = [Path(r).name for r in result["runs"]]
        echo_table("settings that differ", ["setting", *names],
                   [[k, *map(_fmt, v)] for k, v in result["settings"].items()])
        echo_table("metrics", ["metric", *names], [[k, *map(_fmt, v)] for k, v in result["metrics"].items()])
