"""Bag of visual words (Lecture 3, L2905-2921; Fei-Fei and Perona, CVPR 2005).

Step 1, build a codebook: extract random patches from the training images and cluster them (k-means) into
``n_words`` "visual words". Step 2, encode an image: cut it into patches on a grid, assign each patch to its
nearest word, and count: the feature is the normalized histogram of word counts (N, n_words).

Patches are (C, p, p) windows flattened to C * p * p numbers; each is brightness- and contrast-normalized
(``(v - mean(v)) / sqrt(var(v) + 10)``, values on the 0-255 scale, as in Coates and Ng's k-means features)
so that words describe local shape and colour contrast rather than absolute brightness.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import kmeans_plusplus
from sklearn.utils.validation import check_is_fitted

from visrec.classic.distances import l2_squared_block, squared_norms
from visrec.utils.validation import check_int

__all__ = ["BagOfVisualWords"]


def _check_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C); got an array of shape {images.shape}.")
    return images


def _windows(images: np.ndarray, p: int) -> np.ndarray:
    """All p x p windows as a view: (N, H, W, C) -> (N, H - p + 1, W - p + 1, C, p, p)."""
    if min(images.shape[1:3]) < p:
        raise ValueError(f"patch_size {p} is larger than the images {images.shape[1:3]}; lower patch_size.")
    return sliding_window_view(images, (p, p), axis=(1, 2))


def _normalize(patches: np.ndarray) -> np.ndarray:
    """Brightness/contrast normalization of rows. (P, C*p*p) -> (P, C*p*p) float64."""
    v = patches.astype(np.float64)
    v -= v.mean(axis=1, keepdims=True)
    return v / np.sqrt(v.var(axis=1, keepdims=True) + 10.0)


def kmeans(V: np.ndarray, k: int, seed: int = 0, max_iter: int = 30, tol: float = 1e-4) -> np.ndarray:
    """Lloyd's k-means from a k-means++ start (scikit-learn's ``kmeans_plusplus``). V (P, F) -> (k, F).

    The assignment step is one GEMM per iteration (:func:`l2_squared_block`); an empty cluster keeps its
    centre. Stops when no centre moves by more than ``tol`` times the data's mean squared norm.
    """
    centres, _ = kmeans_plusplus(V, k, random_state=seed)
    v_sq = squared_norms(V)
    scale = tol * float(v_sq.mean() + 1e-12)
    for _ in range(max_iter):
        assign = np.argmin(l2_squared_block(centres, V, v_sq), axis=0)  # (P,)
        counts = np.bincount(assign, minlength=k)
        sums = sparse.csr_matrix((np.ones(len(V)), (assign, np.arange(len(V)))), shape=(k, len(V))) @ V
        new = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)
        shift = float(((new - centres) ** 2).sum(axis=1).max())
        centres = new
        if shift <= scale:
            break
    return centres


class BagOfVisualWords(TransformerMixin, BaseEstimator):
    """k-means codebook of image patches and histogram-of-words encoding.

    Parameters
    ----------
    n_words : int, codebook size (k of k-means).
    patch_size : int, side p of the square patches.
    n_patches : int, random patches used to build the codebook.
    stride : int or None, grid step of the encoding patches (None: patch_size // 2, half-overlapping).
    seed : int, seeds the patch sampling and k-means.

    Attributes: ``codebook_`` (n_words, C * p * p), ``n_channels_``.
    """

    def __init__(self, n_words: int = 64, patch_size: int = 6, n_patches: int = 10000, stride=None, seed=0):
        self.n_words = n_words
        self.patch_size = patch_size
        self.n_patches = n_patches
        self.stride = stride
        self.seed = seed

    def fit(self, images, y=None):
        """Build the codebook from random patches. images : ndarray of shape (N, H, W, C). Returns self."""
        owner = type(self).__name__
        check_int("n_words", self.n_words, low=1, owner=owner)
        p = check_int("patch_size", self.patch_size, low=1, owner=owner)
        check_int("n_patches", self.n_patches, low=self.n_words, owner=owner)
        images = _check_images(images)
        win = _windows(images, p)  # (N, H', W', C, p, p)
        rng = np.random.default_rng(self.seed)
        n, h, w = win.shape[:3]
        pick = (rng.integers(0, n, self.n_patches), rng.integers(0, h, self.n_patches))
        patches = win[pick[0], pick[1], rng.integers(0, w, self.n_patches)]  # (P, C, p, p)
        patches = _normalize(patches.reshape(self.n_patches, -1))
        self.codebook_ = kmeans(patches, self.n_words, seed=self.seed)
        self.n_channels_ = images.shape[3]
        return self

    def transform(self, images) -> np.ndarray:
        """Histogram of nearest words over a grid of patches. images (N, H, W, C) -> (N, n_words)."""
        check_is_fitted(self, "codebook_")
        images = _check_images(images)
        if images.shape[3] != self.n_channels_:
            raise ValueError(
                f"images have {images.shape[3]} channels; the codebook was fit on {self.n_channels_}."
            )
        p = self.patch_size
        s = max(1, p // 2) if self.stride is None else check_int("stride", self.stride, low=1)
        words_sq = squared_norms(self.codebook_)
        out = np.zeros((len(images), self.n_words))
        step = 256
        for start in range(0, len(images), step):
            win = _windows(images[start : start + step], p)[:, ::s, ::s]  # (n, h, w, C, p, p)
            n, h, w = win.shape[:3]
            v = _normalize(win.reshape(n * h * w, -1))  # (n*h*w, C*p*p)
            word = np.argmin(l2_squared_block(v, self.codebook_, words_sq), axis=1).reshape(n, h * w)
            for i in range(n):
                out[start + i] = np.bincount(word[i], minlength=self.n_words)
        return out / out.sum(axis=1, keepdims=True)

    def state(self) -> dict:
        """Parameters (JSON) and the codebook (ndarray), for saving with safetensors."""
        check_is_fitted(self, "codebook_")
        return {**self.get_params(), "codebook": self.codebook_, "n_channels": self.n_channels_}

    @classmethod
    def from_state(cls, state: dict) -> BagOfVisualWords:
        state = dict(state)
        codebook, n_channels = state.pop("codebook"), state.pop("n_channels")
        obj = cls(**state)
        obj.codebook_, obj.n_channels_ = np.asarray(codebook, dtype=np.float64), int(n_channels)
        return obj
