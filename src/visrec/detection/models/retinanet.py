"""RetinaNet (Lin et al., "Focal Loss for Dense Object Detection", ICCV 2017): a single-stage detector on
a feature pyramid (P3-P7) with two conv towers per level, trained with the sigmoid focal loss.

Every anchor (9 per location: 3 scales x 3 ratios) predicts K class probabilities (no background
column: an anchor is background when every probability is low) and 4 box deltas. Anchors with IoU >= 0.5
are positives, < 0.4 negatives, in between ignored; the classification loss is the focal loss summed over
non-ignored anchors, the box loss L1 over positives, both divided by the number of positives.
``retinanet_resnet50_fpn()`` matches torchvision's layout (34,068,119 parameters at 91 classes).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.models.backbone import TinyBackbone, resnet_fpn_backbone
from visrec.detection.models.matcher import Matcher
from visrec.detection.models.registry import register_detector
from visrec.detection.models.transform import DetectionTransform, check_inputs
from visrec.detection.ops import (
    AnchorGenerator,
    BoxCoder,
    box_iou,
    clip_boxes_to_image,
    select_detections,
    sigmoid_focal_loss,
)

__all__ = ["RetinaNet", "RetinaNetHead", "retinanet_resnet50_fpn", "retinanet_tiny"]


def _tower(d: int, depth: int) -> nn.Sequential:
    """``depth`` 3x3 conv + ReLU (keys ``conv.i.0``; four in the paper)."""
    return nn.Sequential(*[nn.Sequential(nn.Conv2d(d, d, 3, padding=1), nn.ReLU(inplace=True)) for _ in range(depth)])


class _Branch(nn.Module):
    def __init__(self, d: int, out: int, name: str, bias: float, depth: int = 4):
        super().__init__()
        self.conv = _tower(d, depth)
        setattr(self, name, nn.Conv2d(d, out, 3, padding=1))
        self._name = name
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.constant_(m.bias, 0.0)
        nn.init.constant_(getattr(self, name).bias, bias)

    def forward(self, features: list[torch.Tensor], per_anchor: int) -> torch.Tensor:
        """Levels (N, D, H_l, W_l) -> (N, sum_l H_l W_l A, per_anchor), ordered like the anchors."""
        out = []
        for f in features:
            y = getattr(self, self._name)(self.conv(f))  # (N, A * per_anchor, H, W)
            n, _, h, w = y.shape
            out.append(y.view(n, -1, per_anchor, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, per_anchor))
        return torch.cat(out, 1)


class RetinaNetHead(nn.Module):
    """``classification_head`` (cls_logits: A K channels, prior-probability bias) and ``regression_head``
    (bbox_reg: 4 A channels)."""

    def __init__(self, in_channels: int, num_anchors: int, num_classes: int, prior: float = 0.01, depth: int = 4):
        super().__init__()
        bias = -math.log((1 - prior) / prior)
        self.classification_head = _Branch(in_channels, num_anchors * num_classes, "cls_logits", bias, depth)
        self.regression_head = _Branch(in_channels, num_anchors * 4, "bbox_reg", 0.0, depth)
        self.num_classes = num_classes

    def forward(self, features: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return self.classification_head(features, self.num_classes), self.regression_head(features, 4)


class RetinaNet(nn.Module):
    """torchvision's contract (losses in training, detections in eval); ``num_classes`` K counts label 0,
    which is never predicted (labels are 1..K-1, as in the other detectors)."""

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int = 91,
        min_size=800,
        max_size: int = 1333,
        anchor_sizes=None,
        aspect_ratios=None,
        score_thresh: float = 0.05,
        nms_thresh: float = 0.5,
        detections_per_img: int = 300,
        fg_iou_thresh: float = 0.5,
        bg_iou_thresh: float = 0.4,
        topk_candidates: int = 1000,
        head_depth: int = 4,
    ):
        super().__init__()
        anchor_sizes = anchor_sizes or tuple(
            (x, int(x * 2 ** (1 / 3)), int(x * 2 ** (2 / 3))) for x in (32, 64, 128, 256, 512)
        )
        aspect_ratios = aspect_ratios or ((0.5, 1.0, 2.0),) * len(anchor_sizes)
        self.transform = DetectionTransform(min_size, max_size)
        self.backbone = backbone
        self.anchor_generator = AnchorGenerator(anchor_sizes, aspect_ratios)
        self.head = RetinaNetHead(
            backbone.out_channels, self.anchor_generator.num_anchors_per_location()[0], num_classes, depth=head_depth
        )
        self.proposal_matcher = Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=True)
        self.box_coder = BoxCoder((1.0, 1.0, 1.0, 1.0))
        self.num_classes = num_classes
        self.score_thresh, self.nms_thresh = score_thresh, nms_thresh
        self.detections_per_img, self.topk_candidates = detections_per_img, topk_candidates

    def compute_loss(self, targets, cls_logits, box_deltas, anchors) -> dict[str, torch.Tensor]:
        cls_losses, box_losses = [], []
        for t, logits, deltas, anc in zip(targets, cls_logits, box_deltas, anchors, strict=True):
            if t["boxes"].numel() == 0:
                matches = torch.full((len(anc),), Matcher.BELOW_LOW_THRESHOLD, dtype=torch.int64)
            else:
                matches = self.proposal_matcher(box_iou(t["boxes"], anc))
            fg = matches >= 0
            num_fg = max(int(fg.sum()), 1)
            target_cls = torch.zeros_like(logits)
            if fg.any():
                target_cls[fg, t["labels"][matches[fg]]] = 1.0
            valid = matches != Matcher.BETWEEN_THRESHOLDS
            cls_losses.append(sigmoid_focal_loss(logits[valid], target_cls[valid], reduction="sum") / num_fg)
            if fg.any():
                target_box = self.box_coder.encode_single(t["boxes"][matches[fg]], anc[fg])
                box_losses.append(F.l1_loss(deltas[fg], target_box, reduction="sum") / num_fg)
            else:
                box_losses.append(deltas.sum() * 0)
        n = len(targets)
        return {"classification": sum(cls_losses) / n, "bbox_regression": sum(box_losses) / n}

    def postprocess(self, cls_logits, box_deltas, anchors, per_level: list[int], image_sizes) -> list[dict]:
        results = []
        for logits, deltas, anc, size in zip(cls_logits, box_deltas, anchors, image_sizes, strict=True):
            boxes_all, scores_all, labels_all = [], [], []
            for lg, dl, an in zip(logits.split(per_level), deltas.split(per_level), anc.split(per_level), strict=True):
                scores = torch.sigmoid(lg).flatten()  # (R_l K,)
                keep = torch.where(scores > self.score_thresh)[0]
                scores, idx = scores[keep].topk(min(self.topk_candidates, len(keep)))
                idx = keep[idx]
                anchor_idx, labels = idx // self.num_classes, idx % self.num_classes
                boxes = self.box_coder.decode_single(dl[anchor_idx], an[anchor_idx])
                boxes_all.append(clip_boxes_to_image(boxes, size))
                scores_all.append(scores)
                labels_all.append(labels)
            boxes, scores, labels = torch.cat(boxes_all), torch.cat(scores_all), torch.cat(labels_all)
            fg = labels > 0  # background is class 0
            results.append(select_detections(boxes[fg], scores[fg], labels[fg], self.nms_thresh,
                                             self.detections_per_img))
        return results

    def forward(self, images: list[torch.Tensor], targets: list[dict] | None = None):
        check_inputs(images, targets, self.training)
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        batch, targets = self.transform(images, targets)
        features = list(self.backbone(batch.tensors).values())
        cls_logits, box_deltas = self.head(features)  # (N, R, K), (N, R, 4)
        anchors = self.anchor_generator(batch, features)
        if self.training:
            return self.compute_loss(targets, cls_logits, box_deltas, anchors)
        per_level = [f.shape[-2] * f.shape[-1] * self.anchor_generator.num_anchors_per_location()[0] for f in features]
        detections = self.postprocess(cls_logits, box_deltas, anchors, per_level, batch.image_sizes)
        return self.transform.postprocess(detections, batch.image_sizes, original_sizes)


@register_detector
def retinanet_resnet50_fpn(
    num_classes: int = 91, trainable_layers: int = 5, frozen_bn: bool = False, **kwargs
) -> RetinaNet:
    """RetinaNet, ResNet-50-FPN (P3-P7), torchvision's layout; 34,068,119 parameters at 91 classes."""
    backbone = resnet_fpn_backbone(
        "resnet50", trainable_layers=trainable_layers, returned_layers=(2, 3, 4), extra="p6p7", frozen_bn=frozen_bn
    )
    return RetinaNet(backbone, num_classes, **kwargs)


@register_detector
def retinanet_tiny(num_classes: int = 2, width: int = 32, **kwargs) -> RetinaNet:
    """RetinaNet on the small CNN (3 pyramid levels, strides 4-16) for ~128 px images."""
    backbone = TinyBackbone(3, (16, 32, 48, 64), width)
    defaults = dict(
        min_size=128,
        max_size=256,
        anchor_sizes=((16, 20, 25), (32, 40, 50), (64, 80, 101)),
        detections_per_img=50,
        topk_candidates=200,
        head_depth=2,
    )
    return RetinaNet(backbone, num_classes, **{**defaults, **kwargs})
