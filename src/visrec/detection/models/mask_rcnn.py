"""Mask R-CNN (He et al., ICCV 2017): Faster R-CNN plus a mask branch on 14x14 RoI-aligned features.

``maskrcnn_resnet50_fpn()`` matches torchvision's layout (44,454,513 parameters at 91 classes, 360
state-dict entries). ``maskrcnn_tiny`` is the CPU-sized twin. In eval mode each detection also has
``masks`` (K, 1, H, W): the probability that each pixel belongs to the object.
"""

from __future__ import annotations

from visrec.detection.models.backbone import TinyBackbone, resnet_fpn_backbone
from visrec.detection.models.faster_rcnn import TINY_DEFAULTS, FasterRCNN
from visrec.detection.models.mask_head import MaskRCNNHeads, MaskRCNNPredictor
from visrec.detection.models.poolers import MultiScaleRoIAlign
from visrec.detection.models.registry import register_detector

__all__ = ["MaskRCNN", "maskrcnn_resnet50_fpn", "maskrcnn_tiny"]


class MaskRCNN(FasterRCNN):
    """Faster R-CNN with the mask branch; ``mask_layers`` are the head's conv widths, ``mask_dim`` the
    transpose conv's. Other keywords as :class:`FasterRCNN`."""

    def __init__(
        self, backbone, num_classes: int = 91, mask_layers=(256, 256, 256, 256), mask_dim: int = 256, **kwargs
    ):
        names = list(kwargs.get("featmap_names", ("0", "1", "2", "3")))
        scale = kwargs.get("canonical_scale", 224)
        super().__init__(
            backbone,
            num_classes,
            mask_roi_pool=MultiScaleRoIAlign(names, 14, 2, canonical_scale=scale),
            mask_head=MaskRCNNHeads(backbone.out_channels, tuple(mask_layers)),
            mask_predictor=MaskRCNNPredictor(mask_layers[-1], mask_dim, num_classes),
            **kwargs,
        )


@register_detector
def maskrcnn_resnet50_fpn(
    num_classes: int = 91, trainable_layers: int = 5, frozen_bn: bool = False, **kwargs
) -> MaskRCNN:
    """Mask R-CNN, ResNet-50-FPN, torchvision's layout; 44,454,513 parameters at 91 classes."""
    backbone = resnet_fpn_backbone("resnet50", trainable_layers=trainable_layers, frozen_bn=frozen_bn)
    return MaskRCNN(backbone, num_classes, **kwargs)


@register_detector
def maskrcnn_tiny(num_classes: int = 2, width: int = 32, **kwargs) -> MaskRCNN:
    """Mask R-CNN on the small CNN of :func:`fasterrcnn_tiny`, with a two-layer mask head."""
    backbone = TinyBackbone(3, (16, 32, 48, 64), width)
    return MaskRCNN(backbone, num_classes, mask_layers=(width, width), mask_dim=width, **{**TINY_DEFAULTS, **kwargs})
