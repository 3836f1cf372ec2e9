"""The one data entry point of every engine and command: ``load_splits(cfg)``.

It loads ``--data``, optionally subsamples it (``--limit``, stratified), makes the seeded stratified
train / validation split (``--val-fraction`` / ``--val-size``), optionally shrinks training to a seeded
overfitting subset (``--overfit``), and loads and checks ``--test-data`` (channels, image size, class names).

>>> s = load_splits(data="digits", val_fraction=0.2, seed=0)
>>> len(s.train), len(s.val), s.test is None
(1438, 359, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from visrec.data.dataset import ImageDataset
from visrec.utils.errors import DataError, ParameterError
from visrec.utils.validation import check_float, check_int

__all__ = ["Splits", "load_splits", "stratified_subsample", "match_channels"]

SPLIT_KEYS = ("data", "test_data", "val_fraction", "val_size", "limit", "overfit", "seed", "skip_bad")


@dataclass
class Splits:
    """Training / validation (and optional test) parts of a dataset, plus what goes into config.json."""

    train: ImageDataset
    val: ImageDataset
    test: ImageDataset | None
    info: dict = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return self.info["data"]["fingerprint"]

    def items(self):
        """(name, dataset) pairs of the parts that exist."""
        parts = {"train": self.train, "val": self.val, "test": self.test}
        return [(k, v) for k, v in parts.items() if v is not None]


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
    """Convert uint8 images (N, H, W, C') to C channels: RGB -> gray with PIL's "L" formula, gray -> RGB."""
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
    """For an image folder, decode only ceil(limit / K) files per class (then subsample); else None."""
    from visrec.data.image_folder import list_image_folder
    from visrec.data.load import detect_format

    if data is None or str(data) == "digits":
        return None
    kind, folder = detect_format(data)
    if kind != "image-folder":
        return None
    names, _, _ = list_image_folder(folder, limit_per_class=1)
    return -(-limit // max(len(names), 1))


def _options(source, overrides: dict) -> dict:
    """The split options from a config object (any object with the SPLIT_KEYS attributes) or keywords."""
    values = {"data": "digits", "test_data": None, "val_fraction": 0.2, "val_size": None, "limit": None,
              "overfit": 0, "seed": 0, "skip_bad": False, "test_fraction": 0.0}
    if source is not None and not isinstance(source, str | Path):
        values.update({k: getattr(source, k) for k in SPLIT_KEYS if hasattr(source, k)})
    elif source is not None:
        values["data"] = source
    values.update(overrides)
    return values


def load_splits(source=None, **overrides) -> Splits:
    """Load and split the data of a run.

    Parameters
    ----------
    source : a RunConfig (its ``data``, ``test_data``, ``val_fraction``, ``val_size``, ``limit``, ``overfit``,
        ``seed``, ``skip_bad`` are read), or a dataset spec (see :func:`visrec.data.describe_formats`)
    **overrides : any of those keys, and ``test_fraction`` (a test split carved out of ``data``)

    Returns
    -------
    Splits(train, val, test | None, info); ``info`` goes into config.json.
    """
    from visrec.data.load import load_dataset
    from visrec.data.splits import train_val_test_split

    o = _options(source, overrides)
    data, seed = o["data"], o["seed"]
    val_fraction = check_float("val_fraction", o["val_fraction"], low=0.0, high=1.0, closed="left",
                               owner="--val-fraction")
    limit, per_class = o["limit"], None
    if limit is not None:
        limit = check_int("limit", limit, low=10, owner="--limit")
        per_class = _image_folder_quota(data, limit)
    ds = load_dataset(data, skip_bad=o["skip_bad"], limit_per_class=per_class) if per_class else (
        load_dataset(data, skip_bad=o["skip_bad"]))
    if ds.num_classes < 2 or len(np.unique(ds.labels)) < 2:
        raise DataError(
            f"--data {data} has {len(np.unique(ds.labels))} class(es) ({', '.join(map(str, ds.class_names))}); "
            "a classifier needs at least two. Point --data at a folder with one sub-folder per class."
        )
    if limit is not None and limit < len(ds):
        ds = ds.subset(stratified_subsample(ds.labels, limit, seed))
    if val_fraction == 0 and not o["val_size"]:
        raise ParameterError("--val-fraction 0 leaves no validation split; use --val-fraction > 0 or --val-size.")
    tr, va, te = train_val_test_split(ds.labels, val_fraction, o["test_fraction"], seed, val_size=o["val_size"])
    if o["overfit"]:
        n = check_int("overfit", o["overfit"], low=1, owner="--overfit")
        if n > len(tr):
            raise ParameterError(f"--overfit {n} exceeds the {len(tr)} training images; pass a smaller n.")
        tr = va = np.sort(np.random.default_rng(seed).choice(tr, n, replace=False))
    if len(va) == 0:
        raise ParameterError("The validation split is empty; use a larger --val-fraction (or --val-size).")
    test = ds.subset(te) if o["test_fraction"] else None  # a test split carved out of --data (the demo)
    if o["test_data"] is not None:
        test = _load_test(o["test_data"], ds, data, o["skip_bad"])
    info = {
        "data": {"spec": str(data or "digits"), "source": ds.source, "fingerprint": ds.fingerprint,
                 "skipped": ds.extra.get("skipped", 0) if ds.extra else 0},
        "test_data": None if test is None else {
            "spec": str(o["test_data"]), "source": test.source, "fingerprint": test.fingerprint},
        "image_shape": list(ds.image_shape),
        "class_names": list(ds.class_names),
        "n_train": int(len(tr)),
        "n_val": int(len(va)),
        "n_test": 0 if test is None else len(test),
        "val_fraction": val_fraction,
        "val_size": o["val_size"],
        "limit": limit,
        "overfit": o["overfit"],
        "seed": seed,
    }
    return Splits(ds.subset(tr), ds.subset(va), test, info)


def _load_test(test_data, ds: ImageDataset, data, skip_bad: bool) -> ImageDataset:
    """Load --test-data (its "test" split) and check it matches the training data."""
    from visrec.data.load import load_dataset

    test = load_dataset(test_data, split="test", skip_bad=skip_bad)
    if test.image_shape[:2] == ds.image_shape[:2] and test.image_shape[2] != ds.image_shape[2]:
        test = ImageDataset(match_channels(test.images, ds.image_shape[2]), test.labels, test.class_names,
                            test.source, test.fingerprint)
    if test.image_shape != ds.image_shape:
        raise DataError(
            f"--test-data {test_data} has images of shape (H, W, C) = {test.image_shape} but --data images "
            f"are {ds.image_shape}; both must be the same kind of images."
        )
    if list(test.class_names) != list(ds.class_names):
        raise DataError(
            f"--test-data {test_data} has classes {list(test.class_names)} but --data has "
            f"{list(ds.class_names)}; they must be the same, in the same order."
        )
    if test.source == ds.source and test.fingerprint == ds.fingerprint:
        warnings.warn(
            f"--test-data {test_data} is the same data as --data: the 'test' accuracy is measured on "
            "training images and says nothing about generalisation.",
            UserWarning,
            stacklevel=3,
        )
    return test
