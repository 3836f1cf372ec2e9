"""``visrec train --engine numpy``: the command-line side of :func:`visrec.numpy_nn.train.train`.

The trainer lives in the library (``visrec.numpy_nn.train``, configured by ``NumpyTrainConfig``); this
module keeps release 0.1's entry point ``run(cfg: dict) -> Path`` (old spellings accepted, see
``numpy_nn.config.from_legacy``) and draws the run's figures, which the NumPy-only library does not.
"""

from __future__ import annotations

from pathlib import Path

from visrec.numpy_nn.config import NumpyTrainConfig, from_legacy
from visrec.numpy_nn.schedules import parse_schedule
from visrec.numpy_nn.train import train

__all__ = ["run", "run_config", "parse_schedule"]


def run(cfg: dict) -> Path:
    """Train from a release-0.1 settings dict (None: the default); return the run directory."""
    return run_config(from_legacy(cfg))


def run_config(cfg: NumpyTrainConfig) -> Path:
    """Train, then draw the figures into the run's ``plots/``."""
    from visrec.report.numpy_run import write_plots

    path = train(cfg)
    write_plots(path)
    return path
