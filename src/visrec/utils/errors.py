"""The small visrec error hierarchy.

Every error a user can cause says what was expected, what was received and what to do. All of them are
``ValueError`` subclasses (or ``TypeError``), so generic code can catch them the usual way; the CLI prints
their message without a traceback.
"""


class VisrecError(ValueError):
    """Base class of the errors a user can cause (bad input, bad files, bad settings)."""


class ParameterError(VisrecError):
    """A hyperparameter or option has a value outside its allowed range or set of choices."""


class RunExistsError(VisrecError):
    """A run directory already holds a run, and neither ``--resume`` nor ``--overwrite`` was given."""


class DataError(VisrecError):
    """A dataset file or folder is missing, corrupt or in an unexpected format."""


class UnsafePickleError(DataError):
    """A pickle tried to build an object that the restricted unpickler does not admit."""


class GeometryError(VisrecError):
    """A convolution / pooling window does not fit its input."""


class TrainingDiverged(VisrecError):
    """The loss became NaN or infinite during training."""


class NotFittedError(VisrecError, AttributeError):
    """An estimator was used before ``fit``. (Mirrors ``sklearn.exceptions.NotFittedError``.)"""
