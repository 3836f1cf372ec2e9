"""Parameter validation with scikit-learn-style messages.

>>> check_int("k", 3, low=1)
3
>>> check_int("k", 0, low=1, owner="KNearestNeighbor")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
visrec.utils.errors.ParameterError: The 'k' parameter of KNearestNeighbor must be an int in the range [1, inf)...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from visrec.utils.errors import ParameterError


def _range_text(low, high, closed: str) -> str:
    left = "[" if closed in ("both", "left") else "("
    right = "]" if closed in ("both", "right") and high is not None else ")"
    lo = "-inf" if low is None else f"{low}"
    hi = "inf" if high is None else f"{high}"
    return f"{left}{lo}, {hi}{right}"


def _owner(owner: str | None) -> str:
    return f" of {owner}" if owner else ""


def check_int(name: str, value, low=None, high=None, owner: str | None = None, closed: str = "both") -> int:
    """Return ``value`` as an int, or raise ``ValueError`` naming the parameter, range and value."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if ok:
        value = int(value)
        ok = _in_range(value, low, high, closed)
    if not ok:
        raise ParameterError(
            f"The '{name}' parameter{_owner(owner)} must be an int in the range "
            f"{_range_text(low, high, closed)}. Got {value!r} instead."
        )
    return value


def check_float(
    name: str, value, low=None, high=None, owner: str | None = None, closed: str = "both"
) -> float:
    """Return ``value`` as a finite float in range, or raise ``ValueError``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = math.isfinite(value) and _in_range(value, low, high, closed)
    if not ok:
        raise ParameterError(
            f"The '{name}' parameter{_owner(owner)} must be a float in the range "
            f"{_range_text(low, high, closed)}. Got {value!r} instead."
        )
    return value


def check_choice(name: str, value, choices: Iterable, owner: str | None = None):
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them."""
    choices = list(choices)
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ParameterError(
            f"The '{name}' parameter{_owner(owner)} must be one of {{{shown}}}. Got {value!r} instead."
        )
    return value


def _in_range(value, low, high, closed) -> bool:
    if low is not None:
        if value < low or (value == low and closed in ("neither", "right")):
            return False
    if high is not None:
        if value > high or (value == high and closed in ("neither", "left")):
            return False
    return True


def check_array(
    name: str, x, ndim: int | tuple[int, ...] | None = None, shape_doc: str = "", dtype=None, finite=True
) -> np.ndarray:
    """Convert ``x`` to an ndarray and check its number of dimensions (and, optionally, finiteness).

    ``shape_doc`` is the shape in the project's notation, e.g. ``"(N, D)"``; it goes into the message.
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be array-like {shape_doc}; could not convert it: {exc}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ParameterError(
                f"{name} must have shape {shape_doc or f'with {allowed} dimensions'}; "
                f"got an array of shape {arr.shape}. Reshape it (e.g. X.reshape(len(X), -1) for images)."
            )
    if finite and arr.dtype.kind in "fc" and not np.isfinite(arr).all():
        raise ParameterError(f"{name} contains NaN or infinity; clean or impute the input first.")
    return arr
