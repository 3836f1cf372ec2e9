"""The last layer: nearest neighbours in feature space beside pixel space, and 2-D maps of the features by
PCA and t-SNE (van der Maaten & Hinton 2008; scikit-learn's ``TSNE``), with the t-SNE image grid.
"""

from __future__ import annotations

import numpy as np
import torch

from visrec.explain._errors import ParameterError

__all__ = ["feature_vectors", "nearest_neighbors", "embed_2d", "grid_assignment", "image_grid"]


@torch.no_grad()
def feature_vectors(model, images: torch.Tensor, batch: int = 256) -> np.ndarray:
    """Pre-logits features (N, D) of pixels (N, C, H, W) (the vector the classifier's last layer reads)."""
    return torch.cat(
        [model.features(images[i : i + batch]).flatten(1) for i in range(0, len(images), batch)]
    ).numpy()


def nearest_neighbors(
    queries: np.ndarray, bank: np.ndarray, k: int = 5, exclude_self: bool = False
) -> np.ndarray:
    """Indices (Q, k) of the ``k`` L2-nearest rows of ``bank`` (N, D) for each row of ``queries`` (Q, D).

    With ``exclude_self`` the queries are rows of the bank and each one's own row is skipped.
    """
    q, b = np.asarray(queries, np.float64), np.asarray(bank, np.float64)
    d = (q**2).sum(1)[:, None] - 2 * q @ b.T + (b**2).sum(1)[None, :]  # (Q, N)
    if exclude_self:
        np.fill_diagonal(d, np.inf)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def embed_2d(
    features: np.ndarray, method: str = "tsne", seed: int = 0, perplexity: float = 30.0
) -> np.ndarray:
    """(N, D) -> (N, 2) by "pca" or "tsne" (PCA to 50 dimensions first, as van der Maaten recommends)."""
    from sklearn.decomposition import PCA

    x = np.asarray(features, np.float64)
    if method not in ("pca", "tsne"):
        raise ParameterError(f"method (--method) must be 'pca' or 'tsne'; got {method!r}.")
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(x)
    from sklearn.manifold import TSNE

    if x.shape[1] > 50 and len(x) > 50:
        x = PCA(n_components=50, random_state=seed).fit_transform(x)
    perplexity = min(perplexity, max(1.0, (len(x) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)


def grid_assignment(coords: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Place points (N, 2) on a rows x cols grid: each cell takes the nearest unused point (greedy, nearest
    pairs first). Returns (rows, cols) indices into the points, -1 for empty cells."""
    c = np.asarray(coords, np.float64)
    c = (c - c.min(0)) / np.maximum(c.max(0) - c.min(0), 1e-12)
    gy, gx = np.meshgrid(np.linspace(0, 1, rows), np.linspace(0, 1, cols), indexing="ij")
    cells = np.stack([gx.ravel(), 1 - gy.ravel()], 1)  # (rows*cols, 2): x right, y up
    d = ((cells[:, None, :] - c[None, :, :]) ** 2).sum(-1)  # (cells, N)
    out = -np.ones(rows * cols, dtype=np.int64)
    used = np.zeros(len(c), bool)
    for flat in np.argsort(d, axis=None, kind="stable"):
        cell, point = divmod(int(flat), len(c))
        if out[cell] < 0 and not used[point]:
            out[cell], used[point] = point, True
    return out.reshape(rows, cols)


def image_grid(images: np.ndarray, assignment: np.ndarray) -> np.ndarray:
    """uint8 images (N, h, w, C) placed by ``assignment`` (rows, cols) -> one uint8 image (empty: white)."""
    rows, cols = assignment.shape
    n, h, w, c = images.shape
    out = np.full((rows * h, cols * w, c), 255, np.uint8)
    for r in range(rows):
        for q in range(cols):
            if assignment[r, q] >= 0:
                out[r * h : (r + 1) * h, q * w : (q + 1) * w] = images[assignment[r, q]]
    return out
