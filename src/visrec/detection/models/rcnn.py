"""R-CNN (Girshick et al. 2014) and Fast R-CNN (Girshick 2015) on external region proposals.

Both score :func:`selective_search` proposals with the same second stage as Faster R-CNN
(:class:`RoIHeads`: K + 1 way classification with background, class-specific box regression, the
multitask loss); they differ in where a region's features come from:

- ``mode="rcnn"``: warp each region of the *image* to a fixed size (bilinear, :func:`roi_align` on the
  pixels) and run a ConvNet on every warped crop: one CNN pass per region (slow, as the lecture says).
- ``mode="fast"``: run the backbone once on the whole image and max-pool each region's cells of the shared
  feature map to 7 x 7 (:func:`roi_pool`), then two FC layers.

``model(images, targets, proposals=None)`` follows torchvision's contract; proposals (per image
(P_i, 4) xyxy in input pixels) are computed by selective search when not given (precompute them with
:meth:`ProposalDetector.propose` when training for many steps).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from visrec.detection.models.backbone import TinyBackbone
from visrec.detection.models.proposals import selective_search
from visrec.detection.models.registry import register_detector
from visrec.detection.models.roi_heads import FastRCNNPredictor, RoIHeads, TwoMLPHead
from visrec.detection.models.transform import DetectionTransform, check_inputs, resize_boxes
from visrec.detection.ops import roi_align, roi_pool

__all__ = ["ProposalDetector", "ImageWarp", "SharedMapRoIPool", "CropCNN", "rcnn_tiny", "fast_rcnn_tiny"]


class ImageWarp(nn.Module):
    """R-CNN's warp: each box of the image batch {"image": (N, 3, H, W)} -> crops (K, 3, S, S)."""

    def __init__(self, size: int = 32):
        super().__init__()
        self.size = size

    def forward(self, features: dict, boxes: list[torch.Tensor], image_sizes) -> torch.Tensor:
        return roi_align(features["image"], boxes, (self.size, self.size), 1.0, sampling_ratio=2, aligned=True)


class SharedMapRoIPool(nn.Module):
    """Fast R-CNN's RoI max pooling of the shared map {"0": (N, D, h, w)} -> (K, D, S, S)."""

    def __init__(self, output_size: int = 7, featmap: str = "0"):
        super().__init__()
        self.output_size, self.featmap = output_size, featmap

    def forward(self, features: dict, boxes: list[torch.Tensor], image_sizes) -> torch.Tensor:
        feat = features[self.featmap]
        scale = 2.0 ** round(math.log2(feat.shape[-2] / max(s[0] for s in image_sizes)))
        return roi_pool(feat, boxes, (self.output_size, self.output_size), spatial_scale=scale)


class CropCNN(nn.Module):
    """The per-region ConvNet of R-CNN: crops (K, 3, S, S) -> features (K, R)."""

    def __init__(self, width: int = 32, size: int = 32, representation_size: int = 128):
        super().__init__()
        layers, c = [], 3
        for w in (width, 2 * width, 2 * width):
            layers += [
                nn.Conv2d(c, w, 3, padding=1, bias=False),
                nn.BatchNorm2d(w),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            c = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c * (size // 8) ** 2, representation_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(self.features(x).flatten(1)))  # (K, R)


class ProposalDetector(nn.Module):
    """R-CNN or Fast R-CNN: proposals -> region features -> class scores and box refinements.

    Parameters
    ----------
    mode : {"rcnn", "fast"}
    num_classes : int
        C, with the background.
    min_size, max_size : int
        The :class:`DetectionTransform` (images are scaled, proposals with them).
    width, representation_size : int
        Channels of the ConvNet and width of the FC features.
    proposal_kw : dict
        Options of :func:`selective_search`.
    **head_kw
        :class:`RoIHeads` settings (``batch_size_per_image``, ``score_thresh``, ...).
    """

    def __init__(
        self,
        mode: str = "fast",
        num_classes: int = 2,
        min_size: int = 128,
        max_size: int = 256,
        width: int = 32,
        representation_size: int = 128,
        proposal_kw: dict | None = None,
        **head_kw,
    ):
        super().__init__()
        if mode not in ("rcnn", "fast"):
            raise ValueError(f"mode must be 'rcnn' or 'fast'; got {mode!r}.")
        self.mode, self.num_classes, self.proposal_kw = mode, num_classes, dict(proposal_kw or {})
        self.transform = DetectionTransform(min_size, max_size, size_divisible=32)
        predictor = FastRCNNPredictor(representation_size, num_classes)
        head_kw = {"batch_size_per_image": 64, "detections_per_img": 50, **head_kw}
        if mode == "rcnn":
            self.backbone = None
            self.roi_heads = RoIHeads(ImageWarp(32), CropCNN(width, 32, representation_size), predictor, **head_kw)
        else:
            self.backbone = TinyBackbone(3, (16, 32, 64), width, fpn=False)  # one map, stride 8
            self.roi_heads = RoIHeads(
                SharedMapRoIPool(7), TwoMLPHead(width * 49, representation_size), predictor, **head_kw
            )

    def propose(self, images: list[torch.Tensor]) -> list[torch.Tensor]:
        """Selective-search proposals (P_i, 4) for images (3, H, W) in [0, 1]."""
        out = []
        for img in images:
            u8 = (img.detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).astype(np.uint8)
            out.append(torch.from_numpy(selective_search(u8, **self.proposal_kw)).to(img.device))
        return out

    def forward(
        self, images: list[torch.Tensor], targets: list[dict] | None = None, proposals: list[torch.Tensor] | None = None
    ):
        check_inputs(images, targets, self.training)
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        proposals = self.propose(images) if proposals is None else proposals
        batch, targets = self.transform(images, targets)
        proposals = [
            resize_boxes(p.to(batch.tensors.dtype).reshape(-1, 4), o, s)
            for p, o, s in zip(proposals, original_sizes, batch.image_sizes, strict=True)
        ]
        features = {"image": batch.tensors} if self.backbone is None else self.backbone(batch.tensors)
        detections, losses = self.roi_heads(features, proposals, batch.image_sizes, targets)
        if self.training:
            return losses
        return self.transform.postprocess(detections, batch.image_sizes, original_sizes)


@register_detector
def rcnn_tiny(num_classes: int = 2, **kwargs) -> ProposalDetector:
    """R-CNN: selective search, every region warped to 32 x 32 and run through a small ConvNet."""
    return ProposalDetector("rcnn", num_classes, **kwargs)


@register_detector
def fast_rcnn_tiny(num_classes: int = 2, **kwargs) -> ProposalDetector:
    """Fast R-CNN: selective search, RoI max pooling (7 x 7) on a stride-8 shared map, two FC layers."""
    return ProposalDetector("fast", num_classes, **kwargs)
