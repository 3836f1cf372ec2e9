"""Thin stateful layer objects over the forward/backward pairs.

Each object holds its parameters in ``.params`` (name -> ndarray), fills ``.grads`` (same names) in
``backward``, keeps the cache of its last ``forward`` and, for batch norm, its running statistics in
``.buffers``. ``forward(x, mode="train" | "test")`` returns the output; ``backward(dout)`` returns dx, and
``backward(dout, need_dx=False)`` only fills ``.grads`` (the first layer of a network: its input needs no
gradient, and Affine / Conv2d then skip the dx GEMM). Containers (:class:`~visrec.numpy_nn.graph.Sequential`)
chain them; the models of ``numpy_nn.models`` are built from them.

>>> import numpy as np
>>> layer = Affine(4, 3, rng=0)
>>> layer.forward(np.ones((2, 4))).shape
(2, 3)
>>> sorted(layer.grads) == [] and layer.backward(np.ones((2, 3))).shape == (2, 4)
True
>>> sorted(layer.grads)
['b', 'w']
>>> layer.backward(np.ones((2, 3)), need_dx=False) is None
True
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn import init as winit
from visrec.numpy_nn.layers import activations as act
from visrec.numpy_nn.layers import batchnorm, conv, dropout, flatten, maxout, norms, pool
from visrec.numpy_nn.layers.affine import affine_backward, affine_forward
from visrec.numpy_nn.shapes import same_padding
from visrec.utils.seeding import rng as make_rng

__all__ = [
    "Layer",
    "Affine",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "LeakyReLU",
    "ELU",
    "PReLU",
    "Maxout",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "BatchNorm",
    "SpatialBatchNorm",
    "LayerNorm",
    "GroupNorm",
    "Dropout",
    "Flatten",
    "ACTIVATION_LAYERS",
]


class Layer:
    """Base class: no parameters; subclasses set ``_fwd``/``_bwd`` or override forward/backward."""

    param_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self._cache = None

    def _call(self, x: np.ndarray, mode: str):
        """Return (out, cache) from the pair's forward; override in subclasses."""
        raise NotImplementedError

    def _back(self, dout: np.ndarray, cache):
        """Return (dx, *param_grads) from the pair's backward; override in subclasses."""
        raise NotImplementedError

    def _back_params(self, dout: np.ndarray, cache) -> tuple:
        """Return the param grads only; layers whose pair can skip dx override this (default: drop dx)."""
        grads = self._back(dout, cache)
        return grads[1:] if isinstance(grads, tuple) else ()

    def forward(self, x: np.ndarray, mode: str = "train") -> np.ndarray:
        if mode not in ("train", "test"):
            raise ValueError(f"mode must be 'train' or 'test'; got {mode!r}.")
        out, self._cache = self._call(x, mode)
        return out

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """Fill ``.grads`` and return dx (``need_dx=False``: return None and skip dx where possible)."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward.")
        if not need_dx:
            self.grads = dict(zip(self.param_names, self._back_params(dout, self._cache), strict=True))
            return None
        grads = self._back(dout, self._cache)
        grads = grads if isinstance(grads, tuple) else (grads,)
        self.grads = dict(zip(self.param_names, grads[1:], strict=True))
        return grads[0]

    __call__ = forward

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={v.shape}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


class Affine(Layer):
    """Fully connected layer: (N, D) -> (N, M), weights from ``init`` ('he', 'xavier', 'small' with
    ``weight_scale``); inputs (N, d1, ..., dk) are stretched to rows of D = d1*...*dk."""

    param_names = ("w", "b")

    def __init__(
        self,
        in_features: int,
        out_features: int,
        init: str = "he",
        rng=None,
        dtype=np.float64,
        weight_scale: float = 0.01,
    ):
        super().__init__()
        shape = (in_features, out_features)  # (D, M)
        self.params["w"] = winit.init_weight(shape, init, weight_scale, rng, dtype)
        self.params["b"] = np.zeros(out_features, dtype=dtype)

    def _call(self, x, mode):
        return affine_forward(x, self.params["w"], self.params["b"])

    def _back(self, dout, cache):
        return affine_backward(dout, cache)

    def _back_params(self, dout, cache):
        return affine_backward(dout, cache, need_dx=False)[1:]


def _elementwise(name: str, fwd, bwd, doc: str, **defaults):
    """Build a parameter-free activation layer class from a pair."""

    def __init__(self, **kw):
        Layer.__init__(self)
        self.kw = {**defaults, **kw}

    cls = type(
        name,
        (Layer,),
        {
            "__init__": __init__,
            "__doc__": doc,
            "_call": lambda self, x, mode: fwd(x, **self.kw),
            "_back": lambda self, dout, cache: bwd(dout, cache),
        },
    )
    return cls


ReLU = _elementwise("ReLU", act.relu_forward, act.relu_backward, "max(0, x).")
Sigmoid = _elementwise("Sigmoid", act.sigmoid_forward, act.sigmoid_backward, "1 / (1 + exp(-x)).")
Tanh = _elementwise("Tanh", act.tanh_forward, act.tanh_backward, "tanh(x).")
LeakyReLU = _elementwise(
    "LeakyReLU", act.leaky_relu_forward, act.leaky_relu_backward, "max(alpha x, x).", alpha=0.01
)
ELU = _elementwise("ELU", act.elu_forward, act.elu_backward, "x if x > 0 else alpha (e^x - 1).", alpha=1.0)
Flatten = _elementwise("Flatten", flatten.flatten_forward, flatten.flatten_backward, "(N, ...) -> (N, D).")


class PReLU(Layer):
    """max(alpha x, x) with a learned slope: one shared (channels=1) or one per channel (axis 1)."""

    param_names = ("alpha",)

    def __init__(self, channels: int = 1, alpha: float = 0.25, dtype=np.float64):
        super().__init__()
        self.params["alpha"] = np.full(channels, alpha, dtype=dtype)

    def _call(self, x, mode):
        return act.prelu_forward(x, self.params["alpha"])

    def _back(self, dout, cache):
        return act.prelu_backward(dout, cache)


class Maxout(Layer):
    """Maxout over k linear pieces: (N, D) -> (N, M)."""

    param_names = ("w", "b")

    def __init__(self, in_features: int, out_features: int, k: int = 2, rng=None, dtype=np.float64):
        super().__init__()
        w = winit.xavier(in_features, out_features * k, rng=rng, dtype=dtype)
        self.params["w"] = w.reshape(in_features, out_features, k)
        self.params["b"] = np.zeros((out_features, k), dtype=dtype)

    def _call(self, x, mode):
        return maxout.maxout_forward(x, self.params["w"], self.params["b"])

    def _back(self, dout, cache):
        return maxout.maxout_backward(dout, cache)


class Conv2d(Layer):
    """Convolution (N, C, H, W) -> (N, K, H', W') with K = ``out_channels`` filters of size F =
    ``kernel_size``; ``pad=None`` means 'same' padding (F-1)/2. Weights (K, C, F, F) from ``init``."""

    param_names = ("w", "b")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 3,
        stride: int = 1,
        pad: int | None = None,
        init: str = "he",
        rng=None,
        dtype=np.float64,
        fast: bool = True,
        weight_scale: float = 0.01,
    ):
        super().__init__()
        shape = (out_channels, in_channels, kernel_size, kernel_size)  # (K, C, F, F)
        self.params["w"] = winit.init_weight(shape, init, weight_scale, rng, dtype)
        self.params["b"] = np.zeros(out_channels, dtype=dtype)
        self.fast = fast
        self.conv_param = {"stride": stride, "pad": same_padding(kernel_size) if pad is None else pad}
        self._pair = (
            (conv.conv_forward_fast, conv.conv_backward_fast)
            if fast
            else (conv.conv_forward_naive, conv.conv_backward_naive)
        )

    def _call(self, x, mode):
        return self._pair[0](x, self.params["w"], self.params["b"], self.conv_param)

    def _back(self, dout, cache):
        return self._pair[1](dout, cache)

    def _back_params(self, dout, cache):
        if not self.fast:
            return super()._back_params(dout, cache)
        return conv.conv_backward_fast(dout, cache, need_dx=False)[1:]


class MaxPool2d(Layer):
    """Max pooling with a square window (default 2x2, stride 2)."""

    def __init__(self, size: int = 2, stride: int | None = None):
        super().__init__()
        self.pool_param = {"pool_height": size, "pool_width": size, "stride": stride or size}

    def _call(self, x, mode):
        return pool.max_pool_forward_fast(x, self.pool_param)

    def _back(self, dout, cache):
        return pool.max_pool_backward_fast(dout, cache)


class AvgPool2d(MaxPool2d):
    """Average pooling with a square window (default 2x2, stride 2)."""

    def _call(self, x, mode):
        return pool.avg_pool_forward_fast(x, self.pool_param)

    def _back(self, dout, cache):
        return pool.avg_pool_backward_fast(dout, cache)


class BatchNorm(Layer):
    """Batch norm over (N, D); running statistics in ``.buffers`` (used in mode 'test')."""

    param_names = ("gamma", "beta")
    _pair = (batchnorm.batchnorm_forward, batchnorm.batchnorm_backward_alt)

    def __init__(self, num_features: int, momentum: float = 0.9, eps: float = 1e-5, dtype=np.float64):
        super().__init__()
        self.params["gamma"] = np.ones(num_features, dtype=dtype)
        self.params["beta"] = np.zeros(num_features, dtype=dtype)
        self.buffers = {
            "running_mean": np.zeros(num_features, dtype=dtype),
            "running_var": np.ones(num_features, dtype=dtype),
        }
        self.momentum, self.eps = momentum, eps

    def _call(self, x, mode):
        bn_param = {"mode": mode, "eps": self.eps, "momentum": self.momentum, **self.buffers}
        out, cache = self._pair[0](x, self.params["gamma"], self.params["beta"], bn_param)
        self.buffers = {k: bn_param[k] for k in ("running_mean", "running_var")}
        return out, cache

    def _back(self, dout, cache):
        return self._pair[1](dout, cache)


class SpatialBatchNorm(BatchNorm):
    """Batch norm over (N, C, H, W) with statistics per channel."""

    _pair = (batchnorm.spatial_batchnorm_forward, batchnorm.spatial_batchnorm_backward)


class LayerNorm(Layer):
    """Layer norm over the features of each sample of (N, D); same at train and test."""

    param_names = ("gamma", "beta")

    def __init__(self, num_features: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__()
        self.params = {
            "gamma": np.ones(num_features, dtype=dtype),
            "beta": np.zeros(num_features, dtype=dtype),
        }
        self.eps = eps

    def _call(self, x, mode):
        return norms.layernorm_forward(x, self.params["gamma"], self.params["beta"], {"eps": self.eps})

    def _back(self, dout, cache):
        return norms.layernorm_backward(dout, cache)


class GroupNorm(LayerNorm):
    """Group norm over (N, C, H, W) with G groups (G = C: instance norm)."""

    def __init__(self, num_channels: int, groups: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__(num_channels, eps, dtype)
        self.groups = groups

    def _call(self, x, mode):
        return norms.groupnorm_forward(
            x, self.params["gamma"], self.params["beta"], self.groups, {"eps": self.eps}
        )

    def _back(self, dout, cache):
        return norms.groupnorm_backward(dout, cache)


class Dropout(Layer):
    """Inverted dropout with KEEP probability p; identity in mode 'test'. A seed gives a reproducible
    sequence of masks (one generator, advanced on each forward; a Generator passed in is shared, which is
    how a model's dropout follows the model's own ``rng``). Setting ``fixed_seed`` (an int) gives the
    same mask on every forward, for gradient checks."""

    def __init__(self, p: float = 0.5, seed=None):
        super().__init__()
        if not 0 < p <= 1:
            raise ValueError(f"Dropout p is the KEEP probability and must be in (0, 1]; got {p}.")
        self.p = p
        self._rng = make_rng(seed)
        self.fixed_seed: int | None = None

    def _call(self, x, mode):
        seed = self._rng if self.fixed_seed is None else self.fixed_seed
        return dropout.dropout_forward(x, self.p, mode, seed=seed)

    def _back(self, dout, cache):
        return dropout.dropout_backward(dout, cache)


#: The activation layers by the names the models and the CLI use (``activation="relu"``).
ACTIVATION_LAYERS: dict[str, type[Layer]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "elu": ELU,
}
