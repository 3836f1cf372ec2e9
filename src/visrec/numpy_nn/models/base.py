"""The model contract shared by every NumPy network (DESIGN.md):

``loss(X, y=None)`` returns the class scores ``(N, K)`` when ``y`` is None (test mode), else
``(loss, grads)`` with one gradient per entry of the ``params`` dict (train mode). The loss is the mean
softmax cross-entropy plus ``0.5 * reg * sum(W**2)`` over the weight matrices (the convention that gives
the slides' 3.0686 at reg 1e3, L6503); biases and normalization parameters are not regularized.

``config()`` returns ``{"name": ..., **constructor arguments}`` so ``build_model(config)`` rebuilds the
architecture; ``state_arrays()`` / ``load_state_arrays()`` carry params and batch-norm running statistics.
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.layers.losses import softmax_loss
from visrec.numpy_nn.models import stack


class Model:
    """Base class: subclasses set ``self.params``, ``self.spec``, ``self.norm_params`` in ``__init__``."""

    name = "model"

    def __init__(self, reg: float = 0.0, dtype: str = "float64", seed: int | None = 0):
        if reg < 0:
            raise ValueError(f"reg (L2 strength) must be >= 0; got {reg}.")
        self.reg = float(reg)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a float type such as 'float32' or 'float64'; got {dtype!r}.")
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        self.norm_params: dict[int, dict] = {}
        self.spec: list[tuple] = []
        self.fixed_dropout_seed: int | None = None  # set for gradient checks: the same mask every call
        self._kwargs: dict = {}

    # -- the contract -----------------------------------------------------------------------------------
    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Scores ``(N, K)`` if ``y`` is None, else ``(loss, grads)``; see the module docstring."""
        X = np.asarray(X, dtype=self.dtype)
        mode = "test" if y is None else "train"
        scores, caches = stack.forward(self.spec, self.params, self.norm_params, X, mode, self._seeds())
        if y is None:
            return scores
        loss, dscores = softmax_loss(scores, np.asarray(y))
        grads = stack.backward(self.spec, dscores, caches)
        for name, w in self.params.items():
            if name.startswith("W") and self.reg > 0:
                loss += 0.5 * self.reg * float(np.sum(w * w))
                grads[name] = grads[name] + self.reg * w
        return float(loss), grads

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
        out = dict(self.params)
        for i, bn in self.norm_params.items():
            for key in ("running_mean", "running_var"):
                if key in bn:
                    out[f"{key}{i}"] = bn[key]
        return out

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        missing = sorted(set(self.params) - set(arrays))
        if missing:
            raise ValueError(
                f"The saved weights lack parameters {missing} of {self.name}; wrong model config?"
            )
        for name in self.params:
            if arrays[name].shape != self.params[name].shape:
                raise ValueError(
                    f"Saved {name} has shape {arrays[name].shape}; expected {self.params[name].shape}."
                )
            self.params[name] = np.array(arrays[name], dtype=self.dtype)
        for i, bn in self.norm_params.items():
            for key in ("running_mean", "running_var"):
                if f"{key}{i}" in arrays:
                    bn[key] = np.array(arrays[f"{key}{i}"], dtype=self.dtype)

    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    # -- helpers for subclasses -------------------------------------------------------------------------
    def _seeds(self):
        while True:
            if self.fixed_dropout_seed is not None:
                yield self.fixed_dropout_seed
            else:
                yield int(self.rng.integers(2**31))

    def _add_affine(self, i: int, fan_in: int, fan_out: int, init: str, weight_scale: float) -> None:
        self.params[f"W{i}"] = stack.init_weight((fan_in, fan_out), fan_in, init, weight_scale, self.rng)
        self.params[f"b{i}"] = np.zeros(fan_out)

    def _add_norm(self, i: int, kind: str, dim: int) -> None:
        self.params[f"gamma{i}"] = np.ones(dim)
        self.params[f"beta{i}"] = np.zeros(dim)
        self.norm_params[i] = {"eps": 1e-5} if kind == "layernorm" else {"mode": "train", "momentum": 0.9}
        self.spec.append((kind, i))

    def _finish(self) -> None:
        """Cast params to the model dtype (after float64 initialization, so dtypes share the same draws)."""
        self.params = {k: v.astype(self.dtype) for k, v in self.params.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._kwargs}, params={self.num_params():,})"
