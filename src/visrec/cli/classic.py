"""`visrec knn | linear | features`: the classic pipeline of Lectures 2-3 from the command line.

Every command loads ``--data``, makes a seeded stratified train / validation split, fits preprocessing on
the training part only, chooses hyperparameters on validation (k-NN: by N-fold cross-validation on the
training part), refits, evaluates ``--test-data`` once at the very end, and writes a run directory. The work
is done by :mod:`visrec.classic.experiments`; this module parses, calls and prints.
"""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.cli.common import (
    ConfigOpt,
    DataOpt,
    LimitOpt,
    OutOpt,
    OverwriteOpt,
    SeedOpt,
    SkipBadOpt,
    TestDataOpt,
    ValFracOpt,
    ValSizeOpt,
    config_from_cli,
    done,
    echo_table,
    parse_float_list,
    parse_int_list,
    split_names,
)

RegTypeOpt = typer.Option(None, "--reg-type", help="Regularizer: l2 | l1 | elastic (default l2).")
ItersOpt = typer.Option(None, "--iters", help="SGD iterations (default 1500).")
BatchOpt = typer.Option(None, "--batch-size", help="Minibatch size (default 200).")
DecayOpt = typer.Option(None, "--lr-decay", help="Multiply the learning rate by this every epoch (default 1).")
LossOpt = typer.Option(None, "--loss", help="svm (multiclass hinge, default) | softmax (cross-entropy).")


def _show(value) -> str:
    """A hyperparameter for the result table: 1e-07 not 0.0000, hog+color not ['hog', 'color']."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value) if value else "-"
    return "-" if value is None else str(value)


def print_result(result) -> None:
    rows = [["method", result.name], ["validation accuracy", f"{result.val_accuracy:.4f}"]]
    if result.test_accuracy is not None:
        rows.append(["test accuracy", f"{result.test_accuracy:.4f}"])
    rows += [[f"chosen {k}", _show(v)] for k, v in result.metrics.get("chosen", {}).items()]
    rows.append(["fit time (s)", f"{result.fit_seconds:.2f}"])
    echo_table("result", ["", "value"], rows)


def cv_table(ks, metrics) -> None:
    if "cv" in metrics:
        cv = metrics["cv"]
        rows = [[k, m, s] for k, m, s in zip(ks, cv["mean"], cv["std"], strict=True)]
        echo_table(f"{metrics['folds']}-fold cross-validation", ["k", "mean accuracy", "std"], rows)
    else:
        echo_table(
            "validation accuracy by k", ["k", "accuracy"], [[k, v] for k, v in metrics["val_by_k"].items()]
        )


def search_table(records) -> None:
    if len(records) > 1:
        echo_table(
            "search (chosen on validation)",
            ["lr", "reg", "train acc", "val acc"],
            [[f"{r['lr']:g}", f"{r['reg']:g}", r["train_accuracy"], r["val_accuracy"]] for r in records],
        )


def _floats(text, name):
    return None if text is None else parse_float_list(text, name)


def register(app: typer.Typer) -> None:
    """Add ``knn``, ``linear`` and ``features`` to ``app``."""

    @app.command("knn")
    def knn_cmd(
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        k: str = typer.Option(None, "--k", help="k, or a comma list to choose from (default 1,3,5,7)."),
        metric: str = typer.Option(None, "--metric", help="Distance: l2 (default) | l1 | cosine."),
        folds: int = typer.Option(
            None, "--folds", help="Choose k by N-fold CV on the training split (default 5); 0: on val."
        ),
        val_fraction: float = ValFracOpt,
        val_size: int = ValSizeOpt,
        limit: int = LimitOpt,
        skip_bad: bool = SkipBadOpt,
        seed: int = SeedOpt,
        out: Path = OutOpt,
        overwrite: bool = OverwriteOpt,
        config: Path = ConfigOpt,
    ) -> None:
        """k-nearest-neighbour classifier on pixels (Lecture 2), k chosen by cross-validation.

        Example: visrec knn --k 1,3,5,7 --folds 5 --out runs/knn

        Example: visrec knn --data ../shared/data/cifar10-jpeg/train --limit 5000 --k 1,3,5,7,10 --metric l1
        """
        from visrec.classic.config import KnnConfig
        from visrec.classic.experiments import knn_experiment

        cfg = config_from_cli(
            KnnConfig, config, data=data, test_data=test_data, k=None if k is None else parse_int_list(k, "k"),
            metric=metric, folds=folds, val_fraction=val_fraction, val_size=val_size, limit=limit,
            skip_bad=skip_bad, seed=seed, out=out, overwrite=overwrite,
        )
        run, result = knn_experiment(cfg)
        cv_table(cfg.k, result.metrics)
        print_result(result)
        done(run.path)

    @app.command("linear")
    def linear_cmd(
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        loss: str = LossOpt,
        lr: str = typer.Option(None, "--lr", help="Learning rate, or a comma list to search (default 1e-7)."),
        reg: str = typer.Option(None, "--reg", help="Regularization strength, or a comma list (default 2.5e4)."),
        reg_type: str = RegTypeOpt,
        iters: int = ItersOpt,
        batch_size: int = BatchOpt,
        lr_decay: float = DecayOpt,
        val_fraction: float = ValFracOpt,
        val_size: int = ValSizeOpt,
        limit: int = LimitOpt,
        skip_bad: bool = SkipBadOpt,
        seed: int = SeedOpt,
        out: Path = OutOpt,
        overwrite: bool = OverwriteOpt,
        config: Path = ConfigOpt,
    ) -> None:
        """Linear SVM or Softmax classifier on mean-subtracted pixels (Lectures 2-3), trained by SGD.

        Pixels stay in 0..255 minus the mean image, as in the course, so useful learning rates are small
        (default 1e-7, reg 2.5e4 for CIFAR-10). Every --lr x --reg pair is trained; the best on validation
        is kept.

        Example: visrec linear --loss softmax --lr 1e-7,1e-6 --reg 1e2,1e3

        Example: visrec linear --data ../shared/data/cifar10-jpeg/train --lr 1e-7 --reg 2.5e4
        """
        from visrec.classic.config import LinearConfig
        from visrec.classic.experiments import linear_experiment

        cfg = config_from_cli(
            LinearConfig, config, data=data, test_data=test_data, loss=loss, lr=_floats(lr, "lr"),
            reg=_floats(reg, "reg"), reg_type=reg_type, iters=iters, batch_size=batch_size, lr_decay=lr_decay,
            val_fraction=val_fraction, val_size=val_size, limit=limit, skip_bad=skip_bad, seed=seed, out=out,
            overwrite=overwrite,
        )
        run, result = linear_experiment(cfg)
        search_table(result.metrics["search"])
        print_result(result)
        done(run.path)

    @app.command("features")
    def features_cmd(
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        features: str = typer.Option(None, "--features", help="Comma list of hog, color, bow (default hog,color)."),
        resize: int = typer.Option(
            None, "--resize", help="Resize images to SxS first (default: 32 for images under 16 px, e.g. the "
            "8x8 digits; 0: never).",
        ),
        loss: str = LossOpt,
        lr: str = typer.Option(None, "--lr", help="Learning rate, or a comma list to search (default 1e-2)."),
        reg: str = typer.Option(None, "--reg", help="Regularization strength, or a comma list (default 1e-4)."),
        reg_type: str = RegTypeOpt,
        iters: int = ItersOpt,
        batch_size: int = BatchOpt,
        lr_decay: float = DecayOpt,
        val_fraction: float = ValFracOpt,
        val_size: int = ValSizeOpt,
        limit: int = LimitOpt,
        skip_bad: bool = SkipBadOpt,
        seed: int = SeedOpt,
        out: Path = OutOpt,
        overwrite: bool = OverwriteOpt,
        config: Path = ConfigOpt,
    ) -> None:
        """A linear classifier on image features: HOG, colour histogram, bag of words (Lecture 3).

        Features are standardized with statistics of the training split.

        Example: visrec features --features hog,color --lr 1e-3,1e-2 --reg 1e-4,1e-3
        """
        from visrec.classic.config import FeaturesConfig
        from visrec.classic.experiments import features_experiment

        cfg = config_from_cli(
            FeaturesConfig, config, data=data, test_data=test_data, features=split_names(features),
            resize=resize, loss=loss, lr=_floats(lr, "lr"), reg=_floats(reg, "reg"), reg_type=reg_type,
            iters=iters, batch_size=batch_size, lr_decay=lr_decay, val_fraction=val_fraction,
            val_size=val_size, limit=limit, skip_bad=skip_bad, seed=seed, out=out, overwrite=overwrite,
        )
        run, result = features_experiment(cfg)
        search_table(result.metrics["search"])
        print_result(result)
        done(run.path)
