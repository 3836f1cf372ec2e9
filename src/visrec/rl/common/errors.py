"""The two error classes the RL package raises (from the shared hierarchy when it has them)."""

from __future__ import annotations

from visrec.utils import errors as _errors

__all__ = ["ParameterError", "DataError"]

DataError = _errors.DataError
ParameterError = getattr(_errors, "ParameterError", None)
if ParameterError is None:  # the run layer adds ParameterError to visrec.utils.errors; until then:

    class ParameterError(_errors.VisrecError):  # type: ignore[no-redef]
        """A hyperparameter or option has a value the algorithm cannot use."""
