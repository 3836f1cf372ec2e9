"""The three classic methods as experiments shared by `visrec knn | linear | features` and `visrec demo`.

Each ``run_*`` takes :class:`~visrec.data.run_data.Splits`, fits preprocessing on the training split
only, chooses hyperparameters on validation (k-NN: N-fold cross-validation on the training split, Lecture
2), evaluates the test split once at the end, draws its plots and returns a :class:`MethodResult`.
:func:`write_run` records a finished method in its run directory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from visrec.classic.persist import ClassicPredictor, resize_images, save_predictor
from visrec.data.run_data import Splits
from visrec.utils.errors import ParameterError, TrainingDiverged
from visrec.utils.progress import track
from visrec.utils.validation import check_choice, check_int

METRICS = ("l2", "l1", "cosine")
LOSSES = ("svm", "softmax")
REG_TYPES = ("l2", "l1", "elastic")
FEATURES = ("hog", "color", "bow")


@dataclass
class MethodResult:
    """What a ``run_*`` function returns: the fitted predictor and its numbers."""

    name: str
    predictor: ClassicPredictor
    val_accuracy: float
    test_accuracy: float | None
    fit_seconds: float
    metrics: dict
    plots: list[str] = field(default_factory=list)


@dataclass
class Figures:
    """Where a method draws its plots: ``folder / f"{prefix}{name}.png"`` (``folder`` None: no plots).

    ``val_confusion=False`` skips the validation confusion matrix when there is a test split.
    """

    folder: Path | None = None
    prefix: str = ""
    val_confusion: bool = True

    def path(self, name: str) -> Path:
        return Path(self.folder) / f"{self.prefix}{name}.png"


@dataclass
class LinearSettings:
    """The linear classifier and its search grid: every ``lrs`` x ``regs`` pair is trained."""

    loss: str = "svm"
    lrs: tuple = (1e-7,)
    regs: tuple = (2.5e4,)
    reg_type: str = "l2"
    iters: int = 1500
    batch_size: int = 200
    lr_decay: float = 1.0
    seed: int = 0

    def __post_init__(self):
        check_choice("loss", self.loss, LOSSES)
        check_choice("reg_type", self.reg_type, REG_TYPES)
        self.lrs, self.regs = tuple(float(v) for v in self.lrs), tuple(float(v) for v in self.regs)

    def classifier(self, lr: float, reg: float):
        from visrec.classic import LinearClassifier

        return LinearClassifier(
            loss=self.loss,
            learning_rate=lr,
            reg=reg,
            reg_type=self.reg_type,
            num_iters=self.iters,
            batch_size=self.batch_size,
            lr_decay=self.lr_decay,
            seed=self.seed,
        )

    def chosen(self, clf) -> dict:
        """The hyperparameters of the chosen classifier (for metrics.json and model.json)."""
        return {
            "loss": self.loss,
            "lr": clf.learning_rate,
            "reg": clf.reg,
            "reg_type": self.reg_type,
            "iters": self.iters,
            "batch_size": self.batch_size,
            "lr_decay": self.lr_decay,
        }


def _mean_image():
    from visrec.data.preprocess import MeanImage

    return MeanImage()


def _evaluate(name, predictor, splits, figures: Figures, t_fit, metrics, plots) -> MethodResult:
    """Accuracy on val (and test, once) plus the confusion matrices; fills ``metrics``."""
    from visrec.report import confusion_matrix

    names = predictor.class_names
    val_pred = predictor.predict(splits.val.images)
    val_acc = float(np.mean(val_pred == splits.val.labels))
    test_acc = None
    if figures.folder is not None and (figures.val_confusion or splits.test is None):
        plots.append(
            confusion_matrix(
                splits.val.labels, val_pred, figures.path("confusion_val"), names, title=f"{name}: validation"
            )
        )
    if splits.test is not None:
        test_pred = predictor.predict(splits.test.images)
        test_acc = float(np.mean(test_pred == splits.test.labels))
        if figures.folder is not None:
            plots.append(
                confusion_matrix(
                    splits.test.labels,
                    test_pred,
                    figures.path("confusion_test"),
                    names,
                    title=f"{name}: test",
                )
            )
    metrics.update(val_accuracy=val_acc, test_accuracy=test_acc)
    return MethodResult(name, predictor, val_acc, test_acc, t_fit, metrics, [str(p) for p in plots])


# ----------------------------------------------------------------------------- k-NN
def cross_validate_knn(X, y, ks, metric, folds, seed) -> np.ndarray:
    """Accuracy of k-NN for every k on every fold: ndarray of shape (len(ks), folds).

    Per fold the mean image is fitted on that fold's training part only, and the neighbours are searched
    once for the largest k; every k then votes among its first k of them.
    """
    from visrec.classic import KNearestNeighbor
    from visrec.data.splits import kfold_indices

    fold_idx = kfold_indices(y, folds, seed)
    scores = np.zeros((len(ks), len(fold_idx)))
    for f, (tr, va) in enumerate(track(fold_idx, "cross-validating k")):
        if max(ks) > len(tr):
            raise ParameterError(
                f"k = {max(ks)} exceeds the {len(tr)} training examples of a fold; use smaller --k."
            )
        pre = _mean_image().fit(X[tr])
        knn = KNearestNeighbor(k=max(ks), metric=metric).fit(pre.transform(X[tr]), y[tr])
        _, ind = knn.kneighbors(pre.transform(X[va]), max(ks))  # (M, max k)
        for j, k in enumerate(ks):
            scores[j, f] = np.mean(knn.classes_[knn.votes_of(ind, k).argmax(1)] == y[va])
    return scores


def run_knn(splits: Splits, ks, metric="l2", folds=5, seed=0, figures: Figures | None = None) -> MethodResult:
    """Choose k (N-fold CV on train, or on val when ``folds == 0``), refit on train, evaluate."""
    from visrec import report
    from visrec.classic import KNearestNeighbor

    figures = figures or Figures()
    ks = [check_int("k", k, low=1) for k in ks]
    metric = check_choice("metric", metric, METRICS)
    folds = check_int("folds", folds, low=0)
    if folds == 1:
        raise ParameterError("--folds must be 0 (choose k on the validation split) or at least 2; got 1.")
    if max(ks) > len(splits.train):
        raise ParameterError(f"k = {max(ks)} exceeds the {len(splits.train)} training examples; use smaller --k.")
    t0 = time.perf_counter()
    X = splits.train.flat(np.float32)  # (N, D); float32: k-NN's fast exact path
    y = splits.train.labels
    plots, metrics = [], {"k_candidates": ks, "metric": metric, "folds": folds}
    if folds:
        scores = cross_validate_knn(X, y, ks, metric, folds, seed)  # (P, F)
        metrics["cv"] = {
            "fold_scores": scores.tolist(),
            "mean": scores.mean(1).tolist(),
            "std": scores.std(1).tolist(),
        }
    t_sel = time.perf_counter() - t0
    pre = _mean_image().fit(X)
    Xp = pre.transform(X)
    if not folds:  # choose on the validation split
        Xv = pre.transform(splits.val.flat(np.float32))
        scores = np.array(
            [[KNearestNeighbor(k=k, metric=metric).fit(Xp, y).score(Xv, splits.val.labels)] for k in ks]
        )
        metrics["val_by_k"] = dict(zip(map(str, ks), scores[:, 0].tolist(), strict=True))
    best_k = int(ks[int(np.argmax(scores.mean(1)))])  # first k among equals: the smallest listed
    knn = KNearestNeighbor(k=best_k, metric=metric).fit(Xp, y)
    t_fit = time.perf_counter() - t0
    hp = {"k": best_k, "metric": metric}
    predictor = ClassicPredictor(
        "knn",
        knn,
        splits.train.class_names,
        splits.train.image_shape,
        preprocessor=pre,
        hyperparameters=hp,
        dtype="float32",
    )
    metrics.update(chosen=hp, timings_s={"select": t_sel, "fit": t_fit})
    if figures.folder is not None:
        plots.append(
            report.cv_accuracy_vs_k(
                ks,
                scores,
                figures.path("cv_accuracy_vs_k"),
                title=f"{folds}-fold CV of k ({metric})" if folds else f"validation accuracy vs k ({metric})",
            )
        )
        _, first = np.unique(splits.val.labels, return_index=True)
        q = np.sort(first)[:10]  # one validation image per class (up to 10 rows)
        _, ind = knn.kneighbors(pre.transform(splits.val.flat(np.float32)[q]), min(7, len(y)))  # (rows, k')
        plots.append(
            report.nearest_neighbors(
                splits.val.images[q],
                splits.train.images[ind],
                figures.path("nearest_neighbors"),
                splits.val.labels[q],
                y[ind],
                splits.train.class_names,
                title=f"validation images and their nearest training images ({metric})",
            )
        )
    return _evaluate(f"k-NN (k={best_k}, {metric})", predictor, splits, figures, t_fit, metrics, plots)


# ----------------------------------------------------------------------------- linear classifiers
def search_linear(Xtr, ytr, Xval, yval, settings: LinearSettings):
    """Fit one LinearClassifier per (lr, reg) of ``settings`` and keep the best on validation.

    Returns ``(best classifier, records)`` with one record {lr, reg, train_accuracy, val_accuracy} per pair;
    a diverged pair gets NaN accuracies (and is skipped) instead of stopping the search.
    """
    best, best_acc, records = None, -1.0, []
    grid = [(lr, reg) for lr in settings.lrs for reg in settings.regs]
    for lr, reg in track(grid, f"training {settings.loss} ({len(grid)} settings)"):
        clf = settings.classifier(lr, reg)
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # a diverging setting is expected in a search
                clf.fit(Xtr, ytr)
                tr_acc, va_acc = float(clf.score(Xtr, ytr)), float(clf.score(Xval, yval))
        except TrainingDiverged:
            tr_acc = va_acc = float("nan")
        records.append({"lr": lr, "reg": reg, "train_accuracy": tr_acc, "val_accuracy": va_acc})
        if va_acc > best_acc:
            best, best_acc = clf, va_acc
    if best is None:
        raise TrainingDiverged(
            f"every --lr/--reg setting diverged (loss became NaN/inf): {grid}. Use smaller learning rates."
        )
    return best, records


def run_linear(splits: Splits, settings: LinearSettings, figures: Figures | None = None) -> MethodResult:
    """Linear SVM or Softmax on mean-subtracted pixels; (lr, reg) chosen on validation."""
    from visrec import report

    figures = figures or Figures()
    t0 = time.perf_counter()
    pre = _mean_image().fit(splits.train.flat())
    Xtr, Xval = pre.transform(splits.train.flat()), pre.transform(splits.val.flat())  # (N, D)
    clf, records = search_linear(Xtr, splits.train.labels, Xval, splits.val.labels, settings)
    t_fit = time.perf_counter() - t0
    hp = settings.chosen(clf)
    shape, names = splits.train.image_shape, splits.train.class_names
    predictor = ClassicPredictor("linear", clf, names, shape, preprocessor=pre, hyperparameters=hp)
    metrics = {
        "chosen": hp,
        "search": records,
        "final_loss": float(clf.loss_history_[-1]),
        "timings_s": {"fit": t_fit},
    }
    plots = []
    if figures.folder is not None:
        name = "Softmax" if settings.loss == "softmax" else "SVM"
        plots.append(
            report.linear_templates(
                clf.templates(shape), figures.path("templates"), names, title=f"linear {name} templates"
            )
        )
        plots.append(
            report.loss_curve(clf.loss_history_, figures.path("loss"), title=f"linear {name} training loss")
        )
    return _evaluate(f"linear {settings.loss}", predictor, splits, figures, t_fit, metrics, plots)


def auto_resize(image_shape, features, resize):
    """The (H', W') images are resized to before feature extraction, or None.

    ``resize`` None means automatic: images smaller than 16 px (the 8x8 digits) are upsampled to 32x32,
    because HOG with 8x8-pixel cells (Lecture 3) is degenerate on 8x8 images; 0 means never.
    """
    if resize is None:
        return (32, 32) if min(image_shape[:2]) < 16 and set(features) & {"hog", "bow"} else None
    resize = check_int("resize", resize, low=0)
    return None if resize == 0 else (resize, resize)


def run_features(
    splits: Splits,
    features=("hog", "color"),
    resize=None,
    settings: LinearSettings | None = None,
    figures: Figures | None = None,
) -> MethodResult:
    """Image features (Lecture 3) -> standardization -> linear classifier chosen on val."""
    from visrec import report
    from visrec.classic.features import FeatureExtractor
    from visrec.data.preprocess import Standardize

    settings = settings or LinearSettings(lrs=(1e-2,), regs=(1e-4,))
    figures = figures or Figures()
    features = tuple(check_choice("features", f, FEATURES) for f in features)
    size = auto_resize(splits.train.image_shape, features, resize)
    t0 = time.perf_counter()

    def prep(images):
        return images if size is None else resize_images(images, size)

    fx = FeatureExtractor(features=features)
    Ftr = np.asarray(fx.fit_transform(prep(splits.train.images)), dtype=np.float64)  # (N, D)
    scaler = Standardize().fit(Ftr)
    Fval = scaler.transform(np.asarray(fx.transform(prep(splits.val.images)), dtype=np.float64))
    clf, records = search_linear(
        scaler.transform(Ftr), splits.train.labels, Fval, splits.val.labels, settings
    )
    t_fit = time.perf_counter() - t0
    hp = {"features": list(features), "resize": None if size is None else list(size), **settings.chosen(clf)}
    predictor = ClassicPredictor(
        "features_linear",
        clf,
        splits.train.class_names,
        splits.train.image_shape,
        features=fx,
        scaler=scaler,
        resize=size,
        hyperparameters=hp,
    )
    metrics = {
        "chosen": hp,
        "search": records,
        "feature_dim": int(Ftr.shape[1]),
        "final_loss": float(clf.loss_history_[-1]),
        "timings_s": {"fit": t_fit},
    }
    plots = []
    if figures.folder is not None:
        title = f"{settings.loss} on {'+'.join(features)} features: training loss"
        plots.append(report.loss_curve(clf.loss_history_, figures.path("loss"), title=title))
    name = f"{'+'.join(features)} + {settings.loss}"
    return _evaluate(name, predictor, splits, figures, t_fit, metrics, plots)


# ----------------------------------------------------------------------------- run records
def write_run(run, cfg, splits: Splits, result: MethodResult, t_start: float, settings: dict | None = None) -> None:
    """config.json, metrics.json, history.jsonl (the chosen classifier's loss) and the model of a classic run."""
    run.write_config(cfg, data_fingerprint=splits.fingerprint, extra={"splits": splits.info, **(settings or {})})
    metrics = {
        "method": result.name,
        **result.metrics,
        "n_train": len(splits.train),
        "n_val": len(splits.val),
        "n_test": 0 if splits.test is None else len(splits.test),
        "plots": result.plots,
    }
    metrics.setdefault("timings_s", {})["total"] = time.perf_counter() - t_start
    run.write_metrics(metrics)
    losses = getattr(result.predictor.estimator, "loss_history_", None)
    if losses is not None:  # history.jsonl: the chosen classifier's minibatch loss, about 100 records
        step = max(1, len(losses) // 100)
        for it in range(0, len(losses), step):
            run.append_history({"step": it + 1, "epoch": None, "train_loss": float(losses[it])})
    save_predictor(run, result.predictor, {"method": result.name})


# ----------------------------------------------------------------------------- commands
def _settings(cfg) -> LinearSettings:
    return LinearSettings(cfg.loss, cfg.lr, cfg.reg, cfg.reg_type, cfg.iters, cfg.batch_size, cfg.lr_decay,
                          cfg.seed)


def knn_experiment(cfg):
    """`visrec knn`: load and split ``cfg.data``, choose k, evaluate, write the run. -> (RunDir, result)."""
    from visrec.data.run_data import load_splits
    from visrec.runs import RunDir

    t_start = time.perf_counter()
    splits = load_splits(cfg)
    run = RunDir.open(cfg, "knn")
    result = run_knn(splits, cfg.k, cfg.metric, cfg.folds, cfg.seed, Figures(run.plots))
    write_run(run, cfg, splits, result, t_start)
    return run, result


def linear_experiment(cfg):
    """`visrec linear`: a linear SVM / Softmax on mean-subtracted pixels. -> (RunDir, result)."""
    from visrec.data.run_data import load_splits
    from visrec.runs import RunDir

    t_start = time.perf_counter()
    splits = load_splits(cfg)
    run = RunDir.open(cfg, f"linear-{cfg.loss}")
    result = run_linear(splits, _settings(cfg), Figures(run.plots))
    write_run(run, cfg, splits, result, t_start)
    return run, result


def features_experiment(cfg):
    """`visrec features`: image features -> standardization -> a linear classifier. -> (RunDir, result)."""
    from visrec.data.run_data import load_splits
    from visrec.runs import RunDir

    t_start = time.perf_counter()
    splits = load_splits(cfg)
    run = RunDir.open(cfg, "features")
    result = run_features(splits, cfg.features, cfg.resize, _settings(cfg), Figures(run.plots))
    write_run(run, cfg, splits, result, t_start)
    return run, result
