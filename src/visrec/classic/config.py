"""Configs of the classic commands (`visrec knn | linear | features`), on the shared :class:`RunConfig`.

>>> KnnConfig(k=[1, 3]).k, LinearConfig().lr
([1, 3], [1e-07])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from visrec.runs.config import RunConfig
from visrec.utils.errors import ParameterError
from visrec.utils.validation import check_choice, check_int

__all__ = ["KnnConfig", "LinearConfig", "FeaturesConfig"]

METRICS = ("l2", "l1", "cosine")
LOSSES = ("svm", "softmax")
REG_TYPES = ("l2", "l1", "elastic")
FEATURES = ("hog", "color", "bow")


def _non_empty(cfg, name: str) -> None:
    if not getattr(cfg, name):
        raise ParameterError(f"--{name.replace('_', '-')} needs at least one value.")


@dataclass
class KnnConfig(RunConfig):
    """k-NN on pixels: ``k`` candidates chosen by ``folds``-fold CV on the training split (0: on val)."""

    kind: ClassVar[str] = "knn"
    engine: ClassVar[str] = "classic"
    k: list = field(default_factory=lambda: [1, 3, 5, 7])
    metric: str = "l2"
    folds: int = 5

    def validate(self) -> None:
        super().validate()
        _non_empty(self, "k")
        for k in self.k:
            check_int("k", k, low=1, owner="KnnConfig (--k)")
        self.check("choice", "metric", choices=METRICS)
        self.check("int", "folds", low=0)
        if self.folds == 1:
            raise ParameterError("--folds must be 0 (choose k on the validation split) or at least 2; got 1.")


@dataclass
class LinearConfig(RunConfig):
    """A linear SVM / Softmax by minibatch SGD; every ``lr`` x ``reg`` pair is tried, the best on val kept."""

    kind: ClassVar[str] = "linear"
    engine: ClassVar[str] = "classic"
    loss: str = "svm"
    lr: list = field(default_factory=lambda: [1e-7])
    reg: list = field(default_factory=lambda: [2.5e4])
    reg_type: str = "l2"
    iters: int = 1500
    batch_size: int = 200
    lr_decay: float = 1.0

    def validate(self) -> None:
        super().validate()
        self.check("choice", "loss", choices=LOSSES)
        self.check("choice", "reg_type", choices=REG_TYPES)
        self.check("int", "iters", low=1)
        self.check("int", "batch_size", low=1)
        self.check("float", "lr_decay", low=0.0, high=1.0, closed="right")
        for name in ("lr", "reg"):
            _non_empty(self, name)
            values = getattr(self, name)
            if any(not isinstance(v, int | float) or isinstance(v, bool) for v in values):
                raise ParameterError(f"--{name} values must be numbers; got {values}.")
            low_ok = (lambda v: v > 0) if name == "lr" else (lambda v: v >= 0)
            if not all(low_ok(v) for v in values):
                what = "> 0" if name == "lr" else ">= 0"
                raise ParameterError(f"--{name} values must be {what}; got {values}.")
            setattr(self, name, [float(v) for v in values])


@dataclass
class FeaturesConfig(LinearConfig):
    """Image features (HOG, colour histogram, bag of words) -> standardization -> a linear classifier."""

    kind: ClassVar[str] = "features"
    features: list = field(default_factory=lambda: ["hog", "color"])
    resize: int | None = None
    lr: list = field(default_factory=lambda: [1e-2])
    reg: list = field(default_factory=lambda: [1e-4])

    def validate(self) -> None:
        super().validate()
        _non_empty(self, "features")
        for f in self.features:
            check_choice("features", f, FEATURES, owner="FeaturesConfig (--features)")
        if self.resize is not None:
            self.check("int", "resize", low=0)
