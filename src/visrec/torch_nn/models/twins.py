"""Torch twins of the NumPy engine's models, for checking that the two engines agree.

- ``fc_twin``: {Linear - ReLU} x (L - 1) - Linear, the NumPy ``FullyConnectedNet`` without normalization
  or dropout;
- ``threelayer_convnet_twin``: conv(F, k x k, stride 1, pad (k-1)/2) - ReLU - 2x2 max pool - Linear - ReLU
  - Linear, the NumPy ``ThreeLayerConvNet``.

Both define the NumPy models' objective, ``loss = mean softmax cross-entropy + 0.5 * reg * sum_W W**2``
over the weight matrices/filters (not the biases), in :meth:`objective`, and copy NumPy parameters with
:meth:`load_numpy_params` (NumPy affine weights are (D, M), ``nn.Linear.weight`` is (M, D): transposed;
conv filters are (F, C, k, k) in both). The torch side never imports the NumPy engine: parameters arrive
as a plain dict of arrays named W1, b1, W2, ...
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import register_model
from visrec.utils.errors import GeometryError

__all__ = ["FCTwin", "ThreeLayerConvNetTwin", "fc_twin", "threelayer_convnet_twin"]


class _TwinBase(ClassifierBase):
    family = "twins"
    reg: float = 0.0

    def objective(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of ``x`` (N, ...) against ``y`` (N,) plus ``0.5 * reg * sum W**2``."""
        loss = F.cross_entropy(self(x), y)
        return loss + 0.5 * self.reg * sum((w * w).sum() for w in self.weights())

    def weights(self) -> list[torch.Tensor]:
        return [m.weight for m in self.layers_in_numpy_order()]

    def layers_in_numpy_order(self) -> list[nn.Module]:
        raise NotImplementedError

    @torch.no_grad()
    def load_numpy_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy ``W{i}``, ``b{i}`` (NumPy layout) into the twin's layers, transposing affine weights."""
        for i, layer in enumerate(self.layers_in_numpy_order(), start=1):
            w = torch.as_tensor(np.asarray(params[f"W{i}"]), dtype=layer.weight.dtype)
            layer.weight.copy_(w.T if isinstance(layer, nn.Linear) else w)
            layer.bias.copy_(torch.as_tensor(np.asarray(params[f"b{i}"]), dtype=layer.bias.dtype))

    def numpy_grads(self) -> dict[str, np.ndarray]:
        """The gradients of the last backward, named and laid out like the NumPy model's ``grads``."""
        out = {}
        for i, layer in enumerate(self.layers_in_numpy_order(), start=1):
            g = layer.weight.grad
            out[f"W{i}"] = (g.T if isinstance(layer, nn.Linear) else g).detach().cpu().numpy()
            out[f"b{i}"] = layer.bias.grad.detach().cpu().numpy()
        return out


class FCTwin(_TwinBase):
    """x : (N, D) or (N, C, H, W) (flattened) -> scores (N, K)."""

    def __init__(
        self,
        num_classes: int = 10,
        hidden_dims=(100, 100),
        input_dim: int = 3072,
        reg: float = 0.0,
        in_chans: int = 3,
    ):
        super().__init__()
        self.num_classes, self.in_chans, self.reg = num_classes, in_chans, float(reg)
        self.input_dim = int(input_dim)
        side = int(round((input_dim / in_chans) ** 0.5))
        # square images of C*S*S = D features get resized to S; other inputs must flatten to D themselves
        self.input_size = (in_chans, side, side)
        self.fixed_input_size = in_chans * side * side == input_dim
        dims = [input_dim, *hidden_dims]
        self.hidden = nn.ModuleList(nn.Linear(dims[i], dims[i + 1]) for i in range(len(hidden_dims)))
        self.set_head(ClassifierHead(dims[-1], num_classes, "none"), at="fc")

    def check_input(self, x: torch.Tensor) -> None:
        """Any (N, ...) input with D = ``input_dim`` features per sample."""
        d = x[0].numel() if x.dim() > 1 else -1
        if d != self.input_dim:
            raise GeometryError(
                f"fc_twin expects inputs of D = {self.input_dim} features per sample (N, D) or (N, C, H, W) "
                f"with C*H*W = {self.input_dim}; got {tuple(x.shape)}. Create it with input_dim={max(d, 1)}."
            )

    def describe_input(self) -> str:
        return f"C*H*W = {self.input_dim} features per image (input_dim)"

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(len(x), -1)  # (N, D)
        for layer in self.hidden:
            x = F.relu(layer(x))
        return x

    def layers_in_numpy_order(self) -> list[nn.Module]:
        return [*self.hidden, self.fc]


class ThreeLayerConvNetTwin(_TwinBase):
    """x : (N, C, H, W) -> conv (N, F, H, W) -> pool (N, F, H/2, W/2) -> hidden (N, Hd) -> scores (N, K)."""

    def __init__(
        self,
        num_classes: int = 10,
        input_dim=(3, 32, 32),
        num_filters: int = 32,
        filter_size: int = 7,
        hidden_dim: int = 100,
        reg: float = 0.0,
        in_chans: int | None = None,
    ):
        super().__init__()
        c, h, w = input_dim
        c = in_chans or c
        self.num_classes, self.in_chans, self.reg = num_classes, c, float(reg)
        self.input_size, self.fixed_input_size = (c, h, w), True
        self.conv = nn.Conv2d(c, num_filters, filter_size, padding=(filter_size - 1) // 2)
        self.hidden = nn.Linear(num_filters * (h // 2) * (w // 2), hidden_dim)
        self.set_head(ClassifierHead(hidden_dim, num_classes, "none"), at="fc")

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv(x)), 2)  # (N, F, H/2, W/2)
        return F.relu(self.hidden(x.flatten(1)))  # (N, Hd)

    def layers_in_numpy_order(self) -> list[nn.Module]:
        return [self.conv, self.hidden, self.fc]


@register_model
def fc_twin(num_classes: int = 10, **kw) -> FCTwin:
    """Torch twin of the NumPy FullyConnectedNet (no norm, no dropout)."""
    return FCTwin(num_classes=num_classes, **kw)


@register_model
def threelayer_convnet_twin(num_classes: int = 10, **kw) -> ThreeLayerConvNetTwin:
    """Torch twin of the NumPy ThreeLayerConvNet."""
    return ThreeLayerConvNetTwin(num_classes=num_classes, **kw)
