"""Backbones for the detectors: a registry ResNet cut after a stage list, plus a feature pyramid.

``resnet_fpn_backbone("resnet50")`` is laid out like torchvision's ``BackboneWithFPN``: ``body`` holds the
ResNet's ``conv1 .. layer4`` under their own names (``backbone.body.layer1.0.conv1.weight``) and ``fpn``
the pyramid (:mod:`visrec.detection.models.fpn`), so torchvision detection state dicts load.
``TinyBackbone`` is a few-thousand-parameter CNN with the same interface for tests and CPU benchmarks.

Every backbone maps images (N, C, H, W) to an ordered dict of feature maps ``{"0": (N, D, H/s0, W/s0),
...}`` and exposes ``out_channels`` (D, the same on every level).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from visrec.detection.models.fpn import FeaturePyramidNetwork, LastLevelMaxPool, LastLevelP6P7
from visrec.torch_nn.models.stride_cnn import stride_stages

__all__ = [
    "FrozenBatchNorm2d",
    "FeatureExtractor",
    "BackboneWithFPN",
    "TinyBackbone",
    "resnet_fpn_backbone",
]


class FrozenBatchNorm2d(nn.Module):
    """Batch norm with fixed statistics and affine terms, all buffers (what published detectors use).

    y = (x - running_mean) / sqrt(running_var + eps) * weight + bias, per channel of x (N, C, H, W).
    Its state dict has no ``num_batches_tracked`` and its weights are not parameters.
    """

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.register_buffer("weight", torch.ones(num_features))
        self.register_buffer("bias", torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        state_dict.pop(prefix + "num_batches_tracked", None)  # a BatchNorm2d checkpoint loads too
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        shift = self.bias - self.running_mean * scale
        return x * scale[None, :, None, None] + shift[None, :, None, None]


class FeatureExtractor(nn.ModuleDict):
    """The children of ``model`` up to the last of ``return_layers``, run in order; returns the named ones.

    Parameters
    ----------
    model : nn.Module
        A network whose top-level children run in sequence (a ResNet: conv1, bn1, relu, maxpool, layer1..4).
    return_layers : dict[str, str]
        Child name -> output key, e.g. ``{"layer1": "0", "layer2": "1"}``.
    """

    def __init__(self, model: nn.Module, return_layers: dict[str, str]):
        names = [n for n, _ in model.named_children()]
        missing = [r for r in return_layers if r not in names]
        if missing:
            raise ValueError(f"return_layers {missing} are not children of the model; it has {names}.")
        wanted, layers = dict(return_layers), OrderedDict()
        for name, module in model.named_children():
            layers[name] = module
            wanted.pop(name, None)
            if not wanted:
                break
        super().__init__(layers)
        self.return_layers = dict(return_layers)

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        out = OrderedDict()
        for name, module in self.items():
            x = module(x)
            if name in self.return_layers:
                out[self.return_layers[name]] = x
        return out


class BackboneWithFPN(nn.Module):
    """``body`` (a :class:`FeatureExtractor`) then ``fpn``: images (N, C, H, W) -> {level: (N, D, h, w)}."""

    def __init__(
        self,
        body: nn.Module,
        in_channels_list: list[int],
        out_channels: int,
        extra_blocks: nn.Module | None = None,
    ):
        super().__init__()
        self.body = body
        self.fpn = FeaturePyramidNetwork(in_channels_list, out_channels, extra_blocks)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        return self.fpn(self.body(x))


def _freeze_layers(model: nn.Module, trainable_layers: int) -> None:
    """Stop gradients in all but the last ``trainable_layers`` of layer4, layer3, layer2, layer1, conv1."""
    if not 0 <= trainable_layers <= 5:
        raise ValueError(f"trainable_layers must be in [0, 5]; got {trainable_layers}.")
    trainable = ["layer4", "layer3", "layer2", "layer1", "conv1"][:trainable_layers]
    if trainable_layers == 5:
        trainable.append("bn1")
    for name, p in model.named_parameters():
        if all(not name.startswith(t) for t in trainable):
            p.requires_grad_(False)


def resnet_fpn_backbone(
    name: str = "resnet50",
    trainable_layers: int = 5,
    returned_layers: tuple[int, ...] = (1, 2, 3, 4),
    extra: str = "maxpool",
    out_channels: int = 256,
    frozen_bn: bool = False,
) -> BackboneWithFPN:
    """A registry ResNet (``create_model(name, num_classes=0)``) with a feature pyramid on its stages.

    Parameters
    ----------
    name : str
        A ResNet-family name of the registry ("resnet18", "resnet50", ...).
    trainable_layers : int
        How many stages, counted from layer4 down to conv1, keep gradients (5 = all).
    returned_layers : tuple of int
        The stages (1..4) fed to the pyramid; strides 4, 8, 16, 32.
    extra : {"maxpool", "p6p7", "none"}
        The pyramid's extra level: a stride-2 max pool of the last level (Faster/Mask R-CNN, key "pool"),
        two strided 3x3 convs from P5 (RetinaNet, keys "p6", "p7"), or nothing.
    frozen_bn : bool
        Use :class:`FrozenBatchNorm2d` (the layout of torchvision's published COCO checkpoints).
    """
    from visrec.torch_nn.registry import create_model

    norm = FrozenBatchNorm2d if frozen_bn else nn.BatchNorm2d
    resnet = create_model(name, num_classes=0, norm_layer=norm)
    _freeze_layers(resnet, trainable_layers)
    width = resnet.num_features // 8  # channels of layer1 (64 for basic blocks, 256 for bottlenecks)
    in_channels_list = [width * 2 ** (i - 1) for i in returned_layers]
    body = FeatureExtractor(resnet, {f"layer{i}": str(k) for k, i in enumerate(returned_layers)})
    extra_blocks = {"maxpool": LastLevelMaxPool(), "p6p7": LastLevelP6P7(out_channels, out_channels)}.get(extra)
    if extra not in ("maxpool", "p6p7", "none"):
        raise ValueError(f"extra must be 'maxpool', 'p6p7' or 'none'; got {extra!r}.")
    return BackboneWithFPN(body, in_channels_list, out_channels, extra_blocks)


class TinyBackbone(nn.Module):
    """A small CNN for tests and CPU runs: conv-BN-ReLU stages with stride 2 each, then a small pyramid.

    images (N, C, H, W) -> {"0": (N, D, H/4, W/4), "1": (N, D, H/8, W/8), ...} (one level per entry of
    ``widths`` after the first two stages; ``levels`` of them are returned).

    Parameters
    ----------
    in_chans : int
        Image channels C.
    widths : tuple of int
        Channels of the stride-2 stages; the first two make the stride-4 stem.
    out_channels : int
        D, the pyramid width.
    fpn : bool
        Top-down pyramid over the stages (True), or only the last stage, as a single level "0" (False).
    """

    def __init__(
        self,
        in_chans: int = 3,
        widths: tuple[int, ...] = (16, 32, 48, 64),
        out_channels: int = 64,
        fpn: bool = True,
        extra_pool: bool = False,
    ):
        super().__init__()
        if len(widths) < 3:
            raise ValueError(f"TinyBackbone needs at least 3 stage widths; got {widths}.")
        self.stages = stride_stages(in_chans, tuple(widths))  # the body of torch_nn's stride_cnn
        self.use_fpn = fpn
        in_list = list(widths[1:]) if fpn else [widths[-1]]
        self.fpn = FeaturePyramidNetwork(in_list, out_channels, LastLevelMaxPool() if extra_pool else None)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        feats = []
        for stage in self.stages:
            x = stage(x)  # (N, w, H/2^i, W/2^i)
            feats.append(x)
        feats = feats[1:] if self.use_fpn else feats[-1:]
        return self.fpn(OrderedDict((str(i), f) for i, f in enumerate(feats)))
