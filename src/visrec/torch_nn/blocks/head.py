"""The classifier head every registered classifier ends with: global pool -> flatten -> dropout -> linear.

Two layouts (Lecture 9):

- ``conv=False`` (ResNet, DenseNet, GoogLeNet, ...): pool the (N, D, h, w) map to (N, D), drop, then a
  linear layer to (N, K). With ``pool="none"`` the input is already (N, D) (VGG's FC8, the twins).
- ``conv=True`` (NiN, SqueezeNet): drop, a 1x1 convolution to one map per class (N, K, h, w), an optional
  nonlinearity, then pool to (N, K): "global average pooling of class maps" instead of an FC layer.

The last layer is a plain ``nn.Linear`` / ``nn.Conv2d`` (so summaries, initializers and the flop counter see
it as such). By default the head owns it as ``head.fc``; a model whose weights have always lived elsewhere
(torchvision's ``fc``, ``classifier.6``, ``classifier.1``) registers it there with :meth:`attach`, so state
dicts and torchvision files keep their keys.

>>> import torch
>>> head = ClassifierHead(64, 10, pool="avg")
>>> head(torch.zeros(2, 64, 8, 8)).shape, head(torch.zeros(2, 64, 8, 8), pre_logits=True).shape
(torch.Size([2, 10]), torch.Size([2, 64]))
>>> head.reset(3); head.fc.out_features
3
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["ClassifierHead", "POOL_TYPES"]

POOL_TYPES = ("avg", "max", "none")


class ClassifierHead(nn.Module):
    """x : (N, D, h, w) (or (N, D) with ``pool="none"``) -> logits (N, K).

    Parameters
    ----------
    in_features : int
        D, the channels (or features) of the input.
    num_classes : int
        K; 0 makes the last layer an ``nn.Identity``: the head then returns its pre-logits (N, D).
    pool : {"avg", "max", "none"}
        Global pooling over (h, w); "none" only flattens (an (N, D, h, w) map becomes (N, D*h*w)).
    drop_rate : float
        Dropout probability before the last layer (0 = no dropout module).
    bias : bool
        Whether the last layer has a bias.
    conv : bool
        Apply the last layer as a 1x1 convolution *before* pooling (class maps).
    act_layer : type of nn.Module, optional
        Nonlinearity after the 1x1 convolution (SqueezeNet's ReLU); conv heads only.
    init : callable, optional
        ``init(layer)`` applied to every freshly built last layer (at construction and on :meth:`reset`).
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        pool: str = "avg",
        drop_rate: float = 0.0,
        *,
        bias: bool = True,
        conv: bool = False,
        act_layer: type[nn.Module] | None = None,
        init=None,
    ):
        super().__init__()
        if pool not in POOL_TYPES:
            raise ValueError(f"pool must be one of {POOL_TYPES}; got {pool!r}.")
        if not 0.0 <= drop_rate < 1.0:
            raise ValueError(f"drop_rate must be in [0, 1); got {drop_rate}.")
        if act_layer is not None and not conv:
            raise ValueError("act_layer is for conv heads (a nonlinearity between the class maps and pool).")
        self.in_features, self.num_classes, self.pool_type = int(in_features), int(num_classes), pool
        self.bias, self.conv, self._init = bias, conv, init
        pools = {"avg": nn.AdaptiveAvgPool2d, "max": nn.AdaptiveMaxPool2d}
        self.global_pool = pools[pool](1) if pool != "none" else None
        self.drop = nn.Dropout(drop_rate) if drop_rate > 0 else None
        self.act = act_layer() if act_layer is not None else None
        self._home: tuple[nn.Module, str] | None = None  # (parent, name) when the last layer lives elsewhere
        self.fc = self._new_layer(num_classes)

    # -- the last layer ------------------------------------------------------------------------------------
    def _new_layer(self, num_classes: int) -> nn.Module:
        if not num_classes:
            return nn.Identity()  # no classifier: the head returns its pre-logits
        if self.conv:
            layer = nn.Conv2d(self.in_features, num_classes, 1, bias=self.bias)
        else:
            layer = nn.Linear(self.in_features, num_classes, bias=self.bias)
        if self._init is not None:
            self._init(layer)
        return layer

    @property
    def layer(self) -> nn.Module:
        """The module that produces the logits (``nn.Identity`` when ``num_classes`` is 0)."""
        if self._home is not None:
            parent, name = self._home
            return parent._modules.get(name)
        return self._modules.get("fc")

    def attach(self, parent: nn.Module, name: str) -> None:
        """Register the last layer as ``parent.<name>`` instead of ``head.fc`` (keeps historic state-dict
        keys such as ``fc.weight`` or ``classifier.6.weight``); the head keeps driving it."""
        layer = self.layer
        self._modules.pop("fc", None)
        self._home = (parent, name)
        parent._modules[name] = layer

    def reset(self, num_classes: int) -> None:
        """Replace the last layer by a freshly initialized one with ``num_classes`` outputs (0 = none), on the
        device and dtype of the old one."""
        p = next(self.layer.parameters(), None)
        new = self._new_layer(num_classes)
        if p is not None:
            new = new.to(device=p.device, dtype=p.dtype)
        self.num_classes = int(num_classes)
        if self._home is not None:
            parent, name = self._home
            parent._modules[name] = new
        else:
            self._modules["fc"] = new

    # -- forward -------------------------------------------------------------------------------------------
    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.global_pool is not None:
            x = self.global_pool(x)  # (N, D, 1, 1)
        return torch.flatten(x, 1)  # (N, D) ((N, D*h*w) for an unpooled map)

    def forward(
        self, x: torch.Tensor, pre_logits: bool = False, layer: nn.Module | None = None
    ) -> torch.Tensor:
        """x : (N, D, h, w) -> (N, K); with ``pre_logits`` the (N, D) vector the last layer reads.

        ``layer`` overrides the last layer (``ClassifierBase`` passes the one it finds at its own path, so
        shallow replicas such as ``nn.DataParallel``'s use their own copy).
        """
        layer = self.layer if layer is None else layer
        if self.conv:  # class maps: drop, 1x1 conv on the map, then pool
            if self.drop is not None:
                x = self.drop(x)
            if pre_logits:
                return self._pool(x)
            x = layer(x)  # (N, K, h, w)
            if self.act is not None:
                x = self.act(x)
            return self._pool(x)
        x = self._pool(x)  # (N, D)
        if self.drop is not None:
            x = self.drop(x)
        if pre_logits:
            return x
        return layer(x)  # (N, K)

    def extra_repr(self) -> str:
        where = f", last layer at {self._home[1]!r}" if self._home is not None else ""
        return f"pool={self.pool_type!r}, conv={self.conv}{where}"
