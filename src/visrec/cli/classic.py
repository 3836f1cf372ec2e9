"""`visrec knn | linear | features`: the classic pipeline of Lectures 2-3 from the command line.

Every command: loads ``--data``, makes a seeded stratified train / validation split, fits preprocessing on
the training part only, chooses hyperparameters on validation (k-NN: by N-fold cross-validation on the
training part, Lecture 2 L688-797), refits, evaluates ``--test-data`` once at the very end, and writes a run
directory (config.json, metrics.json, model.safetensors + model.json, plots/). The ``run_*`` functions are
in :mod:`visrec.cli.classic_runs`, shared with ``visrec demo``.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import typer

from visrec.cli.classic_data import (
    FEATURES,
    METRICS,
    cv_table,
    load_splits,
    print_result,
    search_table,
    write_run,
)
from visrec.cli.classic_runs import Figures, LinearSettings, run_features, run_knn, run_linear
from visrec.cli.common import (
    DataOpt,
    OutOpt,
    SeedOpt,
    TestDataOpt,
    ValFracOpt,
    done,
    parse_float_list,
    parse_int_list,
)
from visrec.runs import RunDir
from visrec.utils.validation import check_choice, check_int

LimitOpt = typer.Option(None, "--limit", help="Use a stratified random subsample of N training images.")
LrOpt = typer.Option(
    None, "--lr", help="Learning rate, or a comma list to search (chosen on validation). Default 1e-7."
)
RegOpt = typer.Option(
    None, "--reg", help="Regularization strength, or a comma list to search. Default 2.5e4."
)
RegTypeOpt = typer.Option("l2", "--reg-type", help="l2 | l1 | elastic (Lecture 3, L1697-1701).")
ItersOpt = typer.Option(1500, "--iters", help="SGD iterations.")
BatchOpt = typer.Option(200, "--batch-size", help="Minibatch size.")
DecayOpt = typer.Option(1.0, "--lr-decay", help="Multiply the learning rate by this every epoch.")


def register(app: typer.Typer) -> None:
    """Add ``knn``, ``linear`` and ``features`` to ``app``."""

    @app.command("knn")
    def knn_cmd(
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        k: str = typer.Option("1,3,5,7", "--k", help="k, or a comma list to choose from (e.g. 1,3,5,7,10)."),
        metric: str = typer.Option("l2", "--metric", help="Distance: l2 | l1 | cosine."),
        folds: int = typer.Option(
            5, "--folds", help="Choose k by N-fold CV on the training split; 0: on val."
        ),
        val_fraction: float = ValFracOpt,
        seed: int = SeedOpt,
        limit: int = LimitOpt,
        out: Path = OutOpt,
    ) -> None:
        """k-nearest-neighbour classifier on pixels (Lecture 2), k chosen by cross-validation.

        Example: visrec knn --data digits --k 1,3,5,7 --folds 5 --out runs/knn
        """
        t_start = time.perf_counter()
        ks = [check_int("k", v, low=1) for v in parse_int_list(k, "k")]
        check_choice("metric", metric, METRICS)
        splits = load_splits(data, test_data, val_fraction, seed, limit)
        run = RunDir.create(out, "knn")
        result = run_knn(splits, ks, metric, folds, seed, Figures(run.plots))
        write_run(run, "knn", {"k": ks, "metric": metric, "folds": folds}, splits, result, t_start)
        cv_table(ks, result.metrics)
        print_result(result)
        done(run.path)

    @app.command("linear")
    def linear_cmd(
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        loss: str = typer.Option("svm", "--loss", help="svm (multiclass hinge) | softmax (cross-entropy)."),
        lr: str = LrOpt,
        reg: str = RegOpt,
        reg_type: str = RegTypeOpt,
        iters: int = ItersOpt,
        batch_size: int = BatchOpt,
        lr_decay: float = DecayOpt,
        val_fraction: float = ValFracOpt,
        seed: int = SeedOpt,
        limit: int = LimitOpt,
        out: Path = OutOpt,
    ) -> None:
        """Linear SVM or Softmax classifier on mean-subtracted pixels (Lectures 2-3), trained by SGD.

        Pixels stay in 0..255 minus the mean image, as in the course, so useful learning rates are small
        (default 1e-7, reg 2.5e4 for CIFAR-10; try --lr 1e-7,1e-6 --reg 1e3,2.5e4 to search).

        Example: visrec linear --loss softmax --data digits --lr 1e-7,1e-6 --reg 1e2,1e3
        """
        t_start = time.perf_counter()
        settings = LinearSettings(
            loss,
            parse_float_list(lr or "1e-7", "lr"),
            parse_float_list(reg or "2.5e4", "reg"),
            reg_type,
            iters,
            batch_size,
            lr_decay,
            seed,
        )
        splits = load_splits(data, test_data, val_fraction, seed, limit)
        run = RunDir.create(out, f"linear-{loss}")
        result = run_linear(splits, settings, Figures(run.plots))
        write_run(run, "linear", asdict(settings), splits, result, t_start)
        search_table(result.metrics["search"])
        print_result(result)
        done(run.path)

    @app.command("features")
    def features_cmd(
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        features: str = typer.Option("hog,color", "--features", help="Comma list of hog, color, bow."),
        resize: int = typer.Option(
            None,
            "--resize",
            help="Resize images to SxS first (default: 32 for images "
            "under 16 px, e.g. the 8x8 digits; 0: never).",
        ),
        loss: str = typer.Option("svm", "--loss", help="svm | softmax."),
        lr: str = typer.Option("1e-2", "--lr", help="Learning rate, or a comma list to search."),
        reg: str = typer.Option("1e-4", "--reg", help="Regularization strength, or a comma list to search."),
        reg_type: str = RegTypeOpt,
        iters: int = ItersOpt,
        batch_size: int = BatchOpt,
        lr_decay: float = DecayOpt,
        val_fraction: float = ValFracOpt,
        seed: int = SeedOpt,
        limit: int = LimitOpt,
        out: Path = OutOpt,
    ) -> None:
        """A linear classifier on image features: HOG, colour histogram, bag of words (Lecture 3).

        Features are standardized with statistics of the training split.

        Example: visrec features --data digits --features hog,color --lr 1e-3,1e-2 --reg 1e-4,1e-3
        """
        t_start = time.perf_counter()
        feats = [f.strip() for f in features.split(",") if f.strip()]
        if not feats:
            raise ValueError(f"--features expects a comma list of {FEATURES}; got {features!r}.")
        for f in feats:
            check_choice("features", f, FEATURES)
        settings = LinearSettings(
            loss,
            parse_float_list(lr, "lr"),
            parse_float_list(reg, "reg"),
            reg_type,
            iters,
            batch_size,
            lr_decay,
            seed,
        )
        splits = load_splits(data, test_data, val_fraction, seed, limit)
        run = RunDir.create(out, "features")
        result = run_features(splits, feats, resize, settings, Figures(run.plots))
        write_run(
            run,
            "features",
            {"features": feats, "resize": resize, **asdict(settings)},
            splits,
            result,
            t_start,
        )
        search_table(result.metrics["search"])
        print_result(result)
        done(run.path)
