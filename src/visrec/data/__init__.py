"""Datasets in their real formats, a decode cache, seeded splits and folds, and preprocessing.

Every loader returns an :class:`ImageDataset`: ``images`` uint8 of shape (N, H, W, C), ``labels`` int64 of
shape (N,), and ``class_names``. ``load_dataset(spec)`` detects the format of a folder.
"""

from visrec.data.cache import cache_dir, clear_cache
from visrec.data.cifar import CIFAR10_CLASSES, load_cifar10_binary, load_cifar10_python
from visrec.data.dataset import ImageDataset
from visrec.data.digits import load_digits
from visrec.data.image_folder import decode_image, load_image_folder
from visrec.data.images import read_image
from visrec.data.load import describe_formats, detect_format, load_dataset
from visrec.data.mnist import load_mnist, read_idx
from visrec.data.preprocess import PCA, ChannelMean, MeanImage, Standardize, add_bias_column
from visrec.data.run_data import Splits, load_splits
from visrec.data.safe_pickle import SafeUnpickler, safe_load, safe_loads
from visrec.data.splits import kfold_indices, split_dataset, train_val_test_split

__all__ = [
    "CIFAR10_CLASSES",
    "PCA",
    "ChannelMean",
    "ImageDataset",
    "MeanImage",
    "SafeUnpickler",
    "Standardize",
    "add_bias_column",
    "cache_dir",
    "clear_cache",
    "decode_image",
    "describe_formats",
    "detect_format",
    "load_cifar10_binary",
    "load_cifar10_python",
    "load_dataset",
    "load_digits",
    "load_image_folder",
    "kfold_indices",
    "load_mnist",
    "read_idx",
    "read_image",
    "load_splits",
    "Splits",
    "safe_load",
    "safe_loads",
    "split_dataset",
    "train_val_test_split",
]
