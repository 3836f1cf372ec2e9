"""Classification + localization (the lecture's first step from classification to detection).

One registry backbone computes features; a class head gives K scores and a box head regresses one box
(x, y, w, h: centre and size as fractions of the image). The multitask loss adds softmax cross-entropy
and ``box_weight`` x a box loss, L2 (squared error, the slides) or smooth L1. For images with exactly
one object; detection (variable numbers of objects) needs the R-CNN family or a grid detector.

>>> import torch
>>> model = ClassifyLocalize("tiny_cnn", num_classes=3)
>>> logits, boxes = model(torch.rand(2, 3, 64, 64))
>>> tuple(logits.shape), tuple(boxes.shape)
((2, 3), (2, 4))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.ops import box_convert

__all__ = ["ClassifyLocalize", "localization_loss"]


def localization_loss(logits, boxes, labels, target_boxes, box_weight: float = 1.0, box_loss: str = "l2"):
    """Multitask loss: cross-entropy (N, K) vs labels (N,) + ``box_weight`` x box loss of (N, 4) boxes.

    Returns (total, {"loss_classifier": ..., "loss_box_reg": ...}); the box term is a mean over boxes.
    """
    if box_loss not in ("l2", "smooth_l1"):
        raise ValueError(f"box_loss must be 'l2' or 'smooth_l1'; got {box_loss!r}.")
    cls = F.cross_entropy(logits, labels)
    if box_loss == "l2":
        reg = ((boxes - target_boxes) ** 2).sum(1).mean()
    else:
        reg = F.smooth_l1_loss(boxes, target_boxes, reduction="none", beta=1 / 9).sum(1).mean()
    return cls + box_weight * reg, {"loss_classifier": cls, "loss_box_reg": reg}


class ClassifyLocalize(nn.Module):
    """images (N, C, H, W) -> (class logits (N, K), boxes (N, 4) as (cx, cy, w, h) fractions of the image).

    Parameters
    ----------
    backbone : str or nn.Module
        A registry classifier name (built with ``num_classes=0``; its pre-logits features are shared) or
        a module with ``forward_features`` / ``forward_head(pre_logits=True)`` / ``num_features``.
    num_classes : int
        K.
    """

    def __init__(self, backbone: str | nn.Module = "resnet18", num_classes: int = 10, **backbone_kw):
        super().__init__()
        if isinstance(backbone, str):
            from visrec.torch_nn.registry import create_model

            backbone = create_model(backbone, num_classes=0, **backbone_kw)
        self.backbone = backbone
        d = backbone.num_features
        self.class_head = nn.Linear(d, num_classes)
        self.box_head = nn.Linear(d, 4)
        self.num_classes = num_classes

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.backbone.forward_head(self.backbone.forward_features(x), pre_logits=True)  # (N, D)
        return self.class_head(feats), self.box_head(feats).sigmoid()  # boxes in [0, 1]

    @staticmethod
    def encode(boxes_xyxy: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Absolute xyxy boxes (N, 4) in an (H, W) image -> (cx, cy, w, h) fractions."""
        h, w = size
        return box_convert(boxes_xyxy, "xyxy", "cxcywh") / boxes_xyxy.new_tensor([w, h, w, h])

    @staticmethod
    def decode(boxes: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """(cx, cy, w, h) fractions (N, 4) -> absolute xyxy boxes in an (H, W) image."""
        h, w = size
        return box_convert(boxes * boxes.new_tensor([w, h, w, h]), "cxcywh", "xyxy")

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> list[dict]:
        """One detection per image: {"boxes" (1, 4) xyxy pixels, "labels" (1,), "scores" (1,)}."""
        logits, boxes = self(x)
        probs = logits.softmax(-1)
        scores, labels = probs.max(-1)
        xyxy = self.decode(boxes, tuple(x.shape[-2:]))
        return [
            {"boxes": b[None], "labels": lab[None], "scores": s[None]}
            for b, lab, s in zip(xyxy, labels, scores, strict=True)
        ]
