"""Box regression targets: encode a ground-truth box relative to a proposal, and decode it back.

The R-CNN parameterisation (Girshick et al., 2014), as in ``torchvision.models.detection._utils.BoxCoder``:
with proposal centre (px, py) and size (pw, ph), and ground truth (gx, gy, gw, gh),

    dx = wx (gx - px) / pw     dy = wy (gy - py) / ph     dw = ww log(gw / pw)     dh = wh log(gh / ph)

The weights (wx, wy, ww, wh) rescale the targets to unit-ish variance ((10, 10, 5, 5) in Faster R-CNN's
box head, (1, 1, 1, 1) in its RPN). Decoding clamps dw, dh from above at ``bbox_xform_clip`` =
log(1000 / 16), so exp() never overflows.

>>> import torch
>>> coder = BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
>>> proposals = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
>>> codes = coder.encode_single(torch.tensor([[1.0, 1.0, 11.0, 21.0]]), proposals)
>>> coder.decode_single(codes, proposals)
tensor([[ 1.,  1., 11., 21.]])
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["BoxCoder", "encode_boxes_reference"]


class BoxCoder:
    """Encode / decode xyxy boxes against reference boxes (proposals or anchors).

    Parameters
    ----------
    weights : (wx, wy, ww, wh)
    bbox_xform_clip : float
        Upper clamp of dw / dh (after dividing by the weights) when decoding.
    """

    def __init__(self, weights: tuple[float, float, float, float],
                 bbox_xform_clip: float = math.log(1000.0 / 16)) -> None:
        if len(weights) != 4:
            raise ValueError(f"BoxCoder: weights must be 4 numbers (wx, wy, ww, wh); got {weights!r}.")
        self.weights = tuple(float(w) for w in weights)
        self.bbox_xform_clip = bbox_xform_clip

    def encode(self, reference_boxes: list[Tensor], proposals: list[Tensor]) -> tuple[Tensor, ...]:
        """Per-image lists of ground truth (Ni, 4) and proposals (Ni, 4) -> tuple of codes (Ni, 4)."""
        sizes = [len(b) for b in reference_boxes]
        codes = self.encode_single(torch.cat(reference_boxes, dim=0), torch.cat(proposals, dim=0))
        return codes.split(sizes, 0)

    def encode_single(self, reference_boxes: Tensor, proposals: Tensor) -> Tensor:
        """Ground truth (N, 4) relative to proposals (N, 4) -> codes (N, 4) = (dx, dy, dw, dh)."""
        weights = torch.as_tensor(self.weights, dtype=reference_boxes.dtype, device=reference_boxes.device)
        wx, wy, ww, wh = weights
        ex_w = proposals[:, 2] - proposals[:, 0]
        ex_h = proposals[:, 3] - proposals[:, 1]
        ex_cx = proposals[:, 0] + 0.5 * ex_w
        ex_cy = proposals[:, 1] + 0.5 * ex_h
        gt_w = reference_boxes[:, 2] - reference_boxes[:, 0]
        gt_h = reference_boxes[:, 3] - reference_boxes[:, 1]
        gt_cx = reference_boxes[:, 0] + 0.5 * gt_w
        gt_cy = reference_boxes[:, 1] + 0.5 * gt_h
        dx = wx * (gt_cx - ex_cx) / ex_w
        dy = wy * (gt_cy - ex_cy) / ex_h
        dw = ww * torch.log(gt_w / ex_w)
        dh = wh * torch.log(gt_h / ex_h)
        return torch.stack((dx, dy, dw, dh), dim=1)

    def decode(self, rel_codes: Tensor, boxes: list[Tensor]) -> Tensor:
        """Codes (sum Ni, 4K) against per-image reference boxes [(Ni, 4)] -> boxes (sum Ni, K, 4)."""
        concat = torch.cat(boxes, dim=0)
        total = concat.shape[0]
        if total > 0:
            rel_codes = rel_codes.reshape(total, -1)
        pred = self.decode_single(rel_codes, concat)
        return pred.reshape(total, -1, 4) if total > 0 else pred

    def decode_single(self, rel_codes: Tensor, boxes: Tensor) -> Tensor:
        """Codes (N, 4K) relative to boxes (N, 4) -> xyxy boxes (N, 4K)."""
        boxes = boxes.to(rel_codes.dtype)
        widths = boxes[:, 2] - boxes[:, 0]
        heights = boxes[:, 3] - boxes[:, 1]
        ctr_x = boxes[:, 0] + 0.5 * widths
        ctr_y = boxes[:, 1] + 0.5 * heights
        wx, wy, ww, wh = self.weights
        dx = rel_codes[:, 0::4] / wx  # (N, K)
        dy = rel_codes[:, 1::4] / wy
        dw = torch.clamp(rel_codes[:, 2::4] / ww, max=self.bbox_xform_clip)
        dh = torch.clamp(rel_codes[:, 3::4] / wh, max=self.bbox_xform_clip)
        pred_cx = dx * widths[:, None] + ctr_x[:, None]
        pred_cy = dy * heights[:, None] + ctr_y[:, None]
        half_w = 0.5 * torch.exp(dw) * widths[:, None]
        half_h = 0.5 * torch.exp(dh) * heights[:, None]
        pred = torch.stack((pred_cx - half_w, pred_cy - half_h, pred_cx + half_w, pred_cy + half_h), dim=2)
        return pred.flatten(1)  # (N, 4K)


def encode_boxes_reference(reference_boxes: Tensor, proposals: Tensor, weights) -> Tensor:
    """Row-by-row encoding with Python floats: the formula above, readable; (N, 4) -> (N, 4)."""
    wx, wy, ww, wh = weights
    rows = []
    pairs = zip(reference_boxes.tolist(), proposals.tolist(), strict=True)
    for (g1, g2, g3, g4), (p1, p2, p3, p4) in pairs:
        pw, ph, gw, gh = p3 - p1, p4 - p2, g3 - g1, g4 - g2
        rows.append([wx * ((g1 + gw / 2) - (p1 + pw / 2)) / pw, wy * ((g2 + gh / 2) - (p2 + ph / 2)) / ph,
                     ww * math.log(gw / pw), wh * math.log(gh / ph)])
    return torch.tensor(rows, dtype=reference_boxes.dtype).reshape(-1, 4)
