"""The run configuration of every explain / attack / dream / invert / style command (config.json)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from visrec.runs.config import RunConfig

__all__ = ["ExplainConfig"]


@dataclass
class ExplainConfig(RunConfig):
    """What produced a run directory of pictures: the method, the model, the images and the options.

    ``source`` is the run directory of the model (or None with ``weights`` + ``model``); ``options`` holds
    the method's own settings (layer, target, epsilon, window ...), recorded as given.
    """

    kind: ClassVar[str] = "explain"
    engine: ClassVar[str] = "torch"

    method: str = "saliency"
    source: str | None = None
    weights: str | None = None
    model: str | None = None
    images: list = field(default_factory=list)
    options: dict = field(default_factory=dict)
