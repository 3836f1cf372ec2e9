"""Data and run records shared by `visrec knn | linear | features | demo`.

``load_splits`` loads ``--data``, optionally subsamples it (stratified), makes the seeded stratified
train / validation (/ test) split and loads ``--test-data``; ``write_run`` writes config.json, metrics.json
and the model of a finished method.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from visrec.classic.persist import ClassicPredictor, save_predictor
from visrec.cli.common import echo_table
from visrec.data.dataset import ImageDataset
from visrec.runs import RunDir
from visrec.utils.errors import DataError
from visrec.utils.validation import check_float, check_int

METRICS = ("l2", "l1", "cosine")
LOSSES = ("svm", "softmax")
REG_TYPES = ("l2", "l1", "elastic")
FEATURES = ("hog", "color", "bow")


# ----------------------------------------------------------------------------- data
@dataclass
class Splits:
    """Training / validation (and optional test) parts of a dataset, plus what goes into config.json."""

    train: object
    val: object
    test: object | None
    info: dict = field(default_factory=dict)


def stratified_subsample(labels: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """Indices of ``limit`` examples with class proportions kept (each class shuffled, then interleaved)."""
    labels = np.asarray(labels)
    perm = np.random.default_rng(seed).permutation(len(labels))
    rank = np.empty(len(labels))
    for c in np.unique(labels):
        members = perm[labels[perm] == c]  # this class in shuffled order
        rank[members] = (np.arange(len(members)) + 0.5) / len(members)
    return np.sort(np.argsort(rank, kind="stable")[:limit])


def match_channels(images: np.ndarray, c: int) -> np.ndarray:
    """Convert uint8 images (N, H, W, C') to C channels: RGB -> gray with PIL's "L" formula, gray -> RGB.

    Image folders always decode to RGB; a grayscale model (the digits) then sees what ``visrec predict``
    and PIL's ``convert("L")`` would give it.
    """
    if images.shape[-1] == c:
        return images
    if c == 1 and images.shape[-1] == 3:
        rgb = images.astype(np.uint32)
        gray = (rgb[..., 0] * 19595 + rgb[..., 1] * 38470 + rgb[..., 2] * 7471 + 0x8000) >> 16  # (N, H, W)
        return gray.astype(np.uint8)[..., None]
    if c == 3 and images.shape[-1] == 1:
        return np.repeat(images, 3, axis=-1)
    raise DataError(f"cannot convert images with {images.shape[-1]} channels to {c}; expected 1 or 3.")


def _image_folder_quota(data, limit: int) -> int | None:
    """For an image folder, decode only ceil(limit / K) files per class (then subsample); else None.

    Decoding 50,000 JPEGs to keep 2,000 would dominate a quick ``--limit`` run.
    """
    from visrec.data.image_folder import list_image_folder
    from visrec.data.load import detect_format

    if data is None or str(data) == "digits":
        return None
    kind, folder = detect_format(data)
    if kind != "image-folder":
        return None
    names, _, _ = list_image_folder(folder, limit_per_class=1)
    return -(-limit // max(len(names), 1))


def load_splits(data, test_data=None, val_fraction=0.2, seed=0, limit=None, test_fraction=0.0) -> Splits:
    """Load ``data`` and split it (seeded, stratified); load ``test_data`` (split "test") when given."""
    from visrec.data.load import load_dataset
    from visrec.data.splits import train_val_test_split

    val_fraction = check_float("val_fraction", val_fraction, low=0.0, high=1.0, closed="neither")
    per_class = None
    if limit is not None:
        limit = check_int("limit", limit, low=10)
        per_class = _image_folder_quota(data, limit)
    ds = load_dataset(data, limit_per_class=per_class) if per_class else load_dataset(data)
    if limit is not None:
        if limit < len(ds):
            ds = ds.subset(stratified_subsample(ds.labels, limit, seed))
    tr, va, te = train_val_test_split(
        ds.labels, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed
    )
    test = ds.subset(te) if test_fraction else None
    if test_data is not None:
        test = load_dataset(test_data, split="test")
        if test.image_shape[:2] == ds.image_shape[:2] and test.image_shape[2] != ds.image_shape[2]:
            test = ImageDataset(
                match_channels(test.images, ds.image_shape[2]),
                test.labels,
                test.class_names,
                test.source,
                test.fingerprint,
            )
        if test.image_shape != ds.image_shape:
            raise DataError(
                f"--test-data images have shape (H, W, C) = {test.image_shape} but --data images have "
                f"{ds.image_shape}; both must be the same kind of images."
            )
        if list(test.class_names) != list(ds.class_names):
            raise DataError(
                f"--test-data classes {test.class_names} differ from --data classes {ds.class_names}; "
                "they must be the same, in the same order."
            )
    info = {
        "data": {"spec": str(data or "digits"), "source": ds.source, "fingerprint": ds.fingerprint},
        "test_data": None
        if test_data is None
        else {"spec": str(test_data), "source": test.source, "fingerprint": test.fingerprint},
        "image_shape": list(ds.image_shape),
        "class_names": list(ds.class_names),
        "n_train": len(tr),
        "n_val": len(va),
        "n_test": 0 if test is None else len(test),
        "val_fraction": val_fraction,
        "test_fraction": test_fraction,
        "limit": limit,
        "seed": seed,
    }
    return Splits(ds.subset(tr), ds.subset(va), test, info)


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


# ----------------------------------------------------------------------------- run records and output
def write_run(
    run: RunDir, command: str, config: dict, splits: Splits, result: MethodResult, t_start: float
) -> None:
    """config.json, metrics.json and the model of one classic run."""
    run.write_config({"command": command, **splits.info, **config})
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
            run.append_history({"step": it + 1, "train_loss": float(losses[it])})
    save_predictor(run, result.predictor, {"method": result.name})


def _show(value) -> str:
    """A hyperparameter for the result table: 1e-07 not 0.0000, hog+color not ['hog', 'color']."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "+".join(str(v) for v in value) if value else "-"
    return "-" if value is None else str(value)


def print_result(result: MethodResult) -> None:
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
