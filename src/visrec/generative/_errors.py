"""The error classes this package raises (``ParameterError`` arrives with the shared run layer)."""

from visrec.utils.errors import DataError, VisrecError

try:
    from visrec.utils.errors import ParameterError
except ImportError:  # pragma: no cover - before the run layer lands

    class ParameterError(VisrecError):
        """A hyperparameter or option is out of its allowed range."""


__all__ = ["DataError", "ParameterError", "VisrecError"]
