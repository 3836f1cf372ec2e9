"""Loss layers: each returns ``(loss, dscores)`` in one call (Lecture 3; Lecture 4, L4234-4244, L4297).

All losses are averaged over the N examples of the batch (no regularization: models add it).

- ``softmax_loss``: ``L = -1/N sum_i log softmax(s_i)[y_i]``, computed with ``s - max(s)`` for stability
  (L6729-6732). Equals ``torch.nn.functional.cross_entropy``.
- ``svm_loss``: multiclass hinge ``L = 1/N sum_i sum_{j != y_i} max(0, s_j - s_{y_i} + 1)``. Equals
  K times ``torch.nn.functional.multi_margin_loss`` (which also divides by the number of classes K).
- ``l2_loss``: ``L = 1/(2N) sum_i ||pred_i - target_i||^2`` (half squared error per example, averaged over
  the batch), so ``dpred = (pred - target) / N``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["softmax_loss", "svm_loss", "l2_loss"]


def _check_scores(scores: np.ndarray, y: np.ndarray, name: str):
    if scores.ndim != 2:
        raise ValueError(f"{name} expects scores of shape (N, K); got {scores.shape}.")
    y = np.asarray(y)
    if y.shape != (scores.shape[0],) or y.dtype.kind not in "iu":
        raise ValueError(
            f"{name} expects integer labels y of shape (N,) = ({scores.shape[0]},); "
            f"got {y.dtype} array of shape {y.shape}."
        )
    if y.size and (y.min() < 0 or y.max() >= scores.shape[1]):
        raise ValueError(
            f"{name}: labels must lie in [0, K-1] = [0, {scores.shape[1] - 1}]; "
            f"got values in [{y.min()}, {y.max()}]."
        )
    return y


def softmax_loss(scores: np.ndarray, y: np.ndarray):
    """Softmax (cross-entropy) loss.

    Parameters
    ----------
    scores : ndarray of shape (N, K)
    y : int ndarray of shape (N,), labels in [0, K)

    Returns
    -------
    loss : float
    dscores : ndarray of shape (N, K)
    """
    y = _check_scores(scores, y, "softmax_loss")
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)  # (N, K)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].sum() / N
    dscores = np.exp(log_probs)
    dscores[np.arange(N), y] -= 1
    dscores /= N
    return float(loss), dscores


def svm_loss(scores: np.ndarray, y: np.ndarray, delta: float = 1.0):
    """Multiclass SVM (hinge) loss with margin ``delta``.

    Parameters
    ----------
    scores : ndarray of shape (N, K)
    y : int ndarray of shape (N,)

    Returns
    -------
    loss : float
    dscores : ndarray of shape (N, K)
    """
    y = _check_scores(scores, y, "svm_loss")
    N = scores.shape[0]
    correct = scores[np.arange(N), y][:, None]  # (N, 1)
    margins = np.maximum(0, scores - correct + delta)  # (N, K)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    positive = (margins > 0).astype(scores.dtype)
    dscores = positive
    dscores[np.arange(N), y] = -positive.sum(axis=1)
    dscores /= N
    return float(loss), dscores


def l2_loss(pred: np.ndarray, target: np.ndarray):
    """Half squared error, averaged over the batch: ``sum((pred - target)^2) / (2N)``.

    Parameters
    ----------
    pred, target : ndarrays of the same shape (N, ...)

    Returns
    -------
    loss : float
    dpred : ndarray shaped like pred, ``(pred - target) / N``
    """
    if pred.shape != np.shape(target):
        raise ValueError(
            f"l2_loss expects pred and target of the same shape; got {pred.shape} and {np.shape(target)}."
        )
    N = pred.shape[0]
    diff = pred - target
    return float(0.5 * np.sum(diff * diff) / N), diff / N
