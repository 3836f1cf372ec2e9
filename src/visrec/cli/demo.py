"""`visrec demo`: the whole classic pipeline of Lectures 2-3 on the embedded digits, in seconds.

No files are needed: the 1,797 8x8 scikit-learn digits are split (seeded, stratified) 60 / 20 / 20 into
train / validation / test. Four methods choose their hyperparameters on the training and validation parts
only, and each is evaluated on the test part once at the end:

1. k-NN on pixels, k chosen by 5-fold cross-validation on the training part (Lecture 2, L784-797);
2. a linear SVM and 3. a Softmax classifier on mean-subtracted pixels, (lr, reg) chosen on validation;
4. a Softmax classifier on HOG features. HOG's 8x8-pixel cells (Lecture 3, L2890) would see a whole 8x8
   digit as one cell, so the digits are upsampled to 32x32 (bilinear) first, giving 4x4 cells of 9
   orientation bins (144 numbers); the upsampling is part of the saved model, so `visrec predict` on an
   8x8 image does the same. (No colour histogram: the digits are grayscale, so every hue is 0.)

The run directory holds config.json, metrics.json (every method's numbers), plots/ (all figures, prefixed
by method), models/<method>/ (each fitted model, usable with `visrec predict --model`) and, at its top
level, the model with the best validation accuracy.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import typer

from visrec.cli.common import OutOpt, SeedOpt, done, echo_table

#: Hyperparameter candidates of the demo (small, so it runs in seconds on two cores).
DEMO_KS = [1, 3, 5, 7, 9]
DEMO_LINEAR = {"lrs": [1e-6, 1e-5], "regs": [1e2, 1e3], "iters": 1000, "batch_size": 200}
DEMO_FEATURES = {
    "features": ("hog",),
    "lrs": [1e-2, 1e-1],
    "regs": [1e-4, 1e-2],
    "iters": 1000,
    "batch_size": 200,
}


def run_demo(out: str | Path | None = None, seed: int = 0) -> dict:
    """Run the four methods on the digits and write the run directory. Returns the metrics dict."""
    from visrec import report
    from visrec.classic.persist import save_predictor
    from visrec.cli.classic_data import load_splits
    from visrec.cli.classic_runs import Figures, LinearSettings, run_features, run_knn, run_linear
    from visrec.runs import RunDir

    t_start = time.perf_counter()
    splits = load_splits("digits", None, val_fraction=0.2, seed=seed, test_fraction=0.2)
    run = RunDir.create(out, "demo")
    plots = run.plots
    report.image_grid(
        splits.train.images[:40],
        plots / "samples.png",
        titles=[splits.train.class_names[y] for y in splits.train.labels[:40]],
        ncols=10,
        title="training samples (8x8 digits)",
    )
    lin = LinearSettings(**DEMO_LINEAR, seed=seed)
    feat = LinearSettings(
        loss="softmax", **{k: v for k, v in DEMO_FEATURES.items() if k != "features"}, seed=seed
    )

    def figures(prefix: str) -> Figures:  # the test confusion matrix is drawn, not the validation one
        return Figures(plots, prefix, val_confusion=False)

    runners = {
        "knn": lambda: run_knn(splits, DEMO_KS, "l2", 5, seed, figures("knn_")),
        "svm": lambda: run_linear(splits, replace(lin, loss="svm"), figures("svm_")),
        "softmax": lambda: run_linear(splits, replace(lin, loss="softmax"), figures("softmax_")),
        "features": lambda: run_features(splits, DEMO_FEATURES["features"], None, feat, figures("features_")),
    }
    results = {}
    for key, runner in runners.items():
        t0 = time.perf_counter()
        res = runner()
        res.metrics["seconds"] = time.perf_counter() - t0  # fit + evaluation + plots
        results[key] = res
        save_predictor(run.path / "models" / key, res.predictor, {"method": res.name})
    best = max(results, key=lambda k: results[k].val_accuracy)  # first among equals
    save_predictor(run, results[best].predictor, {"method": results[best].name, "demo_method": best})
    metrics = {
        "best_by_validation": best,
        "methods": {
            k: {
                "method": r.name,
                "val_accuracy": r.val_accuracy,
                "test_accuracy": r.test_accuracy,
                **r.metrics,
            }
            for k, r in results.items()
        },
        "n_train": len(splits.train),
        "n_val": len(splits.val),
        "n_test": len(splits.test),
        "timings_s": {"total": time.perf_counter() - t_start},
    }
    run.write_config(
        {
            "command": "demo",
            **splits.info,
            "knn": {"k": DEMO_KS, "metric": "l2", "folds": 5},
            "linear": DEMO_LINEAR,
            "features": {**DEMO_FEATURES, "features": list(DEMO_FEATURES["features"]), "loss": "softmax"},
        }
    )
    run.write_metrics(metrics)
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
    typer.echo(f"total time: {metrics['timings_s']['total']:.1f} s")
    done(run.path)
    return metrics


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
    def demo(out: Path = OutOpt, seed: int = SeedOpt) -> None:
        """Run the classic pipeline (k-NN, linear SVM, Softmax, features + Softmax) on the embedded digits.

        Needs no files and takes seconds. Prints validation and test accuracy and time per method and
        writes a run directory (default runs/demo-<time>) with metrics, plots and the fitted models.

        Example: visrec demo --out runs/demo
        """
        run_demo(out, seed)
