"""`visrec report RUN [RUN...]`: one self-contained HTML page on a run, or comparing runs."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add ``visrec report`` to ``app``."""

    @app.command("report")
    def report(
        runs: list[Path] = typer.Argument(..., help="One or more run directories (the --out of a training command)."),
        out: Path | None = typer.Option(
            None, "--out", help="HTML file to write. Default: RUN/report.html for one run, runs-report.html "
            "(in the current folder) for several."),
        samples: int = typer.Option(16, "--samples", help="Validation images shown with their predictions."),
        predictions: bool = typer.Option(
            True, "--predictions/--no-predictions",
            help="Rebuild the validation split and draw the confusion matrix and sample predictions."),
    ) -> None:
        """Write an HTML report: runs, settings (their differences for several runs), metrics, curves from
        history.jsonl, plots/*.png, the confusion matrix and sample predictions on validation images.

        The page is one file with everything inline (no script, no network): open it in any browser.

        Example: visrec report runs/train-resnet20

        Example: visrec report runs/a runs/b --out compare.html
        """
        from visrec.report.html import write_report
        from visrec.utils.validation import check_int

        check_int("samples", samples, low=0, owner="--samples")
        path = write_report(runs, out=out, samples=samples, predictions=predictions)
        print(f"wrote {path}")
