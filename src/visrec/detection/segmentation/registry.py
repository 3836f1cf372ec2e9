"""Segmenter builders by name: ``create_segmenter("fcn_downup", in_channels=1, num_classes=2)``.

Each builder is recorded here and, once the torch registry knows the "segmenter" kind, there too (so
``visrec.torch_nn.create_model`` and ``list_models(kind="segmenter")`` find it).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from torch import nn

from visrec.utils.errors import ParameterError

__all__ = ["register_segmenter", "create_segmenter", "list_segmenters"]

_SEGMENTERS: dict[str, Callable[..., nn.Module]] = {}


def register_segmenter(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Decorator: record ``fn`` under its name (and in the torch registry when it has the kind)."""
    _SEGMENTERS[fn.__name__] = fn
    from visrec.torch_nn import registry

    if "segmenter" in getattr(registry, "KINDS", ()):
        registry.register_model(kind="segmenter", family="segmentation")(fn)
    return fn


def list_segmenters() -> list[str]:
    """Sorted names of the registered segmenters."""
    return sorted(_SEGMENTERS)


def create_segmenter(name: str, **kwargs) -> nn.Module:
    """Build segmenter ``name`` (keywords: ``in_channels``, ``num_classes``, and the model's own)."""
    if name not in _SEGMENTERS:
        close = difflib.get_close_matches(name, list(_SEGMENTERS), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ParameterError(f"Unknown segmenter {name!r} (--model).{hint} "
                             f"Known: {', '.join(list_segmenters())}.")
    model = _SEGMENTERS[name](**kwargs)
    model.model_name = name
    return model
