"""Multiclass SVM and Softmax losses with their gradients (Lecture 3, L1268-2361), naive and vectorized.

Layout (the slides mix two; we use rows everywhere): ``X`` (N, D) has one example per row, ``W`` (D, K) one
column per class, scores ``S = X @ W`` (N, K). The slides' ``f(x, W) = Wx + b`` with W (K, D) is the same
thing transposed; apply the bias trick by appending a column of ones to X and a row to W.

- SVM (L1312): ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1)``.
- Softmax (L1817, L1974): ``L_i = -log(e^{s_{y_i}} / sum_j e^{s_j})`` (natural log), computed stably by
  subtracting each row's max score first.
- Data loss is the mean over the N examples (L1292); full loss = data loss + reg * R(W) (L1664-1673) with
  ``R = sum W^2`` ("l2", L1697), ``sum |W|`` ("l1", L1699) or ``sum beta W^2 + |W|`` ("elastic", L1701).
  The whole W is regularized (the bias row too, as in the course's bias trick).

Every function returns ``(loss, dW)`` with dW (D, K) the gradient of the loss with respect to W.
"""

from __future__ import annotations

import numpy as np

from visrec.utils.validation import check_choice

__all__ = [
    "REG_TYPES",
    "linear_scores",
    "regularization",
    "softmax_loss_from_scores",
    "softmax_loss_naive",
    "softmax_loss_vectorized",
    "svm_loss_from_scores",
    "svm_loss_naive",
    "svm_loss_vectorized",
]

REG_TYPES = ("l2", "l1", "elastic")


def linear_scores(W, b, x) -> np.ndarray:
    """The slides' ``f(x, W) = W x + b`` (L986, column layout). W (K, D), b (K,), x (D,) -> scores (K,).

    >>> linear_scores([[0.2, -0.5, 0.1, 2.0], [1.5, 1.3, 2.1, 0.0], [0, 0.25, 0.2, -0.3]],
    ...               [1.1, 3.2, -1.2], [56, 231, 24, 2]).round(2).tolist()
    [-96.8, 437.9, 60.75]
    """
    return np.asarray(W, dtype=np.float64) @ np.asarray(x, dtype=np.float64) + np.asarray(b, dtype=np.float64)


def regularization(W: np.ndarray, reg: float, reg_type: str = "l2", beta: float = 0.5):
    """``(reg * R(W), d(reg * R)/dW)`` for R of type "l2", "l1" or "elastic" (beta weights the squared term).

    The L1 subgradient at 0 is taken as 0 (``np.sign``).
    """
    check_choice("reg_type", reg_type, REG_TYPES)
    if reg_type == "l2":
        return reg * np.sum(W * W), 2 * reg * W
    if reg_type == "l1":
        return reg * np.sum(np.abs(W)), reg * np.sign(W)
    return reg * (beta * np.sum(W * W) + np.sum(np.abs(W))), reg * (2 * beta * W + np.sign(W))


def _check(W, X, y):
    W = np.asarray(W, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    if W.ndim != 2 or X.ndim != 2 or y.shape != (len(X),) or X.shape[1] != W.shape[0]:
        raise ValueError(
            "expected W of shape (D, K), X of shape (N, D) and y of shape (N,); got "
            f"W {W.shape}, X {X.shape}, y {y.shape}."
        )
    return W, X, y


# --------------------------------------------------------------------------------------------- SVM
def svm_loss_from_scores(scores, y, delta: float = 1.0) -> np.ndarray:
    """Per-example hinge losses from a score matrix. scores (N, K), y (N,) -> (N,).

    >>> svm_loss_from_scores([[3.2, 5.1, -1.7]], [0]).round(2).tolist()  # the cat image, L1340
    [2.9]
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    rows = np.arange(len(scores))
    margins = np.maximum(0, scores - scores[rows, y][:, None] + delta)  # (N, K)
    margins[rows, y] = 0
    return margins.sum(axis=1)


def svm_loss_naive(W, X, y, reg: float, reg_type: str = "l2", beta: float = 0.5):
    """Multiclass SVM loss and gradient with explicit loops over examples and classes (the reference)."""
    W, X, y = _check(W, X, y)
    N, K = len(X), W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W  # (K,)
        for j in range(K):
            if j == y[i]:
                continue
            margin = scores[j] - scores[y[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss, dW = loss / N, dW / N
    r, dr = regularization(W, reg, reg_type, beta)
    return loss + r, dW + dr


def svm_loss_vectorized(W, X, y, reg: float, reg_type: str = "l2", beta: float = 0.5):
    """Multiclass SVM loss and gradient without loops: one (N, K) margin matrix."""
    W, X, y = _check(W, X, y)
    N = len(X)
    rows = np.arange(N)
    scores = X @ W  # (N, K)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / N
    coef = (margins > 0).astype(np.float64)  # d loss_i / d s_j for j != y_i
    coef[rows, y] = -coef.sum(axis=1)  # d loss_i / d s_{y_i}
    dW = X.T @ coef / N
    r, dr = regularization(W, reg, reg_type, beta)
    return loss + r, dW + dr


# ----------------------------------------------------------------------------------------- Softmax
def softmax_loss_from_scores(scores, y) -> np.ndarray:
    """Per-example cross-entropy losses from a score matrix (natural log). scores (N, K), y (N,) -> (N,).

    >>> softmax_loss_from_scores([[3.2, 5.1, -1.7]], [0]).round(4).tolist()  # L1885: 2.04, not log10's 0.89
    [2.0404]
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    shifted = scores - scores.max(axis=1, keepdims=True)  # stable: the largest exponent is 0
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    return log_norm - shifted[np.arange(len(scores)), y]


def softmax_loss_naive(W, X, y, reg: float, reg_type: str = "l2", beta: float = 0.5):
    """Softmax loss and gradient with an explicit loop over examples (and classes)."""
    W, X, y = _check(W, X, y)
    N, K = len(X), W.shape[1]
    loss, dW = 0.0, np.zeros_like(W)
    for i in range(N):
        scores = X[i] @ W
        scores = scores - scores.max()
        exp = np.exp(scores)
        probs = exp / exp.sum()
        loss -= np.log(probs[y[i]])
        for j in range(K):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]
    loss, dW = loss / N, dW / N
    r, dr = regularization(W, reg, reg_type, beta)
    return loss + r, dW + dr


def softmax_loss_vectorized(W, X, y, reg: float, reg_type: str = "l2", beta: float = 0.5):
    """Softmax loss and gradient without loops: ``dW = X^T (P - onehot(y)) / N``."""
    W, X, y = _check(W, X, y)
    N = len(X)
    rows = np.arange(N)
    scores = X @ W  # (N, K)
    scores -= scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    sum_exp = exp.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(sum_exp[:, 0]) - scores[rows, y])
    probs = exp / sum_exp  # (N, K)
    probs[rows, y] -= 1
    dW = X.T @ probs / N
    r, dr = regularization(W, reg, reg_type, beta)
    return loss + r, dW + dr
