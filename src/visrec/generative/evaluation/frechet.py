"""The Fréchet distance between two Gaussians fitted to feature sets (the formula behind FID).

d^2 = ||mu_1 - mu_2||^2 + Tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))

Tr (S_1 S_2)^(1/2) is computed from symmetric eigendecompositions: with R = S_1^(1/2), S_1 S_2 is similar to
R S_2 R (symmetric, positive semi-definite), so the trace is the sum of the square roots of its
eigenvalues. No complex matrix square root is needed; the tests check it against ``scipy.linalg.sqrtm``.

>>> import numpy as np
>>> f = np.random.default_rng(0).normal(size=(500, 3))
>>> round(frechet_distance_from_features(f, f), 10)
0.0
"""

from __future__ import annotations

import numpy as np

from visrec.generative._errors import ParameterError

__all__ = ["frechet_distance", "frechet_distance_from_features", "trace_sqrt_product"]


def _psd_sqrt(s: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh((s + s.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def trace_sqrt_product(s1: np.ndarray, s2: np.ndarray) -> float:
    """Tr (S_1 S_2)^(1/2) for symmetric positive semi-definite S_1, S_2 of shape (D, D)."""
    r = _psd_sqrt(s1)
    w = np.linalg.eigvalsh(r @ s2 @ r)
    return float(np.sqrt(np.clip(w, 0, None)).sum())


def frechet_distance(mu1, s1, mu2, s2) -> float:
    """d^2 between N(mu1, S1) and N(mu2, S2): mu (D,), S (D, D)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.atleast_2d(np.asarray(s1, np.float64)), np.atleast_2d(np.asarray(s2, np.float64))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (len(mu1), len(mu1)):
        raise ParameterError(
            f"frechet_distance needs mu (D,) and S (D, D) for both sets; got {mu1.shape}, {s1.shape}, "
            f"{mu2.shape}, {s2.shape}."
        )
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt_product(s1, s2))


def frechet_distance_from_features(f1: np.ndarray, f2: np.ndarray) -> float:
    """d^2 between Gaussians fitted (mean, unbiased covariance) to features f1 (N1, D) and f2 (N2, D)."""
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    if f1.ndim != 2 or f2.ndim != 2 or f1.shape[1] != f2.shape[1] or min(len(f1), len(f2)) < 2:
        raise ParameterError(f"Features must be (N, D) with the same D and N >= 2; got {f1.shape}, {f2.shape}.")
    return frechet_distance(f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False))
