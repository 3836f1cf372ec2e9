"""Model ensembles (Lecture 7, L8063-8112): average the predicted class probabilities.

``Ensemble([m1, m2, ...])`` averages independently trained models; ``snapshot_ensemble`` builds one from
parameter snapshots of a single run (e.g. the end of each cosine cycle, SGDR / "snapshot ensembles").
"""

from __future__ import annotations

import copy

import numpy as np


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``scores (N, K)``, shifted by the row max for stability (L6729-6732)."""
    z = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Ensemble:
    """Average ``softmax(model.loss(X))`` over the members.

    Parameters
    ----------
    models : list of models with ``loss(X) -> scores (N, K)``
    weights : optional list of non-negative weights (normalized to sum 1); equal by default
    """

    def __init__(self, models, weights=None):
        if not models:
            raise ValueError("An ensemble needs at least one model; got an empty list.")
        self.models = list(models)
        w = np.ones(len(self.models)) if weights is None else np.asarray(weights, dtype=np.float64)
        if w.shape != (len(self.models),) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"weights must be {len(self.models)} non-negative numbers; got {weights!r}.")
        self.weights = w / w.sum()

    def predict_proba(self, X: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Mean class probabilities ``(N, K)``."""
        probs = [softmax(m.predict_scores(X, batch_size)) for m in self.models]
        return np.tensordot(self.weights, np.stack(probs), axes=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.argmax(self.predict_proba(X), axis=1)


def snapshot_ensemble(model, snapshots: list[dict[str, np.ndarray]]) -> Ensemble:
    """An ensemble of copies of ``model`` carrying each parameter snapshot (a dict like ``model.params``)."""
    members = []
    for snap in snapshots:
        m = copy.deepcopy(model)
        m.load_state_arrays({**m.state_arrays(), **snap})
        members.append(m)
    return Ensemble(members)
