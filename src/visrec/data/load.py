"""One entry point for every dataset: ``load_dataset(spec)`` detects the format from the folder's layout.

>>> ds = load_dataset()            # the embedded scikit-learn digits
>>> ds.images.shape, ds.num_classes
((1797, 8, 8, 1), 10)
"""

from __future__ import annotations

import os
from pathlib import Path

from visrec.data.cifar import load_cifar10_binary, load_cifar10_python
from visrec.data.dataset import ImageDataset
from visrec.data.digits import load_digits
from visrec.data.image_folder import is_image_folder, load_image_folder
from visrec.data.mnist import find_idx_pairs, load_mnist
from visrec.utils.errors import DataError
from visrec.utils.validation import check_choice

FORMATS = {
    "digits": "'digits' (or nothing): scikit-learn's 1,797 8x8 digits, embedded, no download",
    "cifar10-python": "a CIFAR-10 python folder (data_batch_1..5, test_batch, batches.meta), "
    "or a folder containing cifar-10-batches-py/",
    "cifar10-binary": "a CIFAR-10 binary folder (data_batch_1..5.bin, test_batch.bin, batches.meta.txt), "
    "or a folder containing cifar-10-batches-bin/",
    "mnist": "an MNIST folder with <prefix>-images-idx3-ubyte[.gz] and <prefix>-labels-idx1-ubyte[.gz]",
    "image-folder": "an image folder root/<class>/*.jpg|jpeg|png (class names sorted = label order), "
    "or a folder containing train/ and test/ image folders",
}


def describe_formats() -> str:
    """The accepted dataset specs, one per line (for CLI help and error messages)."""
    return "\n".join(f"  - {text}" for text in FORMATS.values())


def detect_format(path: str | os.PathLike, split: str = "train") -> tuple[str, Path]:
    """Return ``(format name, folder to load)`` for a dataset folder, or raise DataError.

    Format names are the keys of :data:`FORMATS`.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(f"Dataset path {path} does not exist. Accepted datasets:\n{describe_formats()}")
    if not path.is_dir():
        raise DataError(
            f"Dataset path {path} is a file; expected a folder. Accepted datasets:\n{describe_formats()}"
        )
    for folder in (path, path / "cifar-10-batches-py", path / "cifar-10-batches-bin"):
        if (folder / "data_batch_1").is_file() or (folder / "test_batch").is_file():
            return "cifar10-python", folder
        if (folder / "data_batch_1.bin").is_file() or (folder / "test_batch.bin").is_file():
            return "cifar10-binary", folder
    if find_idx_pairs(path):
        return "mnist", path
    if (path / split).is_dir() and is_image_folder(path / split):
        return "image-folder", path / split
    if is_image_folder(path):
        return "image-folder", path
    present = [s for s in ("train", "test") if (path / s).is_dir() and is_image_folder(path / s)]
    if present:
        raise DataError(
            f"{path} holds the image-folder split(s) {present} but not {split!r}; pass "
            f"split={present[0]!r} or point to the {split} folder itself."
        )
    raise DataError(
        f"Cannot tell the dataset format of {path}: none of the accepted layouts matches. "
        f"Accepted datasets:\n{describe_formats()}"
    )


def load_dataset(
    spec: str | os.PathLike | None = None,
    *,
    skip_bad: bool = False,
    cache: bool = True,
    split: str = "train",
    limit_per_class: int | None = None,
) -> ImageDataset:
    """Load a dataset by name or path, detecting its format.

    Parameters
    ----------
    spec : None or "digits" for the embedded digits, else a folder (see :func:`describe_formats`)
    skip_bad : image folders only: skip unreadable images with a warning instead of raising
    cache : image folders only: use the on-disk decode cache (:mod:`visrec.data.cache`)
    split : "train" or "test": picks the CIFAR-10 batches (test = test_batch), the MNIST prefix
        (train / t10k), or the train/ or test/ sub-folder of an image-folder root
    limit_per_class : image folders only: keep the first n files of each class (quick experiments)

    Returns
    -------
    ImageDataset with images (N, H, W, C) uint8, labels (N,) int64, class_names, source, fingerprint
    """
    split = check_choice("split", split, ["train", "test"])
    if spec is None or str(spec) == "digits":
        return load_digits()
    kind, folder = detect_format(spec, split)
    if kind != "image-folder" and limit_per_class is not None:
        raise ValueError(f"limit_per_class applies to image folders only; {spec} is {kind}.")
    if kind == "cifar10-python":
        return load_cifar10_python(folder, split)
    if kind == "cifar10-binary":
        return load_cifar10_binary(folder, split)
    if kind == "mnist":
        return load_mnist(folder, split)
    return load_image_folder(folder, skip_bad=skip_bad, cache=cache, limit_per_class=limit_per_class)
