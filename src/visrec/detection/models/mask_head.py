"""Mask R-CNN's mask branch (He et al., "Mask R-CNN", ICCV 2017): a small FCN on 14x14 RoI-aligned
features predicts a 28x28 mask per class; only the mask of the box's class is trained and used.

The loss is per-pixel binary cross-entropy against the object's mask cropped and resampled to the box by
RoI align (so it is aligned with the features). At test time the sigmoid of the predicted class's mask is
pasted back into the image inside its (slightly enlarged) box.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.ops import roi_align

__all__ = [
    "MaskRCNNHeads",
    "MaskRCNNPredictor",
    "maskrcnn_loss",
    "maskrcnn_inference",
    "paste_masks_in_image",
]


class MaskRCNNHeads(nn.Sequential):
    """(K, D, 14, 14) -> (K, L, 14, 14): 3x3 conv + ReLU per entry of ``layers`` (keys ``i.0.weight``)."""

    def __init__(self, in_channels: int, layers: tuple[int, ...] = (256, 256, 256, 256), dilation: int = 1):
        blocks, c = [], in_channels
        for width in layers:
            blocks.append(nn.Sequential(nn.Conv2d(c, width, 3, padding=dilation, dilation=dilation), nn.ReLU(True)))
            c = width
        super().__init__(*blocks)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)


class MaskRCNNPredictor(nn.Sequential):
    """(K, L, 14, 14) -> mask logits (K, C, 28, 28): 2x2 stride-2 transpose conv, ReLU, 1x1 conv per class."""

    def __init__(self, in_channels: int, dim_reduced: int, num_classes: int):
        super().__init__(
            OrderedDict(
                [
                    ("conv5_mask", nn.ConvTranspose2d(in_channels, dim_reduced, 2, 2, 0)),
                    ("relu", nn.ReLU(inplace=True)),
                    ("mask_fcn_logits", nn.Conv2d(dim_reduced, num_classes, 1)),
                ]
            )
        )
        for name, p in self.named_parameters():
            if "weight" in name:
                nn.init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")
            else:
                nn.init.zeros_(p)


def project_masks_on_boxes(gt_masks: torch.Tensor, boxes: torch.Tensor, matched_idx: torch.Tensor, size: int):
    """The matched object's mask (H, W) cropped to each box (K, 4) and resampled -> targets (K, S, S)."""
    rois = torch.cat([matched_idx[:, None].to(boxes), boxes], dim=1)
    return roi_align(gt_masks[:, None].to(rois), rois, (size, size), spatial_scale=1.0)[:, 0]


def maskrcnn_loss(mask_logits, proposals, gt_masks, gt_labels, matched_idx) -> torch.Tensor:
    """Mean BCE between each positive's true-class mask logits (K, S, S) and its projected target mask.

    mask_logits (K, C, S, S); per image: proposals [(K_i, 4)], gt_masks [(M_i, H, W)], gt_labels [(M_i,)],
    matched_idx [(K_i,)] (which object each positive proposal belongs to).
    """
    size = mask_logits.shape[-1]
    labels = [lab[idx] for lab, idx in zip(gt_labels, matched_idx, strict=False)]
    targets = [
        project_masks_on_boxes(m, p, i, size)
        for m, p, i in zip(gt_masks, proposals, matched_idx, strict=True)
        if len(p)
    ]
    if not targets:  # no positives in the batch: a zero that keeps the graph
        return mask_logits.sum() * 0
    labels, targets = torch.cat(labels), torch.cat(targets)
    picked = mask_logits[torch.arange(len(labels), device=labels.device), labels]  # (K, S, S)
    return F.binary_cross_entropy_with_logits(picked, targets)


def maskrcnn_inference(mask_logits: torch.Tensor, labels: list[torch.Tensor]) -> list[torch.Tensor]:
    """Sigmoid of each detection's class mask: logits (K, C, S, S) -> per image (K_i, 1, S, S)."""
    labels_all = torch.cat(labels)
    probs = mask_logits[torch.arange(len(labels_all), device=mask_logits.device), labels_all].sigmoid()
    return list(probs[:, None].split([len(lab) for lab in labels]))


def _expand(masks: torch.Tensor, boxes: torch.Tensor, padding: int = 1):
    """Pad masks (K, 1, S, S) by ``padding`` pixels and enlarge the boxes by the same factor (S+2p)/S."""
    s = masks.shape[-1]
    scale = (s + 2 * padding) / s
    w_half = (boxes[:, 2] - boxes[:, 0]) * 0.5 * scale
    h_half = (boxes[:, 3] - boxes[:, 1]) * 0.5 * scale
    cx, cy = (boxes[:, 2] + boxes[:, 0]) * 0.5, (boxes[:, 3] + boxes[:, 1]) * 0.5
    big = torch.stack([cx - w_half, cy - h_half, cx + w_half, cy + h_half], dim=1)
    return F.pad(masks, (padding,) * 4), big


def paste_masks_in_image(masks: torch.Tensor, boxes: torch.Tensor, image_size, padding: int = 1) -> torch.Tensor:
    """Masks (K, 1, S, S) in box coordinates -> masks (K, 1, H, W) in the image (zeros outside each box)."""
    h, w = int(image_size[0]), int(image_size[1])
    if len(masks) == 0:
        return masks.new_zeros((0, 1, h, w))
    masks, boxes = _expand(masks, boxes, padding)
    boxes = boxes.to(torch.int64)
    out = masks.new_zeros((len(masks), 1, h, w))
    for k, (mask, box) in enumerate(zip(masks, boxes, strict=False)):
        x0, y0, x1, y1 = box.tolist()
        bw, bh = max(x1 - x0 + 1, 1), max(y1 - y0 + 1, 1)
        m = F.interpolate(mask[None], size=(bh, bw), mode="bilinear", align_corners=False)[0, 0]  # (bh, bw)
        ix0, iy0, ix1, iy1 = max(x0, 0), max(y0, 0), min(x1 + 1, w), min(y1 + 1, h)
        if ix1 > ix0 and iy1 > iy0:
            out[k, 0, iy0:iy1, ix0:ix1] = m[iy0 - y0 : iy1 - y0, ix0 - x0 : ix1 - x0]
    return out
