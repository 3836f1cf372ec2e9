"""k-nearest-neighbour classifier (Lecture 2, L367-394 and L602-686), as a scikit-learn estimator.

The slides' ``NearestNeighbor`` memorizes ``Xtr, ytr`` in ``train`` and, in ``predict``, loops over test rows
taking the label of the closest training row (L1). This version is the same idea with k neighbours, a choice
of distance and no Python loop: queries go through :func:`visrec.classic.neighbors.iter_chunked_kneighbors`
in chunks, so memory stays bounded for 10,000 queries against 49,000 CIFAR images.

Tie rules (both match scikit-learn's ``KNeighborsClassifier(algorithm="brute")``):

- *neighbour ties* (several training rows at the k-th distance): the set kept is the one a fixed-size
  max-heap scanning the training rows in index order keeps (scikit-learn's ``heap_push``; exactly its result
  when it scans in order, e.g. with one OpenMP thread; with several threads its choice depends on the
  thread count). Neighbours are returned sorted by distance, equal distances by training index.
- *vote ties* (two classes with the same count): the smallest class label wins (``argmax`` of the counts,
  scipy-``mode`` style).

dtype: float32 training data is the fast path (float32 GEMM with an exact float64 re-check of the candidates,
so the neighbours are those of a float64 computation); uint8/int16 images are stored as float32 (exact).
Everything else is float64.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from visrec.classic.distances import METRICS
from visrec.classic.neighbors import _kneighbors_checked, training_stats
from visrec.utils.validation import check_choice, check_int

__all__ = ["KNearestNeighbor"]

_EXACT_IN_FLOAT32 = (np.uint8, np.int8, np.uint16, np.int16, np.bool_, np.float32)


class KNearestNeighbor(ClassifierMixin, BaseEstimator):
    """Majority vote of the k nearest training rows.

    Parameters
    ----------
    k : int >= 1, number of neighbours that vote (the slides' K; 5-fold CV on CIFAR picks k ~ 7, L797).
    metric : "l2" (Euclidean), "l1" (Manhattan, the slides' choice) or "cosine".
    chunk_size : query rows per distance block; None chooses it from a 256 MB budget.

    Attributes
    ----------
    X_fit_ : ndarray of shape (N, D), the memorized training rows (float32 or float64)
    y_ : ndarray of shape (N,), int64 codes of the training labels into ``classes_``
    classes_ : ndarray of shape (K,), the sorted distinct labels
    n_features_in_ : int, D

    >>> import numpy as np
    >>> knn = KNearestNeighbor(k=1, metric="l1").fit(np.array([[0.0], [10.0]]), np.array(["a", "b"]))
    >>> knn.predict(np.array([[2.0], [9.0]])).tolist()
    ['a', 'b']
    """

    def __init__(self, k: int = 1, metric: str = "l2", chunk_size: int | None = None):
        self.k = k
        self.metric = metric
        self.chunk_size = chunk_size

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    # ------------------------------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Memorize the training data (the slides' ``train``: O(1) work, L589).

        X : array-like of shape (N, D); y : array-like of shape (N,). Returns self.
        """
        owner = type(self).__name__
        check_int("k", self.k, low=1, owner=owner)
        check_choice("metric", self.metric, METRICS, owner=owner)
        if self.chunk_size is not None:
            check_int("chunk_size", self.chunk_size, low=1, owner=owner)
        X, y = validate_data(self, X, y, dtype="numeric")
        check_classification_targets(y)
        self.X_fit_ = _as_float(X)
        self.classes_, self.y_ = np.unique(y, return_inverse=True)
        self.y_ = self.y_.astype(np.int64).ravel()
        self._stats = training_stats(self.X_fit_, self.metric)
        return self

    # -------------------------------------------------------------------------------------- predict
    def kneighbors(self, X, k: int | None = None):
        """Distances and indices of the k nearest training rows of each query.

        X : array-like of shape (M, D). Returns ``(dist, ind)``, both of shape (M, k), sorted by distance.
        """
        check_is_fitted(self)
        k = self.k if k is None else k
        k = check_int("k", k, low=1, owner=type(self).__name__)
        n_fit = len(self.X_fit_)
        if k > n_fit:
            raise ValueError(
                f"Expected k <= n_samples_fit, but k = {k}, n_samples_fit = {n_fit}; lower k or fit on "
                "more training rows."
            )
        X = validate_data(self, X, reset=False, dtype="numeric")
        Xtr = self.X_fit_
        if Xtr.dtype == np.float32 and X.dtype.type in _EXACT_IN_FLOAT32:
            X = np.ascontiguousarray(X, dtype=np.float32)
        else:  # a float64 query against float32 training rows: compute in float64
            X = np.ascontiguousarray(X, dtype=np.float64)
            if Xtr.dtype != np.float64:
                Xtr = Xtr.astype(np.float64)
                stats = training_stats(Xtr, self.metric)
                return _kneighbors_checked(X, Xtr, k, self.metric, self.chunk_size, stats)
        return _kneighbors_checked(X, Xtr, k, self.metric, self.chunk_size, self._stats)

    def _votes(self, X) -> np.ndarray:
        """Vote counts per class, shape (M, K)."""
        _, ind = self.kneighbors(X)
        return self.votes_of(ind)

    def votes_of(self, ind: np.ndarray, k: int | None = None) -> np.ndarray:
        """Vote counts per class, shape (M, K), of the first ``k`` (default all) neighbours ``ind`` (M, k').

        Neighbours come sorted by (distance, index), so the first k of k' >= k are exactly the k nearest:
        cross-validation searches once for the largest k and lets every smaller k vote from that.
        """
        labels = self.y_[ind if k is None else ind[:, :k]]  # (M, k)
        counts = np.zeros((len(labels), len(self.classes_)), dtype=np.int64)
        np.add.at(counts, (np.arange(len(labels))[:, None], labels), 1)
        return counts

    def predict(self, X) -> np.ndarray:
        """Majority label of the k neighbours, ties to the smallest label. X (M, D) -> (M,)."""
        votes = self._votes(X)
        return self.classes_[np.argmax(votes, axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        """Fraction of the k neighbours in each class. X (M, D) -> (M, K), columns ordered as ``classes_``."""
        counts = self._votes(X)
        return counts / counts.sum(axis=1, keepdims=True)


def _as_float(X: np.ndarray) -> np.ndarray:
    """float32 for float32 and small integers (exact), float64 for everything else."""
    dtype = np.float32 if X.dtype.type in _EXACT_IN_FLOAT32 else np.float64
    return np.ascontiguousarray(X, dtype=dtype)
