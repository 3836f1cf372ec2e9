"""`visrec demo`: the whole classic pipeline of Lectures 2-3 on the embedded digits, in seconds.

No files are needed: the 1,797 8x8 scikit-learn digits are split (seeded, stratified) 60 / 20 / 20 into
train / validation / test. Four methods choose their hyperparameters on the training and validation parts
only, and each is evaluated on the test part once at the end:

1. k-NN on pixels, k chosen by 5-fold cross-validation on the training part (Lecture 2);
2. a linear SVM and 3. a Softmax classifier on mean-subtracted pixels, (lr, reg) chosen on validation;
4. a Softmax classifier on HOG features. HOG's 8x8-pixel cells (Lecture 3) would see a whole 8x8
   digit as one cell, so the digits are upsampled to 32x32 (bilinear) first, giving 4x4 cells of 9
   orientation bins (144 numbers); the upsampling is part of the saved model, so `visrec predict` on an
   8x8 image does the same. (No colour histogram: the digits are grayscale, so every hue is 0.)

The run directory holds config.json, metrics.json (every method's numbers), plots/ (all figures, prefixed
by method), models/<method>/ (each fitted model, usable with `visrec predict --model`) and, at its top
level, the model with the best validation accuracy.
"""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.cli.common import OutOpt, OverwriteOpt, SeedOpt, done, echo_table


def print_demo(run, results, splits, best) -> None:
    """The demo's table: chosen hyperparameters, validation and test accuracy, time per method."""
    rows = [
        [
            r.name,
            _chosen(r.metrics.get("chosen", {})),
            r.val_accuracy,
            r.test_accuracy,
            f"{r.metrics['seconds']:.1f}",
        ]
        for r in results.values()
    ]
    echo_table(
        f"visrec demo: digits, {len(splits.train)} train / {len(splits.val)} val / {len(splits.test)} test",
        ["method", "chosen on val", "val acc", "test acc", "time (s)"],
        rows,
    )
    typer.echo(f"best on validation: {results[best].name} (saved at the top of the run directory)")
    typer.echo(f"total time: {run.read_metrics()['timings_s']['total']:.1f} s")
    done(run.path)


def _chosen(hp: dict) -> str:
    """{'k': 3, 'metric': 'l2'} -> 'k=3 l2'; {'lr': 1e-5, 'reg': 100.0} -> 'lr=1e-05 reg=100'."""
    parts = []
    for key, v in hp.items():
        if key == "metric":
            parts.append(str(v))
        elif key in ("k", "lr", "reg"):
            parts.append(f"{key}={v:g}")
    return " ".join(parts)


def register(app: typer.Typer) -> None:
    """Add ``visrec demo`` to ``app``."""

    @app.command("demo")
    def demo(out: Path = OutOpt, seed: int = SeedOpt, overwrite: bool = OverwriteOpt) -> None:
        """Run the classic pipeline (k-NN, linear SVM, Softmax, features + Softmax) on the embedded digits.

        Needs no files and takes seconds. Prints validation and test accuracy and time per method and
        writes a run directory (default runs/demo-<time>) with metrics, plots and the fitted models.

        Example: visrec demo --out runs/demo
        """
        from visrec.classic.demo import run_demo

        print_demo(*run_demo(out, seed or 0, bool(overwrite)))
