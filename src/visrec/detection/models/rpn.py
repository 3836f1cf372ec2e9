"""Region proposal network (Ren et al., "Faster R-CNN", NeurIPS 2015, section 3.1).

A 3x3 conv slides over every feature level; per location and anchor, a 1x1 conv scores "object or not"
(``cls_logits``) and another regresses the anchor towards the object (``bbox_pred``). Proposals are the
decoded anchors with the best objectness, clipped, thinned by NMS per level. Training adds two losses:
binary cross-entropy of the objectness over a balanced sample of anchors, and smooth L1 (beta 1/9) of the
box deltas of its positive anchors.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.models.matcher import Matcher
from visrec.detection.models.sampler import BalancedPositiveNegativeSampler
from visrec.detection.ops import BoxCoder, batched_nms, box_iou, clip_boxes_to_image, remove_small_boxes

__all__ = ["RPNHead", "RegionProposalNetwork", "flatten_predictions"]


class RPNHead(nn.Module):
    """Per level (N, D, H, W) -> objectness (N, A, H, W) and box deltas (N, 4A, H, W).

    Keys follow torchvision: ``conv.0.0`` (the 3x3 conv, then ReLU), ``cls_logits``, ``bbox_pred``.
    """

    def __init__(self, in_channels: int, num_anchors: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Sequential(nn.Conv2d(in_channels, in_channels, 3, padding=1), nn.ReLU(True)))
        self.cls_logits = nn.Conv2d(in_channels, num_anchors, 1)
        self.bbox_pred = nn.Conv2d(in_channels, 4 * num_anchors, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.zeros_(m.bias)

    def forward(self, features: list[torch.Tensor]) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        logits, deltas = [], []
        for f in features:
            t = self.conv(f)
            logits.append(self.cls_logits(t))
            deltas.append(self.bbox_pred(t))
        return logits, deltas


def flatten_predictions(logits: list[torch.Tensor], deltas: list[torch.Tensor]):
    """Per-level (N, A*C, H, W) maps -> (N * sum_l H_l W_l A, C) rows, ordered like the anchors
    (level, then y, x, then anchor). Returns (objectness (R, 1), deltas (R, 4))."""
    flat_logits, flat_deltas = [], []
    for lg, dl in zip(logits, deltas, strict=False):
        n, a, h, w = lg.shape
        flat_logits.append(lg.view(n, a, 1, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, 1))  # (N, HWA, 1)
        flat_deltas.append(dl.view(n, a, 4, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, 4))  # (N, HWA, 4)
    return torch.cat(flat_logits, 1).flatten(0, -2), torch.cat(flat_deltas, 1).reshape(-1, 4)


class RegionProposalNetwork(nn.Module):
    """features {level: (N, D, H_l, W_l)} -> (proposals [(P_i, 4)] per image, losses dict).

    Parameters
    ----------
    anchor_generator : AnchorGenerator
        One (sizes, ratios) pair per feature level.
    head : RPNHead
    fg_iou_thresh, bg_iou_thresh : float
        Anchors with IoU >= fg are positives, < bg negatives (plus each box's best anchor).
    batch_size_per_image, positive_fraction : int, float
        The balanced sample of anchors per image for the two losses.
    pre_nms_top_n, post_nms_top_n : dict with "training" and "testing"
        Proposals kept per level before NMS and per image after it.
    nms_thresh : float
        IoU above which a lower-scored proposal of the same level is dropped.
    score_thresh : float
        Minimum objectness probability of a proposal.
    """

    def __init__(
        self,
        anchor_generator,
        head: RPNHead,
        fg_iou_thresh: float = 0.7,
        bg_iou_thresh: float = 0.3,
        batch_size_per_image: int = 256,
        positive_fraction: float = 0.5,
        pre_nms_top_n: dict | None = None,
        post_nms_top_n: dict | None = None,
        nms_thresh: float = 0.7,
        score_thresh: float = 0.0,
    ):
        super().__init__()
        self.anchor_generator, self.head = anchor_generator, head
        self.box_coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
        self.proposal_matcher = Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=True)
        self.fg_bg_sampler = BalancedPositiveNegativeSampler(batch_size_per_image, positive_fraction)
        self._pre_nms_top_n = pre_nms_top_n or {"training": 2000, "testing": 1000}
        self._post_nms_top_n = post_nms_top_n or {"training": 2000, "testing": 1000}
        self.nms_thresh, self.score_thresh, self.min_size = nms_thresh, score_thresh, 1e-3

    def pre_nms_top_n(self) -> int:
        return self._pre_nms_top_n["training" if self.training else "testing"]

    def post_nms_top_n(self) -> int:
        return self._post_nms_top_n["training" if self.training else "testing"]

    def assign_targets(self, anchors: list[torch.Tensor], targets: list[dict]):
        """Per image: labels (A,) in {1, 0, -1} and the matched box of every anchor (A, 4)."""
        labels, matched_boxes = [], []
        for anc, t in zip(anchors, targets, strict=False):
            gt = t["boxes"]
            if gt.numel() == 0:  # no objects: every anchor is a negative
                labels.append(torch.zeros(len(anc), dtype=anc.dtype, device=anc.device))
                matched_boxes.append(torch.zeros_like(anc))
                continue
            idx = self.proposal_matcher(box_iou(gt, anc))
            matched_boxes.append(gt[idx.clamp(min=0)])
            lab = (idx >= 0).to(anc.dtype)
            lab[idx == Matcher.BETWEEN_THRESHOLDS] = -1.0
            labels.append(lab)
        return labels, matched_boxes

    def filter_proposals(self, proposals, objectness, image_sizes, anchors_per_level):
        """Top-n per level by objectness, clip, drop tiny and low-score boxes, NMS per level, keep top-n."""
        n = proposals.shape[0]
        objectness = objectness.detach().reshape(n, -1)  # (N, R)
        levels = torch.cat(
            [torch.full((k,), i, dtype=torch.int64, device=proposals.device) for i, k in enumerate(anchors_per_level)]
        )
        top_idx, offset = [], 0
        for scores in objectness.split(anchors_per_level, 1):
            k = min(self.pre_nms_top_n(), scores.shape[1])
            top_idx.append(scores.topk(k, dim=1).indices + offset)
            offset += scores.shape[1]
        top_idx = torch.cat(top_idx, 1)  # (N, R')
        rows = torch.arange(n, device=proposals.device)[:, None]
        objectness, proposals, levels = objectness[rows, top_idx], proposals[rows, top_idx], levels[top_idx]
        out_boxes, out_scores = [], []
        probs = objectness.sigmoid()
        for boxes, scores, lvl, size in zip(proposals, probs, levels, image_sizes, strict=True):
            boxes = clip_boxes_to_image(boxes, size)
            keep = remove_small_boxes(boxes, self.min_size)
            keep = keep[scores[keep] >= self.score_thresh]
            boxes, scores, lvl = boxes[keep], scores[keep], lvl[keep]
            keep = batched_nms(boxes, scores, lvl, self.nms_thresh)[: self.post_nms_top_n()]
            out_boxes.append(boxes[keep])
            out_scores.append(scores[keep])
        return out_boxes, out_scores

    def compute_loss(self, objectness, deltas, labels, regression_targets):
        """Objectness BCE over the sampled anchors + smooth L1 over the positive ones, both / sample size."""
        pos, neg = self.fg_bg_sampler(labels)
        pos = torch.where(torch.cat(pos))[0]
        sampled = torch.cat([pos, torch.where(torch.cat(neg))[0]])
        labels, regression_targets = torch.cat(labels), torch.cat(regression_targets)
        box_loss = F.smooth_l1_loss(deltas[pos], regression_targets[pos], beta=1 / 9, reduction="sum")
        box_loss = box_loss / max(sampled.numel(), 1)
        objectness_loss = F.binary_cross_entropy_with_logits(objectness.flatten()[sampled], labels[sampled])
        return objectness_loss, box_loss

    def forward(self, images, features: dict, targets: list[dict] | None = None):
        feats = list(features.values())
        logits, deltas = self.head(feats)
        anchors = self.anchor_generator(images, feats)  # N x (R, 4)
        anchors_per_level = [lg[0].numel() for lg in logits]  # A * H_l * W_l
        objectness, deltas = flatten_predictions(logits, deltas)  # (N R, 1), (N R, 4)
        proposals = self.box_coder.decode(deltas.detach(), anchors).view(len(anchors), -1, 4)  # (N, R, 4)
        boxes, _ = self.filter_proposals(proposals, objectness, images.image_sizes, anchors_per_level)
        losses = {}
        if self.training:
            labels, matched = self.assign_targets(anchors, targets)
            regression_targets = self.box_coder.encode(matched, anchors)
            obj_loss, box_loss = self.compute_loss(objectness, deltas, labels, list(regression_targets))
            losses = {"loss_objectness": obj_loss, "loss_rpn_box_reg": box_loss}
        return boxes, losses
