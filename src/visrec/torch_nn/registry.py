"""One registry for every torch model: ``create_model("resnet20", num_classes=10)``, ``list_models()``.

Model families register their builders with ``@register_model``; the CLI's ``--model`` and the tests
parametrized over the zoo go through :func:`create_model`.

>>> from visrec.torch_nn import create_model, list_models
>>> "resnet20" in list_models("resnet*")
True
>>> model = create_model("lenet5", num_classes=10)
>>> model.default_cfg["input_size"]
(1, 32, 32)
"""

from __future__ import annotations

import difflib
import fnmatch
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from visrec.utils.errors import ParameterError

__all__ = ["register_model", "create_model", "list_models", "is_model", "model_entry", "ModelEntry"]

KINDS = ("classifier", "block")


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows about one name: the builder, its family, and what kind of module it is.

    ``kind`` is "classifier" (a ``ClassifierBase`` taking ``num_classes``) or "block" (a single module
    registered for ``visrec summary``, e.g. the Inception module of the slides).
    """

    name: str
    fn: Callable[..., nn.Module]
    family: str
    kind: str = "classifier"
    tags: tuple[str, ...] = field(default_factory=tuple)


_REGISTRY: dict[str, ModelEntry] = {}
_LOADED = False


def register_model(
    fn: Callable | None = None,
    *,
    family: str | None = None,
    kind: str = "classifier",
    tags: tuple[str, ...] = (),
):
    """Decorator: register a builder ``fn(num_classes=..., **kw) -> nn.Module`` under ``fn.__name__``.

    Usable bare (``@register_model``) or with options (``@register_model(kind="block")``). The family
    defaults to the defining module's file name (``models/resnet_cifar.py`` -> "resnet_cifar").
    """
    if kind not in KINDS:
        raise ParameterError(f"kind must be one of {KINDS}; got {kind!r}.")

    def _register(f: Callable) -> Callable:
        name = f.__name__
        if name in _REGISTRY and _REGISTRY[name].fn is not f:
            raise ParameterError(f"A model named {name!r} is already registered (from {_REGISTRY[name].family}).")
        fam = family or f.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = ModelEntry(name=name, fn=f, family=fam, kind=kind, tags=tuple(tags))
        return f

    return _register(fn) if fn is not None else _register


def _ensure_loaded() -> None:
    """Import the model families once, which fills the registry."""
    global _LOADED
    if not _LOADED:
        importlib.import_module("visrec.torch_nn.models")
        _LOADED = True


def list_models(pattern: str = "*", kind: str | None = "classifier") -> list[str]:
    """Sorted names matching the shell-style ``pattern`` (``fnmatch``: ``"resnet*"``, ``"*cifar*"``).

    ``kind="classifier"`` (default) lists the classifiers, ``kind="block"`` the single modules registered for
    ``visrec summary``, ``kind=None`` both.
    """
    _ensure_loaded()
    names = [n for n, e in _REGISTRY.items() if kind is None or e.kind == kind]
    return sorted(n for n in names if fnmatch.fnmatch(n, pattern))


def is_model(name: str) -> bool:
    """True when ``name`` is registered (any kind)."""
    _ensure_loaded()
    return name in _REGISTRY


def model_entry(name: str) -> ModelEntry:
    """The registry entry of ``name``; unknown names raise ``ValueError`` listing close matches."""
    _ensure_loaded()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=5, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ParameterError(
            f"Unknown model {name!r}.{hint} `visrec summary --list` or visrec.torch_nn.list_models() shows "
            f"the {len(_REGISTRY)} registered names."
        )
    return _REGISTRY[name]


def create_model(name: str, num_classes: int = 10, weights: str | None = None, **kwargs) -> nn.Module:
    """Build the registered model ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`list_models` (e.g. "resnet20", "vgg16", "alexnet_lecture").
    num_classes : int
        Number of output classes K (ignored by "block" entries).
    weights : str or Path, optional
        A .pth/.pt/.safetensors state dict to load strictly (see :func:`visrec.torch_nn.load_weights`).
    **kwargs
        Architecture options of the builder (``in_chans``, ``img_size``, ``norm_layer``, ``drop_rate``, ...).
        Unknown options raise ``TypeError`` listing the accepted ones.
    """
    entry = model_entry(name)
    params = inspect.signature(entry.fn).parameters
    has_var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    if not has_var_kw:
        unknown = sorted(k for k in kwargs if k not in params)
        if unknown:
            accepted = sorted(k for k in params if k != "num_classes")
            raise TypeError(f"{name} got unknown option(s) {unknown}; it accepts {accepted}.")
    if entry.kind == "classifier":
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 0:
            raise ParameterError(f"num_classes must be an int >= 0 (0 = no classifier); got {num_classes!r}.")
        model = entry.fn(num_classes=num_classes, **kwargs)
    else:
        model = entry.fn(**kwargs)
    model.model_name = name
    if weights is not None:
        from visrec.torch_nn.weights import load_weights

        load_weights(model, weights)
    return model
