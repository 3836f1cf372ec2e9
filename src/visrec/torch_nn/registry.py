"""One registry for every torch model: ``create_model("resnet20", num_classes=10)``, ``list_models()``.

Model families register their builders with ``@register_model(kind=...)``; the CLI's ``--model`` and the
tests parametrized over the zoo go through :func:`create_model`. The registry fills itself on first use by
importing the modules listed in ``MODEL_MODULES`` (each package adds its ``models`` module there).

Before building a model from command-line options, a trainer calls :func:`check_model_options` (options
the model does not take are refused naming the flag) and, for classifiers, :func:`check_input_shape`
(images the model cannot take are refused naming the size it needs); both raise ``ParameterError``.

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
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from visrec.utils.errors import ParameterError

__all__ = [
    "KINDS",
    "MODEL_MODULES",
    "ModelEntry",
    "ModelOptionError",
    "check_input_shape",
    "check_model_options",
    "create_model",
    "is_model",
    "list_models",
    "model_entry",
    "register_model",
]

#: What a registered builder returns (see :mod:`visrec.torch_nn.interfaces` for the contracts).
KINDS = ("classifier", "block", "detector", "segmenter", "generator", "sequence", "captioner", "policy")

#: Modules imported (once, on first use) to fill the registry; each package appends its own.
MODEL_MODULES = [
    "visrec.torch_nn.models",
    "visrec.detection.models",
    "visrec.detection.segmentation.models",
    "visrec.generative.zoo",
    "visrec.sequence.zoo",
    "visrec.rl.zoo",  # needs the rl extra (gymnasium)
]


@dataclass(frozen=True)
class ModelEntry:
    """What the registry knows about one name: the builder, its family, and what kind of module it is.

    ``kind`` is one of :data:`KINDS`: "classifier" (a ``ClassifierBase`` taking ``num_classes``), "block"
    (a single module registered for ``visrec summary``, e.g. the Inception module of the slides), or the
    kinds of the later lectures (detector, segmenter, generator, sequence, captioner, policy).
    """

    name: str
    fn: Callable[..., nn.Module]
    family: str
    kind: str = "classifier"
    tags: tuple[str, ...] = field(default_factory=tuple)


class ModelOptionError(ParameterError, TypeError):
    """An option the model does not take (a ``TypeError`` as Python's own, and a ``ParameterError``);
    ``option`` is its name."""

    def __init__(self, message: str, option: str):
        super().__init__(message)
        self.option = option


_REGISTRY: dict[str, ModelEntry] = {}
_LOADED: set[str] = set()
_UNAVAILABLE: dict[str, str] = {}  # module of MODEL_MODULES -> the missing third-party package


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
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")

    def _register(f: Callable) -> Callable:
        name = f.__name__
        if name in _REGISTRY and _REGISTRY[name].fn is not f:
            raise ValueError(f"A model named {name!r} is already registered (from {_REGISTRY[name].family}).")
        fam = family or f.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = ModelEntry(name=name, fn=f, family=fam, kind=kind, tags=tuple(tags))
        return f

    return _register(fn) if fn is not None else _register


def _ensure_loaded() -> None:
    """Import the modules of ``MODEL_MODULES`` not imported yet, which fills the registry.

    A module whose optional third-party dependency is missing is skipped (its models are then unavailable,
    and an unknown-model error names the package to install); any other import error is a bug and propagates.
    """
    for module in list(MODEL_MODULES):
        if module in _LOADED:
            continue
        _LOADED.add(module)
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.split(".")[0] == "visrec":
                raise
            _UNAVAILABLE[module] = exc.name


def list_models(pattern: str | None = None, kind: str | None = "classifier") -> list[str]:
    """Sorted names matching the shell-style ``pattern`` (``fnmatch``: ``"resnet*"``, ``"*cifar*"``; None =
    all).

    ``kind`` filters by :data:`KINDS`: "classifier" (default, what ``--model`` of ``visrec train`` takes),
    "block", "detector", ...; ``kind=None`` lists every kind.
    """
    if kind is not None and kind not in KINDS:
        raise ParameterError(f"kind must be one of {KINDS} or None; got {kind!r}.")
    _ensure_loaded()
    names = [n for n, e in _REGISTRY.items() if kind is None or e.kind == kind]
    return sorted(n for n in names if pattern is None or fnmatch.fnmatch(n, pattern))


def is_model(name: str) -> bool:
    """True when ``name`` is registered (any kind)."""
    _ensure_loaded()
    return name in _REGISTRY


def model_entry(name: str) -> ModelEntry:
    """The registry entry of ``name``; unknown names raise ``ParameterError`` listing close matches."""
    _ensure_loaded()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=5, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        missing = "".join(f" The models of {m} are not loaded: pip install {pkg!r}." for m, pkg in
                          _UNAVAILABLE.items())
        raise ParameterError(
            f"Unknown model {name!r}.{hint} `visrec summary --list` or visrec.torch_nn.list_models() shows "
            f"the {len(_REGISTRY)} registered names.{missing}"
        )
    return _REGISTRY[name]


def create_model(name: str, num_classes: int = 10, weights: str | None = None, **kwargs) -> nn.Module:
    """Build the registered model ``name``.

    Parameters
    ----------
    name : str
        A name from :func:`list_models` (e.g. "resnet20", "vgg16", "alexnet_lecture").
    num_classes : int
        Number of output classes K (passed to classifiers, and to other kinds whose builder takes it).
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
            raise ModelOptionError(
                f"{name} got unknown option(s) {unknown}; it accepts {accepted}.", unknown[0]
            )
    if entry.kind == "classifier" or "num_classes" in params:
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 0:
            raise ParameterError(f"num_classes must be an int >= 0 (0 = no classifier); got {num_classes!r}.")
        kwargs = {"num_classes": num_classes, **kwargs}
    try:
        model = entry.fn(**kwargs)
    except TypeError as exc:  # an option the builder forwards (**kw) but the class does not take
        bad = re.findall(r"unexpected keyword argument '(\w+)'", str(exc))
        if not bad or bad[0] not in kwargs:
            raise
        raise ModelOptionError(_option_message(name, bad[0], SHORTCUT_FLAGS), bad[0]) from None
    protocol = _protocol(entry.kind)
    if protocol is not None and not isinstance(model, protocol):
        members = {k for k in vars(protocol) if not k.startswith("_")} | set(protocol.__annotations__)
        missing = sorted(m for m in members if not hasattr(model, m))
        raise TypeError(
            f"{name} is registered as a {entry.kind} but its {type(model).__name__} lacks {missing} "
            f"(see visrec.torch_nn.interfaces.{protocol.__name__})."
        )
    model.model_name = name
    if weights is not None:
        from visrec.torch_nn.weights import load_weights

        load_weights(model, weights)
    return model


def _protocol(kind: str):
    from visrec.torch_nn.interfaces import PROTOCOLS

    return PROTOCOLS.get(kind)


# ------------------------------------------------------------------------------ checks before building
#: create_model keyword -> the `visrec train` flag that sets it (for error messages).
SHORTCUT_FLAGS = {"hidden_dims": "--hidden", "dropout": "--dropout", "norm": "--norm", "in_chans": "--data"}


def model_options(name: str) -> set[str]:
    """The keyword options ``name``'s builder takes (its own parameters, plus those of the class it builds
    when it forwards ``**kw`` and names that class in its return annotation)."""
    import typing

    entry = model_entry(name)
    params = inspect.signature(entry.fn).parameters
    options = {k for k, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        try:
            cls = typing.get_type_hints(entry.fn).get("return")
        except Exception:  # an annotation that does not resolve: report the builder's own parameters
            cls = None
        if inspect.isclass(cls):
            init = inspect.signature(cls.__init__).parameters
            options |= {
                k for k, p in init.items() if k != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            }
    options.discard("num_classes")
    return options


def _build_on_meta(name: str, kwargs: dict, flags: dict) -> nn.Module:
    """Build ``name`` on the meta device (no memory, no compute); option errors become ParameterError."""
    import torch

    try:
        with torch.device("meta"):
            return create_model(name, num_classes=2, **kwargs)
    except ModelOptionError as exc:
        raise ParameterError(_option_message(name, exc.option, flags)) from None
    except ParameterError:
        raise
    except ValueError as exc:  # the architecture's own validation (depth 6n+2, img_size, ...)
        given = ", ".join(f"{flags.get(k, k)}={v!r}" for k, v in kwargs.items()) or "its defaults"
        raise ParameterError(f"--model {name} cannot be built with {given}: {exc}") from None


def _option_message(name: str, key: str, flags: dict) -> str:
    flag = flags.get(key, f"the model option {key!r}")
    accepted = sorted(model_options(name))
    takers = [n for n in list_models() if key in model_options(n)]
    who = (
        f"the models that take it: {', '.join(takers[:12])}{' ...' if len(takers) > 12 else ''}"
        if takers
        else "no registered torch model takes it"
    )
    close = difflib.get_close_matches(key, accepted, n=2, cutoff=0.5)
    hint = f" (did you mean the model option {' or '.join(repr(c) for c in close)}?)" if close else ""
    return (
        f"{flag} is not an option of --model {name}; {who}. {name} takes {accepted}{hint}. Drop {flag}, or "
        "pick one of those models."
    )


def check_model_options(name: str, kwargs: dict, flags: dict[str, str] | None = None) -> None:
    """Raise ``ParameterError`` unless ``create_model(name, **kwargs)`` accepts every option in ``kwargs``.

    The message names the flag the user typed (``flags`` maps option -> flag; ``--hidden``, ``--dropout``,
    ``--norm`` are known), the models that take that option, and the options ``name`` takes. The model is
    built on the meta device, so the check costs no memory.

    >>> check_model_options("resnet20", {"norm": "batchnorm"})
    Traceback (most recent call last):
    ...
    visrec.utils.errors.ParameterError: --norm is not an option of --model resnet20; no registered torch ...
    """
    _build_on_meta(name, dict(kwargs), {**SHORTCUT_FLAGS, **(flags or {})})


def check_input_shape(name: str, shape: tuple[int, int, int], **kwargs) -> tuple[int, int, int]:
    """The (C, H, W) classifier ``name`` runs at on images of ``shape`` (C, H, W), or ``ParameterError``.

    ``in_chans`` is set to C when the builder takes it (as ``visrec train`` does). Models with a fixed input
    size, or a minimum the images are below, get the images resized to their ``input_size``; the returned
    shape says so. A forward pass on the meta device proves the shape works; if it does not, the error
    names ``--model`` and the input the model needs.

    >>> check_input_shape("resnet20", (1, 8, 8))     # resized to the CIFAR size, one channel
    (1, 32, 32)
    """
    import torch

    c, h, w = (int(v) for v in shape)
    entry = model_entry(name)
    if entry.kind != "classifier":
        raise ParameterError(f"--model {name} is a {entry.kind}, not an image classifier.")
    params = inspect.signature(entry.fn).parameters
    if "in_chans" in model_options(name) or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs.setdefault("in_chans", c)  # as `visrec train` does
    model = _build_on_meta(name, kwargs, SHORTCUT_FLAGS)
    mc, mh, mw = (int(v) for v in getattr(model, "input_size", (c, h, w)))
    fixed = bool(getattr(model, "fixed_input_size", False))
    run = (c, mh, mw) if (fixed or min(h, w) < int(getattr(model, "min_input_size", 1))) else (c, h, w)
    if run == (mc, mh, mw):
        return run  # the model's own input size (every model is tested there): no forward needed
    small = sum(p.numel() for p in model.parameters()) < 5_000_000 and run[1] * run[2] <= 64 * 64
    try:
        if small:  # a real forward is faster than the meta one for small nets; leave the caller's RNG alone
            with torch.random.fork_rng(devices=[]):
                model = create_model(name, num_classes=2, **kwargs)
        with torch.no_grad():
            out = model.eval()(torch.zeros(1, *run, device="cpu" if small else "meta"))
        out = out[0] if isinstance(out, (tuple, list)) else out
        if tuple(out.shape) != (1, 2):
            raise ValueError(f"it returned logits of shape {tuple(out.shape)} instead of (N, K)")
    except (RuntimeError, ValueError) as exc:
        needs = model.describe_input() if hasattr(model, "describe_input") else f"{mc}x{mh}x{mw} images"
        reason = str(exc).splitlines()[0]
        resized = f" (resized to {run[1]}x{run[2]})" if run[1:] != (h, w) else ""
        raise ParameterError(
            f"--model {name} cannot take the {c}x{h}x{w} images of --data{resized}: it needs {needs} "
            f"({reason}). "
            "Pick another --model (`visrec summary --list`), or data of that size."
        ) from None
    return run
