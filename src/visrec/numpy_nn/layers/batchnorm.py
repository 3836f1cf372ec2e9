"""Batch normalization (Ioffe & Szegedy 2015; Lecture 6, L6320-6436; Lecture 7, L7227-7392).

Training: per-feature mean and *biased* variance over the minibatch, ``x_hat = (x - mu)/sqrt(var + eps)``,
``y = gamma x_hat + beta``; running averages ``running = momentum * running + (1 - momentum) * batch``
are updated in ``bn_param`` (momentum 0.9 here is momentum 0.1 in PyTorch's convention; unlike PyTorch we
also store the biased variance in ``running_var``). Test: normalize with the running averages.

``bn_param`` is a dict owned by the caller and updated in place:
``{"mode": "train" | "test", "eps": 1e-5, "momentum": 0.9, "running_mean": (D,), "running_var": (D,)}``;
missing running statistics start at mean 0 and variance 1.

Spatial batch norm (conv layers): ``x (N, C, H, W)`` with statistics per channel over (N, H, W).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_backward",
]


def _settings(bn_param: dict, D: int, dtype):
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f"bn_param['mode'] must be 'train' or 'test'; got {mode!r}.")
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    bn_param.setdefault("running_mean", np.zeros(D, dtype=dtype))
    bn_param.setdefault("running_var", np.ones(D, dtype=dtype))
    return mode, eps, momentum


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Batch normalization forward pass.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma, beta : ndarrays of shape (D,), scale and shift
    bn_param : dict (see module docstring), running statistics updated in place in train mode

    Returns
    -------
    out : ndarray of shape (N, D)
    cache : tuple for :func:`batchnorm_backward` / :func:`batchnorm_backward_alt`
    """
    if x.ndim != 2 or gamma.shape != (x.shape[1],) or beta.shape != (x.shape[1],):
        raise ValueError(
            f"batchnorm expects x (N, D), gamma (D,), beta (D,); got x {x.shape}, gamma {gamma.shape}, "
            f"beta {beta.shape}. For (N, C, H, W) inputs use spatial_batchnorm_forward."
        )
    mode, eps, momentum = _settings(bn_param, x.shape[1], x.dtype)
    if mode == "train":
        mu = x.mean(axis=0)  # (D,)
        xc = x - mu  # (N, D)
        var = (xc * xc).mean(axis=0)  # (D,) biased
        std = np.sqrt(var + eps)
        x_hat = xc / std
        bn_param["running_mean"] = momentum * bn_param["running_mean"] + (1 - momentum) * mu
        bn_param["running_var"] = momentum * bn_param["running_var"] + (1 - momentum) * var
    else:
        std = np.sqrt(np.asarray(bn_param["running_var"], dtype=x.dtype) + eps)  # float32 stays float32
        xc = x - np.asarray(bn_param["running_mean"], dtype=x.dtype)
        x_hat = xc / std
    out = gamma * x_hat + beta
    return out, (mode, x_hat, xc, std, gamma)


def batchnorm_backward(dout: np.ndarray, cache):
    """Backward pass through the staged computational graph of the forward pass, node by node.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma, dbeta : ndarrays of shape (D,)
    """
    mode, x_hat, xc, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if mode == "test":
        return dx_hat / std, dgamma, dbeta
    N = dout.shape[0]
    dxc = dx_hat / std  # x_hat = xc * (1/std): branch 1
    dstd = -(dx_hat * xc).sum(axis=0) / std**2  # branch 2 through 1/std
    dvar = 0.5 * dstd / std  # std = sqrt(var + eps)
    dxc += 2 * xc * dvar / N  # var = mean(xc^2); the two branches into xc add up
    dmu = -dxc.sum(axis=0)  # xc = x - mu
    dx = dxc + dmu / N  # mu = mean(x)
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout: np.ndarray, cache):
    """Same gradients as :func:`batchnorm_backward` from the simplified closed form
    ``dx = gamma / (N std) * (N dout - sum(dout) - x_hat * sum(dout * x_hat))``."""
    mode, x_hat, xc, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    if mode == "test":
        return dout * gamma / std, dgamma, dbeta
    N = dout.shape[0]
    dx = (gamma / (N * std)) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict):
    """Batch norm for conv activations: statistics per channel over (N, H, W).

    Parameters
    ----------
    x : ndarray of shape (N, C, H, W)
    gamma, beta : ndarrays of shape (C,)
    bn_param : as for :func:`batchnorm_forward`, with running statistics of shape (C,)

    Returns
    -------
    out : ndarray of shape (N, C, H, W)
    cache
    """
    if x.ndim != 4:
        raise ValueError(f"spatial_batchnorm expects x of shape (N, C, H, W); got {x.shape}.")
    N, C, H, W = x.shape
    x_rows = x.transpose(0, 2, 3, 1).reshape(-1, C)  # (N*H*W, C)
    out_rows, cache = batchnorm_forward(x_rows, gamma, beta, bn_param)
    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N, C, H, W)
    return out, cache


def spatial_batchnorm_backward(dout: np.ndarray, cache):
    """Returns dx (N, C, H, W), dgamma (C,), dbeta (C,)."""
    N, C, H, W = dout.shape
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, C)  # (N*H*W, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(dout_rows, cache)
    dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)  # (N, C, H, W)
    return dx, dgamma, dbeta
