"""`visrec evaluate RUN --test-data DATA`: a saved model of any kind, on held-out data."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from visrec.cli.common import SkipBadOpt, echo_table


def register(app: typer.Typer) -> None:
    """Add ``visrec evaluate`` to ``app``."""

    @app.command("evaluate")
    def evaluate(
        run: Path = typer.Argument(..., help="Run directory of a trained classifier."),
        test_data: str = typer.Option(..., "--test-data", help="Held-out data with the model's classes."),
        skip_bad: bool = SkipBadOpt,
        as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON."),
        device: str = typer.Option("cpu", "--device", help="cpu | cuda | mps (torch models)."),
    ) -> None:
        """Accuracy, per-class accuracy and the confusion matrix of a saved model on --test-data.

        Works for every model kind (classic, numpy_nn, torch). Tune on validation; evaluate the test split
        once, at the very end.

        Example: visrec evaluate runs/train-resnet20 --test-data path/to/cifar-10-batches-py
        """
        from visrec.runs.predict import evaluate_run

        result = evaluate_run(run, test_data, skip_bad=bool(skip_bad), device=device)
        if as_json:
            print(json.dumps(result, indent=2))
            return
        rows = [[name, acc] for name, acc in result["per_class_accuracy"].items()]
        echo_table(f"{run} on {test_data}: accuracy {result['accuracy']:.4f} ({result['n']} images)",
                   ["class", "accuracy"], rows)
