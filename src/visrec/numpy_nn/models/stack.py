"""A sequential network described by a list of layer specs, run with the layer pairs of ``layers/``.

Every model in this package is a thin description on top of this file: it builds ``params`` and a
``spec`` list, and ``forward`` / ``backward`` here walk the list, keeping each pair's cache.

Spec entries (``i`` names parameters ``W{i}``, ``b{i}``, ``gamma{i}``, ``beta{i}``)::

    ("affine", i)                 x (N, ...) -> (N, M)
    ("conv", i, stride, pad)      x (N, C, H, W) -> (N, F, H', W')
    ("batchnorm", i)              (N, D), running statistics in norm_params[i]
    ("spatial_batchnorm", i)      (N, C, H, W), running statistics in norm_params[i]
    ("layernorm", i)              (N, D)
    ("act", name)                 relu | leaky_relu | tanh | sigmoid | elu
    ("pool", size, stride)        2x2 max pool by default
    ("dropout", p_keep)           inverted dropout (keep probability, Lecture 7 L8393)
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers import activations as A
from visrec.numpy_nn.layers.affine import affine_backward, affine_forward
from visrec.numpy_nn.layers.batchnorm import (
    batchnorm_backward,
    batchnorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from visrec.numpy_nn.layers.conv import conv_backward_fast, conv_forward_fast
from visrec.numpy_nn.layers.dropout import dropout_backward, dropout_forward
from visrec.numpy_nn.layers.norms import layernorm_backward, layernorm_forward
from visrec.numpy_nn.layers.pool import max_pool_backward_fast, max_pool_forward_fast

ACTIVATIONS = {
    "relu": (A.relu_forward, A.relu_backward),
    "leaky_relu": (A.leaky_relu_forward, A.leaky_relu_backward),
    "tanh": (A.tanh_forward, A.tanh_backward),
    "sigmoid": (A.sigmoid_forward, A.sigmoid_backward),
    "elu": (A.elu_forward, A.elu_backward),
}


def forward(spec, params, norm_params, x, mode, seeds):
    """Run ``spec`` on ``x``; return ``(out, caches)``. ``seeds`` yields one seed per dropout layer."""
    caches = []
    for layer in spec:
        kind = layer[0]
        if kind == "affine":
            i = layer[1]
            x, c = affine_forward(x, params[f"W{i}"], params[f"b{i}"])
        elif kind == "conv":
            i, stride, pad = layer[1:]
            x, c = conv_forward_fast(x, params[f"W{i}"], params[f"b{i}"], {"stride": stride, "pad": pad})
        elif kind in ("batchnorm", "spatial_batchnorm"):
            i = layer[1]
            bn = norm_params[i]
            bn["mode"] = mode
            fn = batchnorm_forward if kind == "batchnorm" else spatial_batchnorm_forward
            x, c = fn(x, params[f"gamma{i}"], params[f"beta{i}"], bn)
        elif kind == "layernorm":
            i = layer[1]
            x, c = layernorm_forward(x, params[f"gamma{i}"], params[f"beta{i}"], norm_params[i])
        elif kind == "act":
            x, c = ACTIVATIONS[layer[1]][0](x)
        elif kind == "pool":
            size, stride = layer[1:]
            x, c = max_pool_forward_fast(x, {"pool_height": size, "pool_width": size, "stride": stride})
        elif kind == "dropout":
            x, c = dropout_forward(x, layer[1], mode, next(seeds) if mode == "train" else None)
        else:  # pragma: no cover - specs are built by this package
            raise AssertionError(f"unknown layer kind {kind!r}")
        caches.append(c)
    return x, caches


def backward(spec, dout, caches):
    """Walk ``spec`` in reverse from ``dout``; return the gradient dict (same keys as the params used)."""
    grads = {}
    for pos, layer, c in zip(range(len(spec) - 1, -1, -1), reversed(spec), reversed(caches), strict=True):
        kind = layer[0]
        if pos == 0 and kind == "conv" and _is_im2col_cache(c):
            # the input needs no gradient: skip the dx GEMM and col2im (about half of the backward pass)
            grads[f"W{layer[1]}"], grads[f"b{layer[1]}"] = _conv_weight_grads(dout, c)
        elif kind in ("affine", "conv"):
            i = layer[1]
            fn = affine_backward if kind == "affine" else conv_backward_fast
            dout, grads[f"W{i}"], grads[f"b{i}"] = fn(dout, c)
        elif kind in ("batchnorm", "spatial_batchnorm", "layernorm"):
            i = layer[1]
            fn = {
                "batchnorm": batchnorm_backward,
                "spatial_batchnorm": spatial_batchnorm_backward,
                "layernorm": layernorm_backward,
            }[kind]
            dout, grads[f"gamma{i}"], grads[f"beta{i}"] = fn(dout, c)
        elif kind == "act":
            dout = ACTIVATIONS[layer[1]][1](dout, c)
        elif kind == "pool":
            dout = max_pool_backward_fast(dout, c)
        elif kind == "dropout":
            dout = dropout_backward(dout, c)
    return grads


def _is_im2col_cache(c) -> bool:
    return isinstance(c, tuple) and len(c) == 4 and isinstance(c[2], np.ndarray) and c[2].ndim == 2


def _conv_weight_grads(dout, cache):
    """dw, db of ``conv_forward_fast`` from its im2col cache ``(x_shape, w, cols, conv_param)``."""
    _, w, cols, _ = cache
    F = w.shape[0]
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)  # (N*H'*W', F)
    return (dout_rows.T @ cols).reshape(w.shape), dout_rows.sum(axis=0)  # (F, C, HH, WW), (F,)


def init_weight(shape, fan_in: int, init: str, weight_scale: float, rng: np.random.Generator) -> np.ndarray:
    """Weight initialization of Lecture 6 (L6049-6312) in float64.

    small: ``weight_scale * randn``; xavier: ``randn / sqrt(fan_in)``; he: ``randn * sqrt(2 / fan_in)``
    (⚠ the slide's He formula is misprinted; its printed statistics match this, the correct, version).
    """
    z = rng.standard_normal(shape)
    if init == "small":
        return weight_scale * z
    if init == "xavier":
        return z / np.sqrt(fan_in)
    if init == "he":
        return z * np.sqrt(2.0 / fan_in)
    raise ValueError(f"init must be one of 'small', 'xavier', 'he'; got {init!r}.")
