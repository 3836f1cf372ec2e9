"""The one interface every registered torch classifier has (timm style).

Every classifier splits into a *body* and a *head* (a ``ClassifierHead``: pool, flatten, dropout, linear)::

    logits = model.forward_head(model.forward_features(x))   # == model(x)

so saliency maps, class visualization, feature inversion and fine-tuning work on any registered CNN.
``reset_classifier(K)`` replaces the head for a new number of classes; ``default_cfg`` says what input the
model expects.
"""

from __future__ import annotations

import functools
from typing import ClassVar

import torch
from torch import nn

from visrec.utils.errors import GeometryError

__all__ = ["ClassifierBase", "kaiming_normal_", "normal_"]


class ClassifierBase(nn.Module):
    """Base class of the registered classifiers.

    Subclasses set, in ``__init__``:

    - ``num_classes`` (int) and ``in_chans`` (int);
    - ``input_size`` : tuple (C, H, W), the natural input size;
    - ``fixed_input_size`` : bool, True when the head only works at ``input_size`` (e.g. an FC head on a
      flattened map, or a CIFAR net whose stages are sized for 32x32);
    - ``min_input_size`` : int, the smallest H = W the body can take (checked when the size is not fixed);
    - the head, with ``self.set_head(ClassifierHead(D, K, ...), at="fc")`` (``num_features`` = D);

    and implement ``forward_features`` (plus ``forward_pre_head`` when layers sit between the body and the
    head, such as VGG's FC6/FC7). ``forward_head``, ``get_classifier`` and ``reset_classifier`` are written
    here once and delegate to ``self.head`` (a :class:`~visrec.torch_nn.blocks.ClassifierHead`).

    ``legacy_keys`` maps state-dict keys of older releases to today's (``{"head.weight": "head.fc.weight"}``);
    ``load_state_dict`` and :func:`visrec.torch_nn.load_weights` accept both.
    """

    num_classes: int = 0
    in_chans: int = 3
    input_size: tuple[int, int, int] = (3, 224, 224)
    fixed_input_size: bool = False
    min_input_size: int = 1
    num_features: int = 0
    family: str = ""
    paper: str = ""
    legacy_keys: ClassVar[dict[str, str]] = {}
    _head_at: str | None = None  # where set_head registered the last layer

    def __init__(self) -> None:
        super().__init__()
        if self.legacy_keys:
            self.register_load_state_dict_pre_hook(_upgrade_hook)

    def __init_subclass__(cls, **kwargs):
        """Wrap a subclass's own ``reset_classifier`` so the new head lands on the model's device and dtype
        (a head replaced on a CUDA, meta or float64 model would otherwise be a CPU float32 module)."""
        super().__init_subclass__(**kwargs)
        if "reset_classifier" in cls.__dict__:
            cls.reset_classifier = _keep_device(cls.__dict__["reset_classifier"])

    # -- the interface -------------------------------------------------------------------------------------
    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """x : Tensor of shape (N, C, H, W) -> features before pooling / the classifier."""
        raise NotImplementedError

    def forward_pre_head(self, x: torch.Tensor) -> torch.Tensor:
        """Layers between the body and the head (none by default; VGG's FC6/FC7, LeNet's F5/F6)."""
        return x

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        """Features -> logits of shape (N, K); with ``pre_logits=True`` the (N, D) vector fed to the last
        layer instead."""
        return self.head(self.forward_pre_head(x), pre_logits=pre_logits, layer=self.get_classifier())

    def reset_classifier(self, num_classes: int) -> None:
        """Replace the last layer by a freshly initialized one with ``num_classes`` outputs (0 = identity),
        on the model's device and dtype."""
        first = next(self.parameters(), None)
        self.num_classes = int(num_classes)
        self.head.reset(num_classes)
        if first is not None:
            self.get_classifier().to(device=first.device, dtype=first.dtype)

    def get_classifier(self) -> nn.Module:
        """The module that produces the logits (the head's last layer)."""
        return self.get_submodule(self._head_at) if self._head_at else self.head.layer

    def set_head(self, head: nn.Module, at: str | None = None) -> None:
        """Install ``head`` as ``self.head``; ``at`` ("fc", "classifier.6") registers its last layer at that
        path instead of ``head.fc``, so the state-dict keys stay those of torchvision / older releases."""
        self.head = head
        self.num_features = head.in_features
        self._head_at = at
        if at is not None:
            parent_path, _, name = at.rpartition(".")
            head.attach(self.get_submodule(parent_path) if parent_path else self, name)

    def upgrade_state_dict(self, state: dict, prefix: str = "") -> dict:
        """``state`` with the keys of older releases (``legacy_keys``) renamed to today's."""
        if not self.legacy_keys:
            return state
        out = {}
        for key, value in state.items():
            short = key[len(prefix) :] if key.startswith(prefix) else None
            out[prefix + self.legacy_keys[short] if short in self.legacy_keys else key] = value
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x : Tensor of shape (N, C, H, W) -> logits of shape (N, K)."""
        self.check_input(x)
        return self.forward_head(self.forward_features(x))

    # -- helpers -------------------------------------------------------------------------------------------
    @property
    def default_cfg(self) -> dict:
        """What a caller needs to feed the model: input size, whether it is fixed, classes, family."""
        return {
            "architecture": getattr(self, "model_name", type(self).__name__),
            "family": self.family,
            "input_size": tuple(self.input_size),
            "fixed_input_size": bool(self.fixed_input_size),
            "min_input_size": int(self.min_input_size),
            "num_classes": int(self.num_classes),
            "num_features": int(self.num_features),
            "paper": self.paper,
        }

    def describe_input(self) -> str:
        """The input this model needs, in words (for error messages): "1x32x32 images", ..."""
        c, h, w = self.input_size
        if self.fixed_input_size:
            return f"{c}x{h}x{w} images"
        return f"{c}-channel images of at least {self.min_input_size}x{self.min_input_size}"

    def check_input(self, x: torch.Tensor) -> None:
        """Raise ``GeometryError`` (a ``ValueError``) naming the expected size when ``x`` cannot go through
        this model."""
        name = getattr(self, "model_name", type(self).__name__)
        c, h, w = self.input_size
        if not isinstance(x, torch.Tensor) or x.dim() != 4:
            got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise GeometryError(
                f"{name} expects a batch of images of shape (N, {c}, H, W); got {got}. "
                "Add a batch dimension with x.unsqueeze(0) for a single image."
            )
        if x.shape[1] != c:
            raise GeometryError(
                f"{name} expects {c} input channels (shape (N, {c}, {h}, {w})); got {tuple(x.shape)}. "
                f"Convert the images, or create the model with in_chans={x.shape[1]}."
            )
        hw = tuple(x.shape[2:])
        if self.fixed_input_size and hw != (h, w):
            raise GeometryError(
                f"{name} has a fixed input size: it expects (N, {c}, {h}, {w}) ({h}x{w} images); got "
                f"{tuple(x.shape)}. Resize or crop the images to {h}x{w}, or create the model with "
                f"img_size={hw[0]} where the architecture allows it."
            )
        if min(hw) < self.min_input_size:
            raise GeometryError(
                f"{name} needs images of at least {self.min_input_size}x{self.min_input_size} (natural size "
                f"{h}x{w}); got {tuple(x.shape)}. Upsample the images or pick a CIFAR-sized model."
            )


def _upgrade_hook(module, state_dict, prefix, *args) -> None:
    """load_state_dict pre-hook: rename legacy keys in place (the dict is load_state_dict's own copy)."""
    upgraded = module.upgrade_state_dict(dict(state_dict), prefix)
    state_dict.clear()
    state_dict.update(upgraded)


def _keep_device(reset):
    @functools.wraps(reset)
    def wrapper(self, num_classes: int) -> None:
        first = next(self.parameters(), None)
        reset(self, num_classes)
        if first is not None:
            self.get_classifier().to(device=first.device, dtype=first.dtype)

    return wrapper


def kaiming_normal_(weight: torch.Tensor, **kwargs) -> None:
    """``nn.init.kaiming_normal_`` that does nothing on the meta device (where ``normal_`` is slow to trace
    and pointless: meta tensors hold no values; summaries and parameter counts build models there)."""
    if not weight.is_meta:
        nn.init.kaiming_normal_(weight, **kwargs)


def normal_(weight: torch.Tensor, mean: float = 0.0, std: float = 1.0) -> None:
    """``nn.init.normal_`` that does nothing on the meta device."""
    if not weight.is_meta:
        nn.init.normal_(weight, mean, std)
