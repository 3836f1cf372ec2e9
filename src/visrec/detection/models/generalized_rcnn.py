"""The two-stage detector skeleton: transform -> backbone -> RPN -> RoI heads -> back to image coordinates.

torchvision's contract: ``model(images, targets)`` with images a list of (C, H, W) float tensors in [0, 1]
and targets a list of dicts (``boxes`` (K, 4) absolute xyxy, ``labels`` (K,) int64 >= 1, ``masks``
(K, H, W) for Mask R-CNN). In training mode it returns a dict of losses; in eval mode a list of dicts
(``boxes``, ``labels``, ``scores``, ``masks`` (K, 1, H, W) probabilities) in each input image's pixels.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from visrec.detection.models.transform import check_inputs

__all__ = ["GeneralizedRCNN"]


class GeneralizedRCNN(nn.Module):
    """Compose ``transform``, ``backbone``, ``rpn`` and ``roi_heads`` (registered in that order)."""

    def __init__(self, backbone: nn.Module, rpn: nn.Module, roi_heads: nn.Module, transform: nn.Module):
        super().__init__()
        self.transform, self.backbone, self.rpn, self.roi_heads = transform, backbone, rpn, roi_heads

    def forward(self, images: list[torch.Tensor], targets: list[dict] | None = None):
        check_inputs(images, targets, self.training)
        if self.training and getattr(self.roi_heads, "has_mask", False):
            missing = [i for i, t in enumerate(targets) if "masks" not in t]
            if missing:
                from visrec.utils.errors import DataError

                raise DataError(
                    f"Mask R-CNN training needs 'masks' (K, H, W) in every target; targets {missing} have none."
                )
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        batch, targets = self.transform(images, targets)
        features = self.backbone(batch.tensors)
        if isinstance(features, torch.Tensor):
            features = OrderedDict([("0", features)])
        proposals, rpn_losses = self.rpn(batch, features, targets)
        detections, head_losses = self.roi_heads(features, proposals, batch.image_sizes, targets)
        if self.training:
            return {**rpn_losses, **head_losses}
        return self.transform.postprocess(detections, batch.image_sizes, original_sizes)
