"""The class API over the update rules: one object holds the per-parameter state of a whole model.

>>> import numpy as np
>>> params = {"W": np.array([1.0, -2.0])}
>>> opt = Optimizer("adam", lr=0.1)
>>> opt.step(params, {"W": np.array([0.5, -3.0])})
>>> np.round(params["W"], 6)          # first Adam step ~ lr * sign(grad)
array([ 0.9, -1.9])
"""

from __future__ import annotations

import inspect

import numpy as np

from visrec.numpy_nn.optim.rules import RULES
from visrec.utils.validation import check_choice, check_float


class Optimizer:
    """Apply one update rule to every array of a parameter dict, keeping a state per parameter name.

    Parameters
    ----------
    rule : str
        One of ``sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw`` (see ``optim.rules``).
    lr : float
        The learning rate; a schedule may overwrite ``self.lr`` between epochs.
    **hyper
        The rule's other hyperparameters (``rho``, ``decay_rate``, ``beta1``, ``beta2``, ``eps``,
        ``weight_decay``); unknown names raise ``TypeError``.
    """

    def __init__(self, rule: str = "sgd", lr: float = 1e-2, **hyper):
        self.rule = check_choice("rule", rule, RULES, owner="Optimizer")
        self.lr = check_float("lr", lr, low=0.0, owner="Optimizer")
        signature = inspect.signature(RULES[rule]).parameters
        allowed = [p for p in signature if p not in ("w", "dw", "state", "lr")]
        unknown = sorted(set(hyper) - set(allowed))
        if unknown:
            raise TypeError(
                f"Optimizer rule {rule!r} accepts hyperparameters {allowed}; got unknown {unknown}."
            )
        self.hyper = {k: float(v) for k, v in hyper.items()}
        self.state: dict[str, dict] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every ``params[name]`` in place from ``grads[name]`` (missing grads are an error)."""
        fn = RULES[self.rule]
        for name, w in params.items():
            if name not in grads:
                raise KeyError(
                    f"No gradient for parameter {name!r}; the model's loss must return one per parameter."
                )
            new_w, self.state[name] = fn(w, grads[name], self.state.get(name, {}), lr=self.lr, **self.hyper)
            w[...] = new_w

    def config(self) -> dict:
        """The JSON-able description: ``{"rule", "lr", **hyper}``."""
        return {"rule": self.rule, "lr": self.lr, **self.hyper}

    def state_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """Split the state into arrays (``"<param>/<key>"``) and JSON scalars, for a checkpoint."""
        arrays, scalars = {}, {}
        for name, st in self.state.items():
            for key, val in st.items():
                if isinstance(val, np.ndarray):
                    arrays[f"{name}/{key}"] = val
                else:
                    scalars[f"{name}/{key}"] = val
        return arrays, scalars

    def load_state_arrays(self, arrays: dict[str, np.ndarray], scalars: dict) -> None:
        """Inverse of ``state_arrays``."""
        self.state = {}
        for flat, val in list(arrays.items()) + list(scalars.items()):
            name, key = flat.rsplit("/", 1)
            self.state.setdefault(name, {})[key] = np.array(val) if isinstance(val, np.ndarray) else val

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v:g}" for k, v in self.hyper.items())
        return f"Optimizer({self.rule!r}, lr={self.lr:g}{extra})"


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their global L2 norm is at most ``max_norm``; return the norm.

    The global norm is ``sqrt(sum over arrays of sum(g**2))`` (the Lecture 10 slide uses the squared norm
    as the threshold test; we use the norm itself, as ``torch.nn.utils.clip_grad_norm_`` does, including
    its ``max_norm / (norm + 1e-6)`` factor).
    """
    max_norm = check_float("max_norm", max_norm, low=0.0, closed="neither", owner="clip_grad_norm")
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values())))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads.values():
            g *= coef
    return total
