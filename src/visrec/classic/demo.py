"""`visrec demo`: the whole classic pipeline (k-NN, linear SVM, Softmax, HOG + Softmax) on the digits.

Needs no files and takes seconds: the first thing a new user runs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from visrec.classic.experiments import Figures, LinearSettings, run_features, run_knn, run_linear
from visrec.runs.config import RunConfig

__all__ = ["run_demo", "DEMO_KS", "DEMO_LINEAR", "DEMO_FEATURES"]

DEMO_KS = [1, 3, 5, 7, 9]
DEMO_LINEAR = {"lrs": [1e-6, 1e-5], "regs": [1e2, 1e3], "iters": 1000, "batch_size": 200}
DEMO_FEATURES = {
    "features": ("hog",),
    "lrs": [1e-2, 1e-1],
    "regs": [1e-4, 1e-2],
    "iters": 1000,
    "batch_size": 200,
}


def run_demo(out: str | Path | None = None, seed: int = 0, overwrite: bool = False):
    """Run the four methods on the digits and write the run directory.

    Returns ``(run, results, splits, best)``: the RunDir, ``{key: MethodResult}``, the Splits and the key of
    the method that was best on validation (its model is saved at the top of the run directory).
    """
    from visrec import report
    from visrec.classic.persist import save_predictor
    from visrec.data.run_data import load_splits
    from visrec.runs import RunDir

    t_start = time.perf_counter()
    splits = load_splits("digits", val_fraction=0.2, seed=seed, test_fraction=0.2)
    run = RunDir.create(out, "demo", overwrite=overwrite)
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
    settings = {
        "knn": {"k": DEMO_KS, "metric": "l2", "folds": 5},
        "linear": DEMO_LINEAR,
        "features": {**DEMO_FEATURES, "features": list(DEMO_FEATURES["features"]), "loss": "softmax"},
    }
    cfg = RunConfig(data="digits", seed=seed, out=str(run.path))
    run.write_config(cfg, data_fingerprint=splits.fingerprint, extra={"command": "demo", "splits": splits.info,
                                                                      "methods": settings})
    run.write_metrics(metrics)
    return run, results, splits, best
