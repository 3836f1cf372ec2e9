"""Every hook this package puts on a model is registered and removed here.

- :func:`find_layer` turns a dotted name (``"features.3"``) into the module, and an unknown name into a
  :class:`ParameterError` listing the valid names;
- :func:`capture` records a layer's output (or input) during one forward pass, keeping it in the graph so
  gradients can be taken with respect to it;
- :func:`guided_relus` switches every ReLU of a forward pass, module, in-place or functional, to the guided
  backward rule of Springenberg et al. (2015): only positive gradients pass where the input was positive.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
>>> find_layer(net, "0")
Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))
>>> with capture(net, "1") as seen:
...     _ = net(torch.zeros(1, 1, 6, 6))
>>> tuple(seen.output.shape)
(1, 2, 4, 4)
"""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from visrec.explain._errors import ParameterError

__all__ = [
    "find_layer",
    "layer_names",
    "capture",
    "capture_many",
    "forward_until",
    "Captured",
    "guided_relus",
    "GuidedReLU",
    "resolve_model",
]


def resolve_model(model: nn.Module) -> nn.Module:
    """The module whose names a user writes: the wrapped classifier of an :class:`ExplainModel`, else
    ``model`` itself."""
    return getattr(model, "net", model)


def layer_names(model: nn.Module) -> list[str]:
    """Dotted names of every sub-module of ``model`` (the classifier inside a wrapper), in order."""
    return [n for n, _ in resolve_model(model).named_modules() if n]


def find_layer(model: nn.Module, layer: str | nn.Module) -> nn.Module:
    """The sub-module called ``layer`` (a dotted name as in ``model.named_modules()``), or ``layer`` itself.

    Raises
    ------
    ParameterError
        ``layer`` names no module; the message lists close matches and the valid names.
    """
    if isinstance(layer, nn.Module):
        return layer
    root = resolve_model(model)
    named = dict(root.named_modules())
    if isinstance(layer, str) and layer in named and layer:
        return named[layer]
    names = [n for n in named if n]
    close = difflib.get_close_matches(str(layer), names, n=3, cutoff=0.4)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(names[:40]) + (f", ... ({len(names)} in all)" if len(names) > 40 else "")
    raise ParameterError(
        f"The model has no layer named {layer!r}.{hint} Valid layer names (--layer): {shown}."
    )


class Captured:
    """What :func:`capture` saw: ``output`` (or ``input``) of the layer in the last forward pass."""

    def __init__(self) -> None:
        self.output: torch.Tensor | None = None
        self.input: torch.Tensor | None = None


class _StopForward(Exception):
    """Raised by a capture hook once everything asked for is recorded (see :func:`forward_until`)."""


@contextlib.contextmanager
def capture(
    model: nn.Module, layer: str | nn.Module, clone: bool = True, stop: bool = False
) -> Iterator[Captured]:
    """Record the input and output of ``layer`` while the block runs; the hook is removed on exit.

    With ``clone=True`` the layer passes on a copy of its output, so an in-place operation after the layer
    (``nn.ReLU(inplace=True)``) cannot overwrite the recorded tensor; gradients with respect to
    ``seen.output`` are then the gradients with respect to the layer's true output. With ``stop=True`` the
    forward pass ends at the layer: run it with :func:`forward_until` (the rest of the network is skipped,
    so a head that needs a fixed input size never runs).
    """
    with capture_many(model, [layer], clone=clone, stop=stop) as seen:
        yield seen[0]


@contextlib.contextmanager
def capture_many(
    model: nn.Module, layers, clone: bool = True, stop: bool = False
) -> Iterator[list[Captured]]:
    """:func:`capture` for several layers at once; with ``stop`` the pass ends when all are recorded."""
    modules = [find_layer(model, layer) for layer in layers]
    seen = [Captured() for _ in modules]
    pending = set(range(len(modules)))

    def make_hook(i):
        def hook(mod, inputs, output):
            seen[i].input = inputs[0] if inputs else None
            seen[i].output = output
            pending.discard(i)
            if stop and not pending:
                raise _StopForward
            return output.clone() if clone and isinstance(output, torch.Tensor) else None

        return hook

    handles = [m.register_forward_hook(make_hook(i)) for i, m in enumerate(modules)]
    try:
        yield seen
    finally:
        for h in handles:
            h.remove()


def forward_until(model: nn.Module, x: torch.Tensor) -> None:
    """Run ``model(x)`` up to the point where a ``stop=True`` capture has everything it asked for."""
    try:
        model(x)
    except _StopForward:
        pass


class GuidedReLU(torch.autograd.Function):
    """relu forward; backward ``grad * (x > 0) * (grad > 0)`` (guided backpropagation)."""

    @staticmethod
    def forward(ctx, x):
        out = x.clamp_min(0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad.clamp_min(0) * (out > 0).to(grad.dtype)


class _GuidedMode(TorchFunctionMode):
    """Reroutes ``F.relu``, ``torch.relu`` and ``Tensor.relu`` (in place or not) through :class:`GuidedReLU`.

    ``nn.ReLU`` calls ``F.relu``, so modules, in-place modules and functional calls are all covered; an
    in-place call writes the guided result back into its argument, keeping the in-place contract.
    """

    OUT_OF_PLACE = {F.relu, torch.relu, torch.Tensor.relu}
    IN_PLACE = {F.relu_, torch.relu_, torch.Tensor.relu_}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        if func in self.OUT_OF_PLACE or func in self.IN_PLACE:
            inplace = func in self.IN_PLACE or bool(kwargs.pop("inplace", False))
            if len(args) > 1:  # F.relu(x, True)
                inplace = inplace or bool(args[1])
            x = args[0]
            out = GuidedReLU.apply(x)
            if inplace:
                x.copy_(out)
                return x
            return out
        return func(*args, **kwargs)


@contextlib.contextmanager
def guided_relus() -> Iterator[None]:
    """Inside the block every ReLU's backward passes only positive gradients (see :class:`GuidedReLU`)."""
    with _GuidedMode():
        yield
