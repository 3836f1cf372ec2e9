"""Layer, instance and group normalization (Lecture 7, L7227-7392): the same normalization as batch norm,
with statistics over different axes and no running averages (identical at train and test).

=================  ===============  ==========================  ===================
norm               x                statistics over             gamma, beta
=================  ===============  ==========================  ===================
layer norm         (N, D...)        all axes but N (per sample)  x.shape[1:]
instance norm      (N, C, H, W)     (H, W) per sample, channel   (C,)
group norm         (N, C, H, W)     (C/G, H, W) per sample, group (C,)
=================  ===============  ==========================  ===================

GroupNorm (Wu & He 2018) is only named in the slides; we use the paper's definition (biased variance).
``*_param`` dicts hold ``eps`` (default 1e-5).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "layernorm_forward",
    "layernorm_backward",
    "instancenorm_forward",
    "instancenorm_backward",
    "groupnorm_forward",
    "groupnorm_backward",
]


def _normalize(x: np.ndarray, axes: tuple[int, ...], eps: float):
    """x_hat = (x - mean) / sqrt(var + eps) over ``axes`` (biased variance)."""
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    inv_std = 1 / np.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    return xc * inv_std, inv_std


def _normalize_backward(dx_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, axes) -> np.ndarray:
    """Closed-form backward of :func:`_normalize`:
    ``inv_std (dx_hat - mean(dx_hat) - x_hat mean(dx_hat x_hat))``."""
    mean_d = dx_hat.mean(axis=axes, keepdims=True)
    mean_dx = (dx_hat * x_hat).mean(axis=axes, keepdims=True)
    return inv_std * (dx_hat - mean_d - x_hat * mean_dx)


def _channel_view(p: np.ndarray, C: int, name: str) -> np.ndarray:
    if p.shape != (C,):
        raise ValueError(f"{name} must have shape (C,) = ({C},); got {p.shape}.")
    return p.reshape(1, C, 1, 1)


def layernorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict | None = None):
    """Layer normalization (Ba et al. 2016): statistics per sample over all its features.

    Parameters
    ----------
    x : ndarray of shape (N, D) (or (N, d1, ..., dk))
    gamma, beta : ndarrays of shape x.shape[1:]
    ln_param : dict with "eps" (default 1e-5)

    Returns
    -------
    out : ndarray shaped like x
    cache
    """
    if gamma.shape != x.shape[1:] or beta.shape != x.shape[1:]:
        raise ValueError(
            f"layernorm expects gamma and beta of shape x.shape[1:] = {x.shape[1:]}; "
            f"got {gamma.shape} and {beta.shape}."
        )
    eps = (ln_param or {}).get("eps", 1e-5)
    axes = tuple(range(1, x.ndim))
    x_hat, inv_std = _normalize(x, axes, eps)
    return gamma * x_hat + beta, (x_hat, inv_std, gamma, axes)


def layernorm_backward(dout: np.ndarray, cache):
    """Returns dx (shape of x), dgamma, dbeta (shape x.shape[1:])."""
    x_hat, inv_std, gamma, axes = cache
    dgamma = (dout * x_hat).sum(axis=0)
    dbeta = dout.sum(axis=0)
    dx = _normalize_backward(dout * gamma, x_hat, inv_std, axes)
    return dx, dgamma, dbeta


def instancenorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, in_param: dict | None = None):
    """Instance normalization (Ulyanov et al. 2016): statistics per sample and channel over (H, W).

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    gamma, beta : ndarrays of shape (C,)
    in_param : dict with "eps" (default 1e-5)
    """
    return groupnorm_forward(x, gamma, beta, x.shape[1] if x.ndim == 4 else 1, in_param)


def instancenorm_backward(dout: np.ndarray, cache):
    """Returns dx (N, C, H, W), dgamma (C,), dbeta (C,)."""
    return groupnorm_backward(dout, cache)


def groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int, gn_param: dict | None = None
):
    """Group normalization: channels split into G groups, statistics per sample and group over
    (C/G, H, W). G = 1 is layer norm over (C, H, W); G = C is instance norm.

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    gamma, beta : ndarrays of shape (C,), per-channel scale and shift
    G : int, number of groups; must divide C
    gn_param : dict with "eps" (default 1e-5)

    Returns
    -------
    out : ndarray of shape (N, C, H, W)
    cache
    """
    if x.ndim != 4:
        raise ValueError(f"group/instance norm expects x of shape (N, C, H, W); got {x.shape}.")
    N, C, H, W = x.shape
    if G < 1 or C % G != 0:
        raise ValueError(
            f"group norm needs G dividing C = {C}; got G = {G}. Try G in "
            f"{[g for g in range(1, C + 1) if C % g == 0]}."
        )
    g, b = _channel_view(gamma, C, "gamma"), _channel_view(beta, C, "beta")
    eps = (gn_param or {}).get("eps", 1e-5)
    xg = x.reshape(N, G, C // G, H, W)  # (N, G, C/G, H, W)
    xg_hat, inv_std = _normalize(xg, (2, 3, 4), eps)
    x_hat = xg_hat.reshape(N, C, H, W)
    return g * x_hat + b, (xg_hat, inv_std, g, G)


def groupnorm_backward(dout: np.ndarray, cache):
    """Returns dx (N, C, H, W), dgamma (C,), dbeta (C,)."""
    xg_hat, inv_std, g, G = cache
    N, C, H, W = dout.shape
    x_hat = xg_hat.reshape(N, C, H, W)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3))
    dbeta = dout.sum(axis=(0, 2, 3))
    dxg_hat = (dout * g).reshape(N, G, C // G, H, W)
    dx = _normalize_backward(dxg_hat, xg_hat, inv_std, (2, 3, 4)).reshape(N, C, H, W)
    return dx, dgamma, dbeta
