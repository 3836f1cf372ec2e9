"""The error classes this package raises (the shared ones from :mod:`visrec.utils.errors`)."""

from visrec.utils.errors import DataError, ParameterError, VisrecError

__all__ = ["ParameterError", "DataError", "VisrecError"]
