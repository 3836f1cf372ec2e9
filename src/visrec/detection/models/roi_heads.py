"""The second stage of Faster / Mask R-CNN: pool each proposal, classify it, refine its box.

Training samples proposals (plus the ground-truth boxes themselves) against the objects: IoU >= 0.5 is
a positive of the object's class, below is background (class 0); 512 per image, at most a quarter
positive. The two losses (Girshick, "Fast R-CNN", ICCV 2015, eq. 1) are cross-entropy over K + 1 classes
and smooth L1 (beta 1/9) of the true class's box deltas, divided by the sample size. At test time each
class's decoded box is scored by the softmax, thresholded, NMS'd per class and the best
``detections_per_img`` are kept. With a mask head (:mod:`.mask_head`) positives also train a mask.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.models.matcher import Matcher
from visrec.detection.models.sampler import BalancedPositiveNegativeSampler
from visrec.detection.ops import BoxCoder, batched_nms, box_iou, clip_boxes_to_image, remove_small_boxes

__all__ = ["TwoMLPHead", "FastRCNNPredictor", "RoIHeads", "fastrcnn_loss"]


class TwoMLPHead(nn.Module):
    """Pooled features (K, D, S, S) -> (K, R): flatten, fc6 + ReLU, fc7 + ReLU."""

    def __init__(self, in_channels: int, representation_size: int):
        super().__init__()
        self.fc6 = nn.Linear(in_channels, representation_size)
        self.fc7 = nn.Linear(representation_size, representation_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.fc7(F.relu(self.fc6(x.flatten(1)))))


class FastRCNNPredictor(nn.Module):
    """(K, R) -> class logits (K, C) and class-specific box deltas (K, 4C); C counts the background."""

    def __init__(self, in_channels: int, num_classes: int):
        super().__init__()
        self.cls_score = nn.Linear(in_channels, num_classes)
        self.bbox_pred = nn.Linear(in_channels, num_classes * 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.flatten(1)
        return self.cls_score(x), self.bbox_pred(x)


def fastrcnn_loss(class_logits, box_regression, labels, regression_targets):
    """Cross-entropy over all samples + smooth L1 of the positives' true-class deltas / #samples.

    class_logits (K, C), box_regression (K, 4C), labels [(K_i,)] int64, regression_targets [(K_i, 4)].
    """
    labels, regression_targets = torch.cat(labels), torch.cat(regression_targets)
    classification_loss = F.cross_entropy(class_logits, labels)
    pos = torch.where(labels > 0)[0]
    box_regression = box_regression.reshape(len(labels), -1, 4)  # (K, C, 4)
    box_loss = F.smooth_l1_loss(box_regression[pos, labels[pos]], regression_targets[pos], beta=1 / 9, reduction="sum")
    return classification_loss, box_loss / max(labels.numel(), 1)


class RoIHeads(nn.Module):
    """(features, proposals [(P_i, 4)], image_sizes, targets) -> (detections, losses).

    Parameters
    ----------
    box_roi_pool : nn.Module
        Proposals -> pooled features, e.g. :class:`MultiScaleRoIAlign` (7x7) or an RoI-pool wrapper.
    box_head, box_predictor : nn.Module
        :class:`TwoMLPHead` and :class:`FastRCNNPredictor` (or any pair with that contract).
    fg_iou_thresh, bg_iou_thresh : float
        Proposal IoU >= fg: positive; < bg: background.
    batch_size_per_image, positive_fraction : int, float
        The balanced sample per image.
    bbox_reg_weights : tuple of 4 floats
        Box coder weights (10, 10, 5, 5).
    score_thresh, nms_thresh, detections_per_img : float, float, int
        Test-time filtering.
    mask_roi_pool, mask_head, mask_predictor : nn.Module, optional
        The Mask R-CNN branch (all three or none).
    """

    def __init__(
        self,
        box_roi_pool,
        box_head,
        box_predictor,
        fg_iou_thresh: float = 0.5,
        bg_iou_thresh: float = 0.5,
        batch_size_per_image: int = 512,
        positive_fraction: float = 0.25,
        bbox_reg_weights=(10.0, 10.0, 5.0, 5.0),
        score_thresh: float = 0.05,
        nms_thresh: float = 0.5,
        detections_per_img: int = 100,
        mask_roi_pool=None,
        mask_head=None,
        mask_predictor=None,
    ):
        super().__init__()
        self.box_roi_pool, self.box_head, self.box_predictor = box_roi_pool, box_head, box_predictor
        self.proposal_matcher = Matcher(fg_iou_thresh, bg_iou_thresh, allow_low_quality_matches=False)
        self.fg_bg_sampler = BalancedPositiveNegativeSampler(batch_size_per_image, positive_fraction)
        self.box_coder = BoxCoder(bbox_reg_weights)
        self.score_thresh, self.nms_thresh, self.detections_per_img = (
            score_thresh,
            nms_thresh,
            detections_per_img,
        )
        if mask_roi_pool is not None:
            self.mask_roi_pool, self.mask_head, self.mask_predictor = mask_roi_pool, mask_head, mask_predictor
        else:
            self.mask_roi_pool = None

    @property
    def has_mask(self) -> bool:
        return self.mask_roi_pool is not None

    def select_training_samples(self, proposals: list[torch.Tensor], targets: list[dict]):
        """Add the ground truth to the proposals, label them, sample, and encode their box targets."""
        out_props, out_idx, out_labels, matched_boxes = [], [], [], []
        for props, t in zip(proposals, targets, strict=False):
            gt, gt_labels = t["boxes"].to(props.dtype), t["labels"]
            props = torch.cat([props, gt])
            if gt.numel() == 0:  # no objects: every proposal is background
                idx = torch.zeros(len(props), dtype=torch.int64, device=props.device)
                labels = torch.zeros(len(props), dtype=torch.int64, device=props.device)
                gt = props.new_zeros((1, 4))
            else:
                matches = self.proposal_matcher(box_iou(gt, props))
                idx = matches.clamp(min=0)
                labels = gt_labels[idx].to(torch.int64)
                labels[matches == Matcher.BELOW_LOW_THRESHOLD] = 0
                labels[matches == Matcher.BETWEEN_THRESHOLDS] = -1
            out_props.append(props)
            out_idx.append(idx)
            out_labels.append(labels)
            matched_boxes.append(gt)
        pos, neg = self.fg_bg_sampler(out_labels)
        for i in range(len(out_props)):
            keep = torch.where(pos[i] | neg[i])[0]
            out_props[i], out_idx[i], out_labels[i] = (
                out_props[i][keep],
                out_idx[i][keep],
                out_labels[i][keep],
            )
            matched_boxes[i] = matched_boxes[i][out_idx[i]]
        regression_targets = self.box_coder.encode(matched_boxes, out_props)
        return out_props, out_idx, out_labels, list(regression_targets)

    def postprocess_detections(self, class_logits, box_regression, proposals, image_sizes) -> list[dict]:
        """Per image: per-class boxes and softmax scores, minus background, thresholded, NMS per class."""
        num_classes = class_logits.shape[-1]
        boxes_all = self.box_coder.decode(box_regression, proposals)  # (K, C, 4)
        scores_all = F.softmax(class_logits, -1)  # (K, C)
        results = []
        for boxes, scores, size in zip(
            boxes_all.split([len(p) for p in proposals]),
            scores_all.split([len(p) for p in proposals]),
            image_sizes,
            strict=False,
        ):
            boxes = clip_boxes_to_image(boxes, size)
            labels = torch.arange(num_classes, device=boxes.device).view(1, -1).expand_as(scores)
            boxes, scores, labels = (
                boxes[:, 1:].reshape(-1, 4),
                scores[:, 1:].reshape(-1),
                labels[:, 1:].reshape(-1),
            )
            keep = torch.where(scores > self.score_thresh)[0]
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = remove_small_boxes(boxes, 1e-2)
            boxes, scores, labels = boxes[keep], scores[keep], labels[keep]
            keep = batched_nms(boxes, scores, labels, self.nms_thresh)[: self.detections_per_img]
            results.append({"boxes": boxes[keep], "labels": labels[keep], "scores": scores[keep]})
        return results

    def forward(self, features: dict, proposals: list[torch.Tensor], image_sizes, targets=None):
        if self.training:
            proposals, matched_idx, labels, regression_targets = self.select_training_samples(proposals, targets)
        box_features = self.box_head(self.box_roi_pool(features, proposals, image_sizes))
        class_logits, box_regression = self.box_predictor(box_features)
        losses, detections = {}, []
        if self.training:
            loss_cls, loss_box = fastrcnn_loss(class_logits, box_regression, labels, regression_targets)
            losses = {"loss_classifier": loss_cls, "loss_box_reg": loss_box}
        else:
            detections = self.postprocess_detections(class_logits, box_regression, proposals, image_sizes)
        if self.has_mask:
            from visrec.detection.models.mask_head import maskrcnn_inference, maskrcnn_loss

            if self.training:
                pos = [torch.where(lab > 0)[0] for lab in labels]
                mask_boxes = [p[k] for p, k in zip(proposals, pos, strict=False)]
                pos_idx = [m[k] for m, k in zip(matched_idx, pos, strict=False)]
            else:
                mask_boxes = [d["boxes"] for d in detections]
            mask_logits = self.mask_predictor(self.mask_head(self.mask_roi_pool(features, mask_boxes, image_sizes)))
            if self.training:
                gt_masks = [t["masks"] for t in targets]
                gt_labels = [t["labels"] for t in targets]
                losses["loss_mask"] = maskrcnn_loss(mask_logits, mask_boxes, gt_masks, gt_labels, pos_idx)
            else:
                probs_all = maskrcnn_inference(mask_logits, [d["labels"] for d in detections])
                for det, probs in zip(detections, probs_all, strict=True):
                    det["masks"] = probs
        return detections, losses
