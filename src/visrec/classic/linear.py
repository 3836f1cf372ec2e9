"""Linear classifiers trained by minibatch SGD (Lectures 2-3): multiclass SVM and Softmax.

``f(x, W) = W x + b`` (L986) in row layout: scores ``[X, 1] @ W_`` with ``W_`` of shape (D + 1, K), the last
row being the bias (the bias trick, done internally). Training is the slides' minibatch SGD (L2800-2823):
sample ``batch_size`` indices *with replacement* (as the course's assignment does), evaluate the vectorized
loss and gradient, step ``W -= learning_rate * dW``; after every epoch (N / batch_size steps) the learning
rate is multiplied by ``lr_decay``.

Defaults are the course's values for mean-subtracted raw CIFAR pixels (learning_rate 1e-7, reg 2.5e4). For
standardized features (unit scale) use a learning rate around 1e-2 and a small reg (e.g. 1e-4).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from visrec.classic.linear_loss import REG_TYPES, softmax_loss_vectorized, svm_loss_vectorized
from visrec.utils.errors import TrainingDiverged
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["LOSSES", "LinearClassifier", "LinearSVM", "Softmax"]

LOSSES = ("softmax", "svm")
_LOSS_FNS = {"softmax": softmax_loss_vectorized, "svm": svm_loss_vectorized}


class LinearClassifier(ClassifierMixin, BaseEstimator):
    """A linear classifier ``scores = X W + b`` with the multiclass SVM or the Softmax loss.

    Parameters
    ----------
    loss : "softmax" (cross-entropy, L1974) or "svm" (multiclass hinge, L1312).
    learning_rate : float > 0, SGD step size.
    reg : float >= 0, regularization strength (lambda, L1664).
    reg_type : "l2", "l1" or "elastic" (``beta * sum W^2 + sum |W|``, L1701).
    beta : float >= 0, weight of the squared term of the elastic net.
    num_iters : int >= 1, SGD steps.
    batch_size : int >= 1, examples per step (sampled with replacement).
    lr_decay : float in (0, 1], learning-rate multiplier applied after each epoch.
    seed : int, seeds the weight init (0.001 * randn) and the batch sampling.
    verbose : bool, print the loss every 100 steps.

    Attributes
    ----------
    W_ : ndarray of shape (D + 1, K), weights with the bias as the last row
    classes_ : ndarray of shape (K,), the sorted distinct labels
    loss_history_ : ndarray of shape (num_iters,), minibatch loss at every step
    n_features_in_ : int, D
    """

    def __init__(
        self,
        loss: str = "softmax",
        learning_rate: float = 1e-7,
        reg: float = 2.5e4,
        reg_type: str = "l2",
        beta: float = 0.5,
        num_iters: int = 1500,
        batch_size: int = 200,
        lr_decay: float = 1.0,
        seed: int = 0,
        verbose: bool = False,
    ):
        self.loss = loss
        self.learning_rate = learning_rate
        self.reg = reg
        self.reg_type = reg_type
        self.beta = beta
        self.num_iters = num_iters
        self.batch_size = batch_size
        self.lr_decay = lr_decay
        self.seed = seed
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags

    def _validate_params(self) -> None:
        owner = type(self).__name__
        check_choice("loss", self.loss, LOSSES, owner=owner)
        check_float("learning_rate", self.learning_rate, low=0, owner=owner, closed="neither")
        check_float("reg", self.reg, low=0, owner=owner)
        check_choice("reg_type", self.reg_type, REG_TYPES, owner=owner)
        check_float("beta", self.beta, low=0, owner=owner)
        check_int("num_iters", self.num_iters, low=1, owner=owner)
        check_int("batch_size", self.batch_size, low=1, owner=owner)
        check_float("lr_decay", self.lr_decay, low=0, high=1, owner=owner, closed="right")
        check_int("seed", self.seed, low=0, owner=owner)

    def fit(self, X, y):
        """Train by minibatch SGD. X : array-like of shape (N, D); y : array-like (N,). Returns self."""
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        y_enc = y_enc.ravel()
        N, D = X.shape
        K = len(self.classes_)
        rng = np.random.default_rng(self.seed)
        W = 0.001 * rng.standard_normal((D + 1, K))  # small random init (the course's 0.001 * randn)
        loss_fn = _LOSS_FNS[self.loss]
        lr = self.learning_rate
        steps_per_epoch = max(N // self.batch_size, 1)
        history = np.empty(self.num_iters)
        for it in range(self.num_iters):
            idx = rng.integers(0, N, size=self.batch_size)  # with replacement
            X_batch = np.hstack([X[idx].astype(np.float64), np.ones((len(idx), 1))])  # bias trick: (B, D+1)
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported just below
                loss, dW = loss_fn(W, X_batch, y_enc[idx], self.reg, self.reg_type, self.beta)
            if not np.isfinite(loss):
                raise TrainingDiverged(
                    f"{type(self).__name__} diverged at step {it} (loss {loss}) with learning_rate="
                    f"{self.learning_rate} and reg={self.reg}; lower the learning rate (or reg), or "
                    "standardize X."
                )
            history[it] = loss
            W -= lr * dW
            if (it + 1) % steps_per_epoch == 0:
                lr *= self.lr_decay
            if self.verbose and it % 100 == 0:
                print(f"iteration {it} / {self.num_iters}: loss {loss:f}")
        self.W_ = W
        self.loss_history_ = history
        return self

    def decision_function(self, X) -> np.ndarray:
        """Class scores. X (M, D) -> (M, K); for K = 2, scikit-learn's convention: s_1 - s_0 of shape (M,)."""
        check_is_fitted(self, "W_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        W = np.asarray(self.W_, dtype=np.float64)
        scores = np.empty((len(X), W.shape[1]))
        for s in range(0, len(X), 4096):  # chunks keep a float32 X from being copied whole to float64
            scores[s : s + 4096] = X[s : s + 4096] @ W[:-1] + W[-1]
        if W.shape[1] == 2:
            return scores[:, 1] - scores[:, 0]
        return scores

    def _scores(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:  # binary: rebuild (M, 2) scores with the same differences
            scores = np.stack([np.zeros_like(scores), scores], axis=1)
        return scores

    def predict(self, X) -> np.ndarray:
        """The class with the highest score. X (M, D) -> (M,)."""
        scores = self._scores(X)
        return np.asarray(self.classes_)[np.argmax(scores, axis=1)]

    def _is_softmax(self) -> bool:
        return self.loss == "softmax"

    @available_if(_is_softmax)
    def predict_proba(self, X) -> np.ndarray:
        """Softmax probabilities (only for ``loss="softmax"``; SVM scores are not calibrated: use
        ``decision_function``). X (M, D) -> (M, K)."""
        scores = self._scores(X)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def templates(self, image_shape) -> np.ndarray:
        """The learned weights viewed as one image per class (L978, 1044), rescaled to [0, 255].

        image_shape : (H, W, C) with H * W * C = D. Returns float ndarray of shape (K, H, W, C); the bias row
        is dropped and each class template is min-max rescaled on its own.
        """
        check_is_fitted(self, "W_")
        W = np.asarray(self.W_)[:-1]  # (D, K)
        if int(np.prod(image_shape)) != W.shape[0]:
            raise ValueError(
                f"image_shape {tuple(image_shape)} has {int(np.prod(image_shape))} values but the model has "
                f"D = {W.shape[0]} weights per class; pass the (H, W, C) of the training images."
            )
        T = W.T.reshape(W.shape[1], *image_shape)  # (K, H, W, C)
        lo = T.min(axis=tuple(range(1, T.ndim)), keepdims=True)
        hi = T.max(axis=tuple(range(1, T.ndim)), keepdims=True)
        return 255.0 * (T - lo) / np.maximum(hi - lo, 1e-12)


class _FixedLoss(LinearClassifier):
    """A :class:`LinearClassifier` whose ``loss`` is a class attribute, not a parameter."""

    def __init__(
        self,
        learning_rate: float = 1e-7,
        reg: float = 2.5e4,
        reg_type: str = "l2",
        beta: float = 0.5,
        num_iters: int = 1500,
        batch_size: int = 200,
        lr_decay: float = 1.0,
        seed: int = 0,
        verbose: bool = False,
    ):
        self.learning_rate = learning_rate
        self.reg = reg
        self.reg_type = reg_type
        self.beta = beta
        self.num_iters = num_iters
        self.batch_size = batch_size
        self.lr_decay = lr_decay
        self.seed = seed
        self.verbose = verbose


class LinearSVM(_FixedLoss):
    """:class:`LinearClassifier` with the multiclass SVM loss (``loss`` fixed to "svm")."""

    loss = "svm"


class Softmax(_FixedLoss):
    """:class:`LinearClassifier` with the Softmax (cross-entropy) loss (``loss`` fixed to "softmax")."""

    loss = "softmax"
