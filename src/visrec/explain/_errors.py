"""The error classes this package raises (the shared ones from :mod:`visrec.utils.errors`)."""

from __future__ import annotations

from visrec.utils.errors import DataError, VisrecError

try:  # the run layer adds ParameterError to visrec.utils.errors
    from visrec.utils.errors import ParameterError
except ImportError:  # pragma: no cover - before the run layer lands

    class ParameterError(VisrecError):
        """A bad hyperparameter or option (a layer, a class index, a window size ...)."""


__all__ = ["ParameterError", "DataError", "VisrecError"]
