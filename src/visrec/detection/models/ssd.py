"""SSD (Liu et al., "SSD: Single Shot MultiBox Detector", ECCV 2016): default boxes of several scales and
aspect ratios on feature maps of decreasing resolution, one 3x3 conv per map for K + 1 class scores
(background = class 0) and 4 box offsets per default box.

Training matches each default box to the object it overlaps by IoU >= 0.5 (and each object to its best
box), then adds smooth L1 of the positives' offsets (box coder weights 10, 10, 5, 5) and softmax
cross-entropy over the positives plus the hardest negatives, three per positive (hard negative mining),
both divided by the number of positives. ``ssd300_vgg16()`` matches torchvision's layout (35,641,826
parameters at 91 classes, 71 keys): VGG-16 (the registry's) to conv4_3 with an L2-normalised, learnably
rescaled output, then pool5 (3x3, stride 1), dilated fc6, fc7 and four extra blocks.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.models.backbone import TinyBackbone
from visrec.detection.models.matcher import Matcher
from visrec.detection.models.registry import register_detector
from visrec.detection.models.transform import DetectionTransform, check_inputs
from visrec.detection.ops import BoxCoder, box_iou, clip_boxes_to_image, select_detections

__all__ = ["SSD", "DefaultBoxGenerator", "ssd300_default_boxes", "SSDHead", "VGGFeatures", "ssd300_vgg16", "ssd_tiny"]


class DefaultBoxGenerator(nn.Module):
    """Default boxes: per map k, at every cell centre, squares of side s_k and sqrt(s_k s_{k+1}) and, per
    ratio r, boxes s_k sqrt(r) x s_k / sqrt(r) and their transposes (sides relative to the image).

    ``forward(image_list, feature_maps)`` -> per image (sum_k H_k W_k A_k, 4) xyxy pixels.
    """

    def __init__(
        self, aspect_ratios: list[list[int]], scales: list[float], steps: list[int] | None = None, clip: bool = True
    ):
        super().__init__()
        if len(scales) != len(aspect_ratios) + 1:
            raise ValueError(f"need {len(aspect_ratios) + 1} scales for {len(aspect_ratios)} maps; got {scales}.")
        self.aspect_ratios, self.scales, self.steps, self.clip = aspect_ratios, scales, steps, clip
        self.wh = []
        for k, ratios in enumerate(aspect_ratios):
            s, s_next = scales[k], math.sqrt(scales[k] * scales[k + 1])
            pairs = [[s, s], [s_next, s_next]]
            for r in ratios:
                pairs += [[s * math.sqrt(r), s / math.sqrt(r)], [s / math.sqrt(r), s * math.sqrt(r)]]
            self.wh.append(torch.tensor(pairs))

    def num_anchors_per_location(self) -> list[int]:
        return [2 + 2 * len(r) for r in self.aspect_ratios]

    def forward(self, image_list, feature_maps: list[torch.Tensor]) -> list[torch.Tensor]:
        h, w = image_list.tensors.shape[-2:]
        dtype, device = feature_maps[0].dtype, feature_maps[0].device
        boxes = []
        for k, fm in enumerate(feature_maps):
            fh, fw = fm.shape[-2:]
            yk, xk = (h / self.steps[k], w / self.steps[k]) if self.steps else (fh, fw)
            cy, cx = torch.meshgrid((torch.arange(fh) + 0.5) / yk, (torch.arange(fw) + 0.5) / xk, indexing="ij")
            wh = self.wh[k].clamp(0, 1) if self.clip else self.wh[k]
            a = len(wh)
            centres = torch.stack([cx, cy], -1).reshape(-1, 1, 2).expand(-1, a, 2)  # (H W, A, 2)
            sizes = wh.reshape(1, a, 2).expand(fh * fw, a, 2)
            boxes.append(torch.cat([centres - sizes / 2, centres + sizes / 2], -1).reshape(-1, 4))
        scale = torch.tensor([w, h, w, h], dtype=torch.float64)
        per_image = (torch.cat(boxes).to(torch.float64) * scale).to(dtype=dtype, device=device)
        return [per_image for _ in range(image_list.tensors.shape[0])]


class SSDHead(nn.Module):
    """One 3x3 conv per map for class scores (A K) and box offsets (4 A); keys ``*.module_list.i``."""

    def __init__(self, in_channels: list[int], num_anchors: list[int], num_classes: int):
        super().__init__()
        self.classification_head = nn.Module()
        self.classification_head.module_list = nn.ModuleList(
            nn.Conv2d(c, a * num_classes, 3, padding=1) for c, a in zip(in_channels, num_anchors, strict=True)
        )
        self.regression_head = nn.Module()
        self.regression_head.module_list = nn.ModuleList(
            nn.Conv2d(c, a * 4, 3, padding=1) for c, a in zip(in_channels, num_anchors, strict=True)
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        self.num_classes = num_classes

    @staticmethod
    def _flatten(convs, features, per_box: int) -> torch.Tensor:
        out = []
        for conv, f in zip(convs, features, strict=True):
            y = conv(f)  # (N, A * per_box, H, W)
            n, _, h, w = y.shape
            out.append(y.view(n, -1, per_box, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, per_box))
        return torch.cat(out, 1)

    def forward(self, features: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        cls = self._flatten(self.classification_head.module_list, features, self.num_classes)
        return cls, self._flatten(self.regression_head.module_list, features, 4)


class VGGFeatures(nn.Module):
    """SSD300's VGG-16 trunk: conv1_1..conv4_3 (``features``, pool3 with ceil mode), a learnable rescale of
    the L2-normalised conv4_3 map (``scale_weight``, 20 at init), then ``extra`` blocks. -> 6 maps."""

    def __init__(self, trainable_layers: int = 5):
        super().__init__()
        from visrec.torch_nn.registry import create_model

        if not 0 <= trainable_layers <= 5:
            raise ValueError(f"trainable_layers must be in [0, 5]; got {trainable_layers}.")
        vgg = create_model("vgg16", num_classes=0).features
        stage_starts = [0, 4, 9, 16, 23]  # conv1_1 and the layer after each pool (trainable from the end)
        for layer in vgg[: ([*stage_starts, 31])[5 - trainable_layers]]:
            for p in layer.parameters():
                p.requires_grad_(False)
        vgg[16].ceil_mode = True  # pool3: 75 -> 38 for a 300 px input
        self.scale_weight = nn.Parameter(torch.full((512,), 20.0))
        self.features = nn.Sequential(*vgg[:23])  # to conv4_3 + ReLU
        fc = nn.Sequential(
            nn.MaxPool2d(3, 1, 1),
            nn.Conv2d(512, 1024, 3, padding=6, dilation=6),
            nn.ReLU(True),
            nn.Conv2d(1024, 1024, 1),
            nn.ReLU(True),
        )
        blocks = [nn.Sequential(*vgg[23:30], fc)]  # pool4, conv5_1..conv5_3, pool5', fc6, fc7

        def block(c_in, mid, c_out, stride, pad):
            return nn.Sequential(
                nn.Conv2d(c_in, mid, 1),
                nn.ReLU(True),
                nn.Conv2d(mid, c_out, 3, stride=stride, padding=pad),
                nn.ReLU(True),
            )

        blocks += [
            block(1024, 256, 512, 2, 1),
            block(512, 128, 256, 2, 1),
            block(256, 128, 256, 1, 0),
            block(256, 128, 256, 1, 0),
        ]
        self.extra = nn.ModuleList(blocks)
        self.out_channels = [512, 1024, 512, 256, 256, 256]

    def forward(self, x: torch.Tensor) -> OrderedDict[str, torch.Tensor]:
        x = self.features(x)
        out = [self.scale_weight.view(1, -1, 1, 1) * F.normalize(x)]  # (N, 512, 38, 38)
        for blk in self.extra:
            x = blk(x)
            out.append(x)
        return OrderedDict((str(i), v) for i, v in enumerate(out))


class SSD(nn.Module):
    """torchvision's contract; ``num_classes`` C counts the background (class 0)."""

    def __init__(
        self,
        backbone: nn.Module,
        anchor_generator: DefaultBoxGenerator,
        size: tuple[int, int],
        num_classes: int,
        image_mean=(0.485, 0.456, 0.406),
        image_std=(0.229, 0.224, 0.225),
        score_thresh: float = 0.01,
        nms_thresh: float = 0.45,
        detections_per_img: int = 200,
        iou_thresh: float = 0.5,
        topk_candidates: int = 400,
        neg_to_pos: float = 3.0,
    ):
        super().__init__()
        self.backbone, self.anchor_generator = backbone, anchor_generator
        channels = backbone.out_channels
        channels = channels if isinstance(channels, list) else [channels] * len(anchor_generator.aspect_ratios)
        self.head = SSDHead(channels, anchor_generator.num_anchors_per_location(), num_classes)
        self.transform = DetectionTransform(min(size), max(size), image_mean, image_std, 1, fixed_size=size)
        self.matcher = Matcher(iou_thresh, iou_thresh)
        self.box_coder = BoxCoder((10.0, 10.0, 5.0, 5.0))
        self.num_classes, self.neg_to_pos = num_classes, neg_to_pos
        self.score_thresh, self.nms_thresh = score_thresh, nms_thresh
        self.detections_per_img, self.topk_candidates = detections_per_img, topk_candidates

    def match(self, gt: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
        """IoU >= 0.5 matches, plus every object's best default box (forced)."""
        if gt.numel() == 0:
            return torch.full((len(anchors),), -1, dtype=torch.int64, device=anchors.device)
        iou = box_iou(gt, anchors)
        matches = self.matcher(iou)
        matches[iou.argmax(1)] = torch.arange(len(gt), device=anchors.device)
        return matches

    def compute_loss(self, targets, cls_logits, box_deltas, anchors) -> dict[str, torch.Tensor]:
        box_losses, cls_targets = [], []
        for t, deltas, anc in zip(targets, box_deltas, anchors, strict=True):
            matches = self.match(t["boxes"], anc)
            fg = matches >= 0
            target_cls = torch.zeros(len(anc), dtype=torch.int64, device=anc.device)
            target_cls[fg] = t["labels"][matches[fg]]
            cls_targets.append(target_cls)
            enc = self.box_coder.encode_single(t["boxes"][matches[fg]], anc[fg]) if fg.any() else deltas[:0]
            box_losses.append(F.smooth_l1_loss(deltas[fg], enc, reduction="sum"))
        cls_targets = torch.stack(cls_targets)  # (N, R)
        ce = F.cross_entropy(cls_logits.reshape(-1, self.num_classes), cls_targets.reshape(-1), reduction="none").view(
            cls_targets.shape
        )
        fg = cls_targets > 0
        num_neg = self.neg_to_pos * fg.sum(1, keepdim=True)  # hard negative mining: the worst 3 per positive
        neg_loss = ce.clone().detach()
        neg_loss[fg] = -float("inf")
        rank = neg_loss.sort(1, descending=True).indices.sort(1).indices
        hard_neg = rank < num_neg
        n = max(1, int(fg.sum()))
        return {"bbox_regression": sum(box_losses) / n, "classification": (ce[fg].sum() + ce[hard_neg].sum()) / n}

    def postprocess(self, cls_logits, box_deltas, anchors, image_sizes) -> list[dict]:
        results = []
        for logits, deltas, anc, size in zip(cls_logits, box_deltas, anchors, image_sizes, strict=True):
            boxes = clip_boxes_to_image(self.box_coder.decode_single(deltas, anc), size)
            scores = F.softmax(logits, -1)
            out_b, out_s, out_l = [], [], []
            for c in range(1, self.num_classes):
                sc = scores[:, c]
                keep = torch.where(sc > self.score_thresh)[0]
                sc, idx = sc[keep].topk(min(self.topk_candidates, len(keep)))
                out_b.append(boxes[keep[idx]])
                out_s.append(sc)
                out_l.append(torch.full_like(idx, c))
            b, s, lab = torch.cat(out_b), torch.cat(out_s), torch.cat(out_l)
            results.append(select_detections(b, s, lab, self.nms_thresh, self.detections_per_img))
        return results

    def forward(self, images: list[torch.Tensor], targets: list[dict] | None = None):
        check_inputs(images, targets, self.training)
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        batch, targets = self.transform(images, targets)
        features = list(self.backbone(batch.tensors).values())
        cls_logits, box_deltas = self.head(features)  # (N, R, C), (N, R, 4)
        anchors = self.anchor_generator(batch, features)
        if self.training:
            return self.compute_loss(targets, cls_logits, box_deltas, anchors)
        detections = self.postprocess(cls_logits, box_deltas, anchors, batch.image_sizes)
        return self.transform.postprocess(detections, batch.image_sizes, original_sizes)


def ssd300_default_boxes() -> DefaultBoxGenerator:
    """SSD300's default boxes: 6 maps (38, 19, 10, 5, 3, 1 cells), 4 or 6 boxes per cell, 8,732 in all."""
    return DefaultBoxGenerator(
        [[2], [2, 3], [2, 3], [2, 3], [2], [2]],
        scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05],
        steps=[8, 16, 32, 64, 100, 300],
    )


@register_detector
def ssd300_vgg16(num_classes: int = 91, trainable_layers: int = 5, **kwargs) -> SSD:
    """SSD300 on VGG-16, torchvision's layout; 35,641,826 parameters at 91 classes (``trainable_layers=4``:
    the published checkpoint's frozen conv1 block)."""
    anchors = ssd300_default_boxes()
    defaults = dict(image_mean=(0.48235, 0.45882, 0.40784), image_std=(1.0 / 255.0,) * 3)
    return SSD(VGGFeatures(trainable_layers), anchors, (300, 300), num_classes, **{**defaults, **kwargs})


@register_detector
def ssd_tiny(num_classes: int = 2, width: int = 32, image_size: int = 128, **kwargs) -> SSD:
    """SSD on the small CNN's three pyramid levels (strides 4, 8, 16), for ~128 px images."""
    anchors = DefaultBoxGenerator([[2], [2], [2]], scales=[0.12, 0.25, 0.45, 0.7])
    return SSD(TinyBackbone(3, (16, 32, 48, 64), width), anchors, (image_size, image_size), num_classes, **kwargs)
