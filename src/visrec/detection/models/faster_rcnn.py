"""Faster R-CNN (Ren et al., NeurIPS 2015): a backbone, a region proposal network and Fast R-CNN heads on
RoI-aligned features, trained end to end with four losses (RPN objectness, RPN box, class, box).

``fasterrcnn_resnet50_fpn()`` matches torchvision's module layout exactly (41,808,406 parameters at 91
classes, 348 state-dict entries in the same order), so its checkpoints load; ``frozen_bn=True,
trainable_layers=3`` gives the layout of the published COCO weights. ``fasterrcnn_tiny`` is the same
detector on :class:`TinyBackbone` for tests and CPU benchmarks.

>>> import torch
>>> model = fasterrcnn_tiny(num_classes=3).eval()
>>> out = model([torch.rand(3, 64, 80)])
>>> sorted(out[0])
['boxes', 'labels', 'scores']
"""

from __future__ import annotations

from torch import nn

from visrec.detection.models.backbone import TinyBackbone, resnet_fpn_backbone
from visrec.detection.models.generalized_rcnn import GeneralizedRCNN
from visrec.detection.models.poolers import MultiScaleRoIAlign
from visrec.detection.models.registry import register_detector
from visrec.detection.models.roi_heads import FastRCNNPredictor, RoIHeads, TwoMLPHead
from visrec.detection.models.rpn import RegionProposalNetwork, RPNHead
from visrec.detection.models.transform import DetectionTransform
from visrec.detection.ops import AnchorGenerator

__all__ = ["FasterRCNN", "fasterrcnn_resnet50_fpn", "fasterrcnn_tiny"]


class FasterRCNN(GeneralizedRCNN):
    """Faster R-CNN around any backbone with ``out_channels`` returning {level: (N, D, h, w)}.

    Parameters
    ----------
    backbone : nn.Module
    num_classes : int
        C, including the background (91 for COCO's ids, 2 for one object class).
    min_size, max_size, image_mean, image_std, size_divisible
        The :class:`DetectionTransform`.
    anchor_sizes, aspect_ratios : tuple of tuples
        One tuple per feature level.
    rpn_* : the :class:`RegionProposalNetwork` settings (torchvision's defaults).
    box_* : the :class:`RoIHeads` settings; ``representation_size`` is the width of fc6/fc7.
    featmap_names, canonical_scale : which levels the box pooler reads, and its level rule's s0.
    mask_roi_pool, mask_head, mask_predictor : the Mask R-CNN branch (see :mod:`.mask_rcnn`).
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int = 91,
        min_size=800,
        max_size: int = 1333,
        image_mean=(0.485, 0.456, 0.406),
        image_std=(0.229, 0.224, 0.225),
        size_divisible: int = 32,
        anchor_sizes=((32,), (64,), (128,), (256,), (512,)),
        aspect_ratios=None,
        rpn_pre_nms_top_n_train: int = 2000,
        rpn_pre_nms_top_n_test: int = 1000,
        rpn_post_nms_top_n_train: int = 2000,
        rpn_post_nms_top_n_test: int = 1000,
        rpn_nms_thresh: float = 0.7,
        rpn_fg_iou_thresh: float = 0.7,
        rpn_bg_iou_thresh: float = 0.3,
        rpn_batch_size_per_image: int = 256,
        rpn_positive_fraction: float = 0.5,
        rpn_score_thresh: float = 0.0,
        box_score_thresh: float = 0.05,
        box_nms_thresh: float = 0.5,
        box_detections_per_img: int = 100,
        box_fg_iou_thresh: float = 0.5,
        box_bg_iou_thresh: float = 0.5,
        box_batch_size_per_image: int = 512,
        box_positive_fraction: float = 0.25,
        bbox_reg_weights=(10.0, 10.0, 5.0, 5.0),
        representation_size: int = 1024,
        featmap_names=("0", "1", "2", "3"),
        canonical_scale: int = 224,
        mask_roi_pool=None,
        mask_head=None,
        mask_predictor=None,
    ):
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"num_classes counts the background and must be an int >= 2; got {num_classes!r}.")
        d = backbone.out_channels
        aspect_ratios = aspect_ratios or ((0.5, 1.0, 2.0),) * len(anchor_sizes)
        anchors = AnchorGenerator(anchor_sizes, aspect_ratios)
        rpn = RegionProposalNetwork(
            anchors,
            RPNHead(d, anchors.num_anchors_per_location()[0]),
            rpn_fg_iou_thresh,
            rpn_bg_iou_thresh,
            rpn_batch_size_per_image,
            rpn_positive_fraction,
            {"training": rpn_pre_nms_top_n_train, "testing": rpn_pre_nms_top_n_test},
            {"training": rpn_post_nms_top_n_train, "testing": rpn_post_nms_top_n_test},
            rpn_nms_thresh,
            rpn_score_thresh,
        )
        pool = MultiScaleRoIAlign(list(featmap_names), 7, 2, canonical_scale=canonical_scale)
        roi_heads = RoIHeads(
            pool,
            TwoMLPHead(d * 7 * 7, representation_size),
            FastRCNNPredictor(representation_size, num_classes),
            box_fg_iou_thresh,
            box_bg_iou_thresh,
            box_batch_size_per_image,
            box_positive_fraction,
            bbox_reg_weights,
            box_score_thresh,
            box_nms_thresh,
            box_detections_per_img,
            mask_roi_pool,
            mask_head,
            mask_predictor,
        )
        transform = DetectionTransform(min_size, max_size, image_mean, image_std, size_divisible)
        super().__init__(backbone, rpn, roi_heads, transform)
        self.num_classes = num_classes


@register_detector
def fasterrcnn_resnet50_fpn(
    num_classes: int = 91, trainable_layers: int = 5, frozen_bn: bool = False, **kwargs
) -> FasterRCNN:
    """Faster R-CNN, ResNet-50-FPN, torchvision's layout; 41,808,406 parameters at 91 classes."""
    backbone = resnet_fpn_backbone("resnet50", trainable_layers=trainable_layers, frozen_bn=frozen_bn)
    return FasterRCNN(backbone, num_classes, **kwargs)


TINY_DEFAULTS = dict(
    min_size=128,
    max_size=256,
    anchor_sizes=((16,), (32,), (64,)),
    featmap_names=("0", "1", "2"),
    canonical_scale=56,
    representation_size=128,
    rpn_pre_nms_top_n_train=100,
    rpn_pre_nms_top_n_test=100,
    rpn_post_nms_top_n_train=64,
    rpn_post_nms_top_n_test=100,
    rpn_batch_size_per_image=64,
    box_batch_size_per_image=64,
    box_detections_per_img=100,
)


@register_detector
def fasterrcnn_tiny(num_classes: int = 2, width: int = 32, **kwargs) -> FasterRCNN:
    """Faster R-CNN on a small 4-stage CNN with a 3-level pyramid (strides 4, 8, 16), for ~128 px images."""
    backbone = TinyBackbone(3, (16, 32, 48, 64), width)
    return FasterRCNN(backbone, num_classes, **{**TINY_DEFAULTS, **kwargs})
