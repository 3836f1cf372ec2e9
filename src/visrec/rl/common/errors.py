"""The error classes the RL package raises (the shared hierarchy of visrec.utils.errors)."""

from visrec.utils.errors import DataError, ParameterError

__all__ = ["ParameterError", "DataError"]
