"""Feature extraction over a set of images, and a scikit-learn transformer for pipelines (Lecture 3).

``Pipeline([("features", FeatureExtractor(("hog", "color"))), ("scale", StandardScaler()),
("svm", LinearSVM(learning_rate=1e-2, reg=1e-4))])`` fits on images (N, H, W, C) directly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from visrec.classic.features.bow import BagOfVisualWords
from visrec.classic.features.color import color_histogram_hsv
from visrec.classic.features.hog import hog_feature
from visrec.utils.progress import track

__all__ = ["FEATURES", "FeatureExtractor", "extract_features"]

FEATURES = ("hog", "color", "bow")


def extract_features(images, feature_fns: Sequence[Callable], progress: bool = True) -> np.ndarray:
    """Apply every function of ``feature_fns`` to every image and concatenate.

    images : ndarray of shape (N, H, W, C); each function maps one (H, W, C) image to a 1-D vector.
    Returns ndarray of shape (N, F) with F the sum of the functions' output lengths.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C); got {images.shape}.")
    if len(images) == 0:
        raise ValueError("images is empty; expected at least one image.")
    first = [np.ravel(fn(images[0])) for fn in feature_fns]
    sizes = np.cumsum([0] + [len(f) for f in first])
    out = np.empty((len(images), sizes[-1]))
    rows = track(range(len(images)), "extracting features") if progress else range(len(images))
    for i in rows:
        for j, fn in enumerate(feature_fns):
            out[i, sizes[j] : sizes[j + 1]] = first[j] if i == 0 else np.ravel(fn(images[i]))
    return out


class FeatureExtractor(TransformerMixin, BaseEstimator):
    """Images (N, H, W, C) -> features (N, F): any of "hog", "color" (hue histogram), "bow", concatenated.

    Parameters
    ----------
    features : tuple of names from ("hog", "color", "bow").
    cell, bins : HOG cell side and orientation bins (8, 9 as on L2890).
    nbin : colour-histogram bins.
    n_words, patch_size, seed : bag-of-words codebook (fit on the training images when "bow" is used).
    progress : show a progress bar.

    Attributes: ``bow_`` (the fitted :class:`BagOfVisualWords`, or None), ``image_shape_`` (H, W, C).
    Grayscale images (C = 1) work; their hue histogram is degenerate (all in bin 0).
    """

    def __init__(
        self,
        features=("hog", "color"),
        cell=8,
        bins=9,
        nbin=10,
        n_words=64,
        patch_size=6,
        seed=0,
        progress=True,
    ):
        self.features = features
        self.cell = cell
        self.bins = bins
        self.nbin = nbin
        self.n_words = n_words
        self.patch_size = patch_size
        self.seed = seed
        self.progress = progress

    def _names(self) -> tuple[str, ...]:
        names = (self.features,) if isinstance(self.features, str) else tuple(self.features)
        bad = [n for n in names if n not in FEATURES]
        if bad or not names:
            raise ValueError(
                f"The 'features' parameter of FeatureExtractor must be a non-empty tuple of names from "
                f"{FEATURES}. Got {self.features!r} instead."
            )
        return names

    def fit(self, images, y=None):
        """Record the image shape; fit the bag-of-words codebook when "bow" is requested. Returns self."""
        names = self._names()
        images = np.asarray(images)
        if images.ndim != 4:
            raise ValueError(f"images must have shape (N, H, W, C); got an array of shape {images.shape}.")
        self.image_shape_ = tuple(int(s) for s in images.shape[1:])
        self.bow_ = None
        if "bow" in names:
            self.bow_ = BagOfVisualWords(self.n_words, self.patch_size, seed=self.seed).fit(images)
        return self

    def transform(self, images) -> np.ndarray:
        """images (N, H, W, C) -> (N, F), the requested features concatenated in the order given."""
        check_is_fitted(self, "image_shape_")
        images = np.asarray(images)
        if images.ndim != 4 or tuple(images.shape[1:]) != self.image_shape_:
            raise ValueError(
                f"images must have shape (N, {', '.join(map(str, self.image_shape_))}) like the images "
                f"seen in fit; got {images.shape}."
            )
        fns = {
            "hog": lambda im: hog_feature(im, self.cell, self.bins),
            "color": lambda im: color_histogram_hsv(im, nbin=self.nbin),
        }
        names = self._names()
        per_image = [fns[n] for n in names if n != "bow"]
        parts = {}
        if per_image:
            parts["per_image"] = extract_features(images, per_image, self.progress)
        if "bow" in names:
            parts["bow"] = self.bow_.transform(images)
        # Reassemble in the requested order.
        out, col = [], 0
        for n in names:
            if n == "bow":
                out.append(parts["bow"])
            else:
                width = len(np.ravel(fns[n](images[0])))
                out.append(parts["per_image"][:, col : col + width])
                col += width
        return np.hstack(out)

    def state(self) -> dict:
        """Parameters (JSON), image shape and the bag-of-words codebook (ndarray) for saving."""
        check_is_fitted(self, "image_shape_")
        state = {**self.get_params(), "features": list(self._names()), "image_shape": list(self.image_shape_)}
        if self.bow_ is not None:
            state["bow_codebook"] = self.bow_.codebook_
            state["bow_n_channels"] = self.bow_.n_channels_
        return state

    @classmethod
    def from_state(cls, state: dict) -> FeatureExtractor:
        state = dict(state)
        shape = tuple(int(s) for s in state.pop("image_shape"))
        codebook = state.pop("bow_codebook", None)
        n_channels = state.pop("bow_n_channels", None)
        state["features"] = tuple(state["features"])
        obj = cls(**state)
        obj.image_shape_ = shape
        obj.bow_ = None
        if codebook is not None:
            bow = BagOfVisualWords(obj.n_words, obj.patch_size, seed=obj.seed)
            bow.codebook_, bow.n_channels_ = np.asarray(codebook, dtype=np.float64), int(n_channels)
            obj.bow_ = bow
        return obj
