"""The polar feature transform f(x, y) = (r, theta) (Lecture 3, L2859-2879).

Points on two rings around the origin cannot be separated by a line in (x, y); in (r, theta) the classes
differ in r alone, so a linear classifier separates them.
"""

from __future__ import annotations

import numpy as np

from visrec.utils.validation import check_array

__all__ = ["make_rings", "polar_features"]


def polar_features(points) -> np.ndarray:
    """(x, y) -> (r, theta). points : ndarray of shape (N, 2). Returns (N, 2): r >= 0, theta in (-pi, pi]."""
    p = check_array("points", points, ndim=2, shape_doc="(N, 2)", dtype=np.float64)
    if p.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2); got {p.shape}.")
    return np.stack([np.hypot(p[:, 0], p[:, 1]), np.arctan2(p[:, 1], p[:, 0])], axis=1)


def make_rings(n: int = 400, seed: int = 0, radii=(1.0, 2.0), noise: float = 0.15):
    """The toy data of the slide: class 0 on a ring of radius radii[0], class 1 on radii[1], N/2 each.

    Returns ``(points (N, 2), labels (N,))``.
    """
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], [n // 2, n - n // 2])
    r = np.asarray(radii, dtype=np.float64)[y] + noise * rng.standard_normal(n)
    theta = rng.uniform(-np.pi, np.pi, n)
    return np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1), y
