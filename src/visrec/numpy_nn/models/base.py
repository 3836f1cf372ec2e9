"""The model contract shared by every NumPy network (DESIGN.md), on top of the layer objects.

A model is a :class:`~visrec.numpy_nn.graph.Sequential` of layer objects (``layers/modules.py``) plus a
config: subclasses only decide which layers to append, in ``__init__``. Parameters keep the names of the
assignments: ``W{i}``, ``b{i}`` for affine/conv layer i, ``gamma{i}``, ``beta{i}`` for the normalization
after it, and the running statistics ``running_mean{i}``, ``running_var{i}``.

``loss(X, y=None)`` returns the class scores ``(N, K)`` when ``y`` is None (test mode), else
``(loss, grads)`` with one gradient per entry of the ``params`` mapping (train mode). The loss is the mean
softmax cross-entropy plus ``0.5 * reg * sum(W**2)`` over the weight matrices (the convention that gives
the slides' 3.0686 at reg 1e3, L6503); biases and normalization parameters are not regularized. The
input needs no gradient, so the first layer skips its dx (``need_input_grad = True`` restores it and
leaves ``d loss / d X`` in ``model.dX``).

``config()`` returns ``{"name": ..., **constructor arguments}`` so ``build_model(config)`` rebuilds the
architecture; ``state_arrays()`` / ``load_state_arrays()`` carry params and batch-norm running statistics.
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.graph import Sequential
from visrec.numpy_nn.layers.modules import (
    ACTIVATION_LAYERS,
    Affine,
    BatchNorm,
    Conv2d,
    Dropout,
    LayerNorm,
    MaxPool2d,
    SpatialBatchNorm,
)

_PUBLIC = {"w": "W", "b": "b", "gamma": "gamma", "beta": "beta"}
_NORMS = {"batchnorm": BatchNorm, "spatial_batchnorm": SpatialBatchNorm, "layernorm": LayerNorm}


class Model:
    """Base class: subclasses append layers with the ``_add_*`` helpers, then call ``_finish()``."""

    name = "model"

    def __init__(self, reg: float = 0.0, dtype: str = "float64", seed: int | None = 0):
        if reg < 0:
            raise ValueError(f"reg (L2 strength) must be >= 0; got {reg}.")
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a float type such as 'float32' or 'float64'; got {dtype!r}.")
        self.seed = seed
        self.rng = np.random.default_rng(seed)  # initial weights, then the dropout masks
        self.net = Sequential(loss="softmax", reg=float(reg))
        self._kwargs: dict = {}

    # -- the contract -----------------------------------------------------------------------------------
    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores ``(N, K)`` if ``y`` is None, else ``(loss, grads)``; see the module docstring."""
        X = np.asarray(X, dtype=self.dtype)
        if y is None:
            return self.net.loss(X)
        return self.net.loss(X, np.asarray(y))

    @property
    def params(self):
        """Live mapping name -> array (``W1``, ``b1``, ...); assigning an entry replaces the layer's array."""
        return self.net.params

    @params.setter
    def params(self, values: dict[str, np.ndarray]) -> None:
        for key, value in values.items():
            self.net.params[key] = value

    @property
    def reg(self) -> float:
        return self.net.reg

    @reg.setter
    def reg(self, value: float) -> None:
        self.net.reg = float(value)

    @property
    def need_input_grad(self) -> bool:
        """Compute ``d loss / d X`` too (into ``self.dX``); off by default, which saves the first dx."""
        return self.net.need_input_grad

    @need_input_grad.setter
    def need_input_grad(self, value: bool) -> None:
        self.net.need_input_grad = bool(value)

    @property
    def dX(self) -> np.ndarray | None:
        return self.net.dX

    @property
    def fixed_dropout_seed(self) -> int | None:
        """An int gives every dropout layer the same mask on every call (for gradient checks)."""
        return self._fixed_dropout_seed

    @fixed_dropout_seed.setter
    def fixed_dropout_seed(self, seed: int | None) -> None:
        self._fixed_dropout_seed = seed
        for layer in self.net.layers:
            if isinstance(layer, Dropout):
                layer.fixed_seed = seed

    _fixed_dropout_seed: int | None = None

    def predict_scores(self, X: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Test-mode scores in batches (bounded memory for convnets)."""
        return np.concatenate([self.loss(X[i : i + batch_size]) for i in range(0, len(X), batch_size)])

    def predict(self, X: np.ndarray, batch_size: int = 500) -> np.ndarray:
        return np.argmax(self.predict_scores(X, batch_size), axis=1)

    # -- persistence ------------------------------------------------------------------------------------
    def config(self) -> dict:
        return {"name": self.name, **self._kwargs}

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Params plus running statistics (``running_mean{i}``, ``running_var{i}``)."""
        return {**dict(self.params), **dict(self.net.buffers)}

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        missing = sorted(set(self.params) - set(arrays))
        if missing:
            raise ValueError(
                f"The saved weights lack parameters {missing} of {self.name}; wrong model config?"
            )
        for name in list(self.params):
            if arrays[name].shape != self.params[name].shape:
                raise ValueError(
                    f"Saved {name} has shape {arrays[name].shape}; expected {self.params[name].shape}."
                )
            self.params[name] = np.array(arrays[name], dtype=self.dtype)
        for name in list(self.net.buffers):
            if name in arrays:  # a model saved before any training step has no running statistics
                self.net.buffers[name] = np.array(arrays[name], dtype=self.dtype)

    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    # -- building blocks for subclasses -----------------------------------------------------------------
    def _add(self, layer, i: int | None = None):
        """Append ``layer``; name its arrays after index ``i`` (``w`` -> ``W{i}``, ``running_mean{i}``)."""
        names = None
        if i is not None:
            names = {n: f"{_PUBLIC.get(n, n)}{i}" for n in [*layer.params, *layer.buffers]}
        self.net.append(layer, names)
        return layer

    def _add_affine(self, i: int, fan_in: int, fan_out: int, init: str, weight_scale: float) -> None:
        self._add(Affine(fan_in, fan_out, init=init, rng=self.rng, weight_scale=weight_scale), i)

    def _add_conv(self, i: int, c_in: int, filters: int, size: int, init: str, weight_scale: float) -> None:
        """K = ``filters`` convolutions of size F = ``size``, stride 1, 'same' padding (F - 1) / 2."""
        pad = (size - 1) // 2
        conv = Conv2d(c_in, filters, size, 1, pad, init=init, rng=self.rng, weight_scale=weight_scale)
        self._add(conv, i)

    def _add_norm(self, i: int, kind: str, dim: int) -> None:
        """``kind`` is batchnorm (momentum 0.9), spatial_batchnorm or layernorm; eps 1e-5."""
        self._add(_NORMS[kind](dim), i)

    def _add_activation(self, name: str) -> None:
        self._add(ACTIVATION_LAYERS[name]())

    def _add_pool(self) -> None:
        self._add(MaxPool2d(2, 2))

    def _add_dropout(self, keep: float) -> None:
        """Inverted dropout with KEEP probability ``keep``; masks drawn from the model's ``rng``."""
        self._add(Dropout(keep, seed=self.rng))

    def _finish(self) -> None:
        """Cast arrays to the model dtype (after float64 initialization, so dtypes share the same draws)."""
        for layer in self.net.layers:
            layer.params = {k: v.astype(self.dtype) for k, v in layer.params.items()}
            layer.buffers = {k: v.astype(self.dtype) for k, v in layer.buffers.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._kwargs}, params={self.num_params():,})"
