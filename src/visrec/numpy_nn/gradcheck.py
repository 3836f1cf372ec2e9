"""Gradient checking for layers and models (Lecture 3, L2704-2779; Lecture 4).

Re-exports the centred-difference helpers of :mod:`visrec.utils.gradcheck` and adds two checkers that
treat every layer pair and every model the same way:

- :func:`check_layer_gradients`: analytic backward of a forward/backward pair vs. the numeric gradient of
  ``sum(forward(...) * dout)`` for each input.
- :func:`check_model_gradients`: ``model.loss(X, y) -> (loss, grads)`` vs. the numeric gradient of the loss
  for each entry of ``model.params`` (all entries, or a random sample of ``max_entries`` per parameter).

Use float64 everywhere: in float32 the centred difference has error ~1e-3 and the check means nothing.
Typical relative errors: < 1e-7 is right; 1e-7 .. 1e-5 is fine near kinks (ReLU, max, hinge); > 1e-4 is a bug.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np

from visrec.utils.gradcheck import numeric_gradient, numeric_gradient_array, rel_error
from visrec.utils.seeding import rng as make_rng

__all__ = [
    "numeric_gradient",
    "numeric_gradient_array",
    "rel_error",
    "check_layer_gradients",
    "check_model_gradients",
]


def _as_tuple(grads) -> tuple:
    return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)


def check_layer_gradients(
    forward: Callable,
    backward: Callable,
    inputs: dict[str, np.ndarray],
    grad_of: Sequence[str] | None = None,
    extra_args: tuple = (),
    dout: np.ndarray | None = None,
    h: float = 1e-6,
    seed: int = 0,
) -> dict[str, float]:
    """Relative error between a pair's backward and the numeric gradient, per input.

    Parameters
    ----------
    forward : ``forward(*inputs.values(), *extra_args) -> (out, cache)``
    backward : ``backward(dout, cache) -> grad or tuple of grads``, in the order of ``grad_of``
    inputs : the array arguments, in call order (float64)
    grad_of : names of the inputs that ``backward`` returns gradients for (default: all, in order)
    extra_args : non-array arguments after the arrays; deep-copied for every call (e.g. ``bn_param``)
    dout : upstream gradient (default: standard normal, seeded)

    Returns
    -------
    dict name -> max relative error
    """
    names = list(inputs)
    grad_of = list(grad_of) if grad_of is not None else names
    arrays = {k: np.array(v, dtype=np.float64) for k, v in inputs.items()}

    def run(**override):
        args = [override.get(k, arrays[k]) for k in names]
        return forward(*args, *copy.deepcopy(extra_args))

    out, cache = run()
    if dout is None:
        dout = make_rng(seed).standard_normal(np.shape(out))
    analytic = dict(zip(grad_of, _as_tuple(backward(dout, cache)), strict=True))
    errors = {}
    for name in grad_of:
        probe = arrays[name].copy()
        numeric = numeric_gradient_array(lambda v, name=name: run(**{name: v})[0], probe, dout, h)
        errors[name] = rel_error(analytic[name], numeric)
    return errors


def check_model_gradients(
    model, X: np.ndarray, y: np.ndarray, h: float = 1e-6, max_entries: int | None = None, seed: int = 0
) -> dict[str, float]:
    """Relative error between ``model.loss(X, y)``'s gradients and numeric ones, per parameter.

    Parameters
    ----------
    model : object with a ``params`` dict of float64 arrays and ``loss(X, y) -> (loss, grads)``;
        the loss must be deterministic (fix dropout seeds, use float64).
    X, y : a small batch.
    max_entries : check only this many random entries of each larger parameter (None: all entries).

    Returns
    -------
    dict param name -> max relative error over the checked entries
    """
    _, grads = model.loss(X, y)
    gen = make_rng(seed)
    errors = {}
    for name, param in model.params.items():
        if param.dtype != np.float64:
            raise TypeError(f"gradient check needs float64 parameters; {name!r} is {param.dtype}.")
        if max_entries is None or param.size <= max_entries:
            picks = np.arange(param.size)
        else:
            picks = gen.choice(param.size, size=max_entries, replace=False)
        numeric = np.empty(len(picks))
        for k, i in enumerate(picks):
            ix = np.unravel_index(i, param.shape)
            old = param[ix]
            param[ix] = old + h
            fp = model.loss(X, y)[0]
            param[ix] = old - h
            fm = model.loss(X, y)[0]
            param[ix] = old
            numeric[k] = (fp - fm) / (2 * h)
        errors[name] = rel_error(np.asarray(grads[name]).reshape(-1)[picks], numeric)
    return errors
