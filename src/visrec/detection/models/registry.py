"""Detector builders by name: ``create_detector("fasterrcnn_resnet50_fpn", num_classes=91)``.

Each builder is recorded here and, when the torch registry knows the "detector" kind, there too, so
``visrec.torch_nn.create_model`` finds it. ``list_detectors()`` lists the names.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from torch import nn

__all__ = ["register_detector", "create_detector", "list_detectors"]

_DETECTORS: dict[str, Callable[..., nn.Module]] = {}


def register_detector(fn: Callable[..., nn.Module] | None = None, *, kind: str = "detector"):
    """Decorator: record ``fn`` under its name (and in the torch registry when it knows ``kind``:
    "detector", or "segmenter" for the FCN). Usable bare or as ``@register_detector(kind="segmenter")``."""

    def _register(f: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        _DETECTORS[f.__name__] = f
        from visrec.torch_nn import registry

        if kind in getattr(registry, "KINDS", ()):
            registry.register_model(kind=kind, family="detection")(f)
        return f

    return _register(fn) if fn is not None else _register


def list_detectors() -> list[str]:
    """Sorted names of the registered detectors."""
    return sorted(_DETECTORS)


def create_detector(name: str, **kwargs) -> nn.Module:
    """Build the detector ``name`` with the builder's keyword options (``num_classes``, ``min_size``, ...)."""
    if name not in _DETECTORS:
        close = difflib.get_close_matches(name, list(_DETECTORS), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"Unknown detector {name!r}.{hint} Known: {', '.join(list_detectors())}.")
    model = _DETECTORS[name](**kwargs)
    model.model_name = name
    return model
