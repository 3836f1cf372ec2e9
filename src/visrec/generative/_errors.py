"""The error classes this package raises (re-exported from :mod:`visrec.utils.errors`)."""

from visrec.utils.errors import DataError, ParameterError, VisrecError

__all__ = ["DataError", "ParameterError", "VisrecError"]
