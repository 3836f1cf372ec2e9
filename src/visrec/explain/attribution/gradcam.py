"""Grad-CAM (Selvaraju et al. 2017) and guided Grad-CAM.

Grad-CAM weighs each channel k of a layer's activation A by the spatial mean of the target score's gradient,
``alpha_k = mean_ij dS_c/dA_kij``, and sums: ``L = sum_k alpha_k A_k`` (then ReLU). Shaped like captum:
``LayerGradCam(model, layer).attribute(x, target=c, relu_attributions=False)`` returns (N, 1, h, w) at the
layer's resolution; :func:`upsample` brings it to the image (bilinear, as in the paper's figures);
``GuidedGradCam`` multiplies guided backpropagation by the upsampled, rectified map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from visrec.explain.attribution._common import pick
from visrec.explain.attribution.guided_backprop import GuidedBackprop
from visrec.explain.hooks import capture

__all__ = ["LayerGradCam", "GuidedGradCam", "upsample", "gradcam_map"]


def upsample(attr: torch.Tensor, size, mode: str = "bilinear") -> torch.Tensor:
    """(N, 1, h, w) -> (N, 1, H, W) by ``F.interpolate`` (``mode`` "bilinear" or "nearest")."""
    if mode == "nearest":
        return F.interpolate(attr, size=tuple(size), mode="nearest")
    return F.interpolate(attr, size=tuple(size), mode=mode, align_corners=False)


class LayerGradCam:
    """Grad-CAM at ``layer`` (a module or a dotted name of the classifier, e.g. "features.6").

    ``layer=None`` uses the output of ``model.forward_features`` (the last feature map of any registered
    classifier).
    """

    def __init__(self, model, layer=None):
        self.model = model
        self.layer = layer

    def _activation_and_grad(self, inputs, target):
        x = inputs.detach().clone().requires_grad_(True)
        if self.layer is None:
            acts = self.model.forward_features(x)
            scores = self.model.forward_head(acts)
        else:
            with capture(self.model, self.layer) as seen:
                scores = self.model(x)
            acts = seen.output
        (grad,) = torch.autograd.grad(pick(scores, target).sum(), acts)
        return acts.detach(), grad

    def attribute(self, inputs: torch.Tensor, target=None, relu_attributions: bool = False) -> torch.Tensor:
        """inputs (N, C, H, W) -> Grad-CAM map (N, 1, h, w) at the layer's resolution."""
        acts, grad = self._activation_and_grad(inputs, target)  # (N, K, h, w) each
        alpha = grad.mean(dim=tuple(range(2, grad.dim())), keepdim=True)  # (N, K, 1, 1)
        cam = (alpha * acts).sum(dim=1, keepdim=True)  # (N, 1, h, w)
        return F.relu(cam) if relu_attributions else cam


class GuidedGradCam:
    """Guided backpropagation times the upsampled rectified Grad-CAM map, shape of the input."""

    def __init__(self, model, layer=None):
        self.gradcam = LayerGradCam(model, layer)
        self.guided = GuidedBackprop(model)

    def attribute(self, inputs: torch.Tensor, target=None, interpolate_mode: str = "nearest") -> torch.Tensor:
        cam = self.gradcam.attribute(inputs, target=target, relu_attributions=True)
        return self.guided.attribute(inputs, target=target) * upsample(
            cam, inputs.shape[2:], interpolate_mode
        )


def gradcam_map(model, inputs: torch.Tensor, target, layer=None) -> torch.Tensor:
    """The heat map of the figures: rectified Grad-CAM, bilinearly upsampled, scaled to [0, 1]; (N, H, W)."""
    cam = LayerGradCam(model, layer).attribute(inputs, target=target, relu_attributions=True)
    cam = upsample(cam, inputs.shape[2:])[:, 0]
    top = cam.flatten(1).amax(dim=1).clamp_min(1e-12)[:, None, None]
    return cam / top
