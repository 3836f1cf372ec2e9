"""The feature network of style transfer: several named layers of a classifier in one forward pass.

Any :class:`~visrec.explain.ExplainModel` works: a VGG-style CIFAR model trained here (``vgg11_cifar`` run
directory) or a user's torchvision VGG-16/19 (``--weights vgg16.pth --model vgg16``; Gatys et al. used VGG-19:
content ``features.22`` = relu4_2, style relu1_1 .. relu5_1). :func:`default_layers` picks layers by
position when none are given.
"""

from __future__ import annotations

import torch
from torch import nn

from visrec.explain.hooks import capture_many, find_layer, forward_until, resolve_model

__all__ = ["FeatureExtractor", "default_layers", "VGG_LAYERS"]

# torchvision VGG-16 / VGG-19 ReLU indices of Gatys et al.: relu1_1 .. relu5_1 (style), relu4_2 (content)
VGG_LAYERS = {
    "vgg16": {
        "style": ["features.1", "features.6", "features.11", "features.18", "features.25"],
        "content": "features.20",
    },
    "vgg19": {
        "style": ["features.1", "features.6", "features.11", "features.20", "features.29"],
        "content": "features.22",
    },
}


def default_layers(model) -> tuple[list[str], str]:
    """(style layers, content layer): Gatys' for torchvision VGG-16/19, else up to five ReLUs spread over the
    network's activations (style) and the one two-thirds of the way in (content)."""
    net = resolve_model(model)
    name = getattr(net, "model_name", "")
    if name in VGG_LAYERS:
        return list(VGG_LAYERS[name]["style"]), VGG_LAYERS[name]["content"]
    relus = [n for n, m in net.named_modules() if isinstance(m, nn.ReLU) and n]
    if not relus:
        relus = [n for n, m in net.named_modules() if isinstance(m, nn.Conv2d)]
    k = min(5, len(relus))
    style = [relus[round(i * (len(relus) - 1) / max(1, k - 1))] for i in range(k)]
    return list(dict.fromkeys(style)), relus[min(len(relus) - 1, (2 * len(relus)) // 3)]


class FeatureExtractor:
    """``extractor(x) -> {layer name: features (N, C, H, W)}`` for the given layer names of ``model``."""

    def __init__(self, model, layers: list[str]):
        self.model = model
        self.layers = list(dict.fromkeys(layers))
        for name in self.layers:
            find_layer(model, name)  # fail early, listing the valid names
        for p in model.parameters():
            p.requires_grad_(False)

    def __call__(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """x (N, C, H, W) -> {name: features}; the pass stops after the last layer needed, so the head never
        runs and any image size the body accepts works."""
        with capture_many(self.model, self.layers, stop=True) as seen:
            forward_until(self.model, x)
        return {n: s.output for n, s in zip(self.layers, seen, strict=True)}
