"""The settings of `visrec search`, on the shared :class:`RunConfig`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from visrec.runs.config import RunConfig
from visrec.utils.errors import ParameterError

__all__ = ["SearchConfig", "SAMPLERS", "PRUNERS"]

SAMPLERS = ("random", "tpe")
PRUNERS = ("median", "asha", "none")
MODELS = ("twolayer", "fc")


@dataclass
class SearchConfig(RunConfig):
    """Search lr and reg (log10 ranges) of a NumPy-engine net; every trial trains ``epochs`` epochs.

    ``storage`` + ``study``: join (or start) a shared study, e.g. ``sqlite:///search.db`` on one machine or
    ``postgresql://user@host/db`` across machines; without them the study lives in this run (in memory, or
    in ``search.db`` inside the run directory when ``jobs`` > 1).
    """

    kind: ClassVar[str] = "search"
    engine: ClassVar[str] = "numpy"

    model: str = "twolayer"
    hidden: list = field(default_factory=lambda: [100])
    trials: int = 10
    stages: int = 2
    top_k: int = 3
    jobs: int = 1
    epochs: int = 5
    batch_size: int = 100
    optimizer: str = "adam"
    lr_range: list = field(default_factory=lambda: [-5.0, -1.0])
    reg_range: list = field(default_factory=lambda: [-6.0, -1.0])
    sampler: str = "random"
    pruner: str = "median"
    storage: str | None = None
    study: str | None = None

    def validate(self) -> None:
        super().validate()
        self.check("choice", "model", choices=MODELS)
        self.check("choice", "sampler", choices=SAMPLERS)
        self.check("choice", "pruner", choices=PRUNERS)
        for name in ("trials", "stages", "top_k", "jobs", "epochs", "batch_size"):
            self.check("int", name, low=1)
        for name in ("lr_range", "reg_range"):
            lo_hi = getattr(self, name)
            if len(lo_hi) != 2 or not lo_hi[0] < lo_hi[1]:
                raise ParameterError(
                    f"--{name.replace('_', '-')} expects two log10 exponents 'lo,hi' with lo < hi (e.g. -6,-3); "
                    f"got {lo_hi}."
                )
            setattr(self, name, [float(v) for v in lo_hi])
        if (self.storage is None) != (self.study is None):
            raise ParameterError("--storage and --study go together: the database URL and the study's name.")
