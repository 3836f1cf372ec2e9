"""Optimization strategy #1, "a really bad idea": random search (Lecture 3, L2405-2445).

The slides' loop tries 1000 random ``W = np.random.randn(10, 3073) * 0.0001`` (column layout, the bias trick
included) and keeps the one with the lowest training loss; on CIFAR-10 that gives 15.5% accuracy. In row
layout here: X (N, D) (append a ones column yourself for a bias, or use :class:`RandomSearchClassifier`),
W (D, K). No regularization (the slides evaluate the data loss only).

⚠ The slides keep the best weights as ``bestW`` but then score ``Wbest``; this implementation returns the
best weights it kept (``best_W``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from visrec.classic.linear_loss import softmax_loss_vectorized, svm_loss_vectorized
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["RandomSearchClassifier", "random_search"]


def random_search(X, y, num_tries: int = 1000, scale: float = 1e-4, loss: str = "svm", seed: int = 0, K=None):
    """Try ``num_tries`` random weight matrices and keep the one with the lowest loss on (X, y).

    X : ndarray of shape (N, D); y : int ndarray of shape (N,) in [0, K); K : classes (None: y.max() + 1).
    Returns ``(best_W (D, K), best_loss, history)`` with ``history`` (num_tries,) the loss of every try.
    """
    num_tries = check_int("num_tries", num_tries, low=1)
    scale = check_float("scale", scale, low=0, closed="neither")
    loss_fn = {"svm": svm_loss_vectorized, "softmax": softmax_loss_vectorized}[
        check_choice("loss", loss, ("svm", "softmax"))
    ]
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    K = int(y.max()) + 1 if K is None else int(K)
    rng = np.random.default_rng(seed)
    best_W, best_loss = None, np.inf
    history = np.empty(num_tries)
    for i in range(num_tries):
        W = rng.standard_normal((X.shape[1], K)) * scale  # generate random parameters
        history[i], _ = loss_fn(W, X, y, 0.0)  # the data loss over the training set
        if history[i] < best_loss:  # keep track of the best solution
            best_W, best_loss = W, float(history[i])
    return best_W, best_loss, history


class RandomSearchClassifier(ClassifierMixin, BaseEstimator):
    """A linear classifier whose weights come from :func:`random_search` (bias trick done internally).

    Attributes: ``W_`` (D + 1, K) with the bias last, ``best_loss_``, ``loss_history_`` (num_tries,),
    ``classes_``, ``n_features_in_``.
    """

    def __init__(self, num_tries: int = 1000, scale: float = 1e-4, loss: str = "svm", seed: int = 0):
        self.num_tries = num_tries
        self.scale = scale
        self.loss = loss
        self.seed = seed

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.classifier_tags.poor_score = True  # random weights: the slides' 15.5% on CIFAR-10
        return tags

    def fit(self, X, y):
        """X : array-like of shape (N, D); y : array-like of shape (N,). Returns self."""
        owner = type(self).__name__
        check_int("num_tries", self.num_tries, low=1, owner=owner)
        check_float("scale", self.scale, low=0, owner=owner, closed="neither")
        check_choice("loss", self.loss, ("svm", "softmax"), owner=owner)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        Xb = np.hstack([X, np.ones((len(X), 1))])  # bias trick: (N, D + 1)
        self.W_, self.best_loss_, self.loss_history_ = random_search(
            Xb, y_enc.ravel(), self.num_tries, self.scale, self.loss, self.seed, K=len(self.classes_)
        )
        return self

    def _all_scores(self, X) -> np.ndarray:
        check_is_fitted(self, "W_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.W_[:-1] + self.W_[-1]  # (M, K)

    def decision_function(self, X) -> np.ndarray:
        """Class scores, X (M, D) -> (M, K); for K = 2, s_1 - s_0 of shape (M,) (scikit-learn style)."""
        scores = self._all_scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict(self, X) -> np.ndarray:
        """The class with the highest score, X (M, D) -> (M,)."""
        scores = self._all_scores(X)
        return self.classes_[np.argmax(scores, axis=1)]
