"""A single-stage grid detector in the style of YOLO (Redmon et al. 2016) / SSD (Liu et al. 2016).

The lecture's recipe: divide the image into an S x S grid; each cell has B base boxes (anchors) and
predicts, for each, a refinement (dx, dy, dw, dh) and a confidence, plus C class scores with the
background as a class: an output of S x S x (5B + C). Here the grid is the stride-s feature map of a
backbone and the output is computed by a small conv head, so ``raw`` outputs are (N, 5B + C, S, S).

Encoding (YOLOv2): centre = (cell + sigmoid(dx, dy)) * stride, size = anchor * exp(dw, dh). Training
makes the anchor of best shape in the cell holding an object's centre responsible for it. Loss terms
(YOLOv1 eq. 3, with the confidence as binary cross-entropy): ``lambda_coord`` x squared error of the
responsible anchors' encoding, confidence BCE (target 1 for responsible anchors, 0 for the others
weighted by ``lambda_noobj``), and per-cell cross-entropy over the C classes (class 0 = background for
cells without an object centre). Scores at test time: sigmoid(confidence) x softmax(class).

>>> import torch
>>> model = yolo_tiny(num_classes=3).eval()
>>> model.raw(torch.zeros(1, 3, 128, 128)).shape   # (N, 5B + C, S, S) with B = 3, C = 3, S = 8
torch.Size([1, 18, 8, 8])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from visrec.detection.models.backbone import TinyBackbone
from visrec.detection.models.registry import register_detector
from visrec.detection.models.transform import DetectionTransform, check_inputs
from visrec.detection.ops import box_iou, clip_boxes_to_image, select_detections

__all__ = ["GridDetector", "yolo_tiny"]


class GridDetector(nn.Module):
    """images [(C, H, W)], targets -> losses (training) or detections (eval); torchvision's contract.

    Parameters
    ----------
    backbone : nn.Module
        images (N, 3, H, W) -> {"0": (N, D, H/s, W/s)} (the first level is the grid) with ``out_channels``.
    num_classes : int
        C, including the background class 0.
    anchors : sequence of (w, h)
        The B base boxes, pixels of the resized image.
    image_size : int
        Images are resized to this side (the long side; the grid is then S = image_size / stride).
    lambda_coord, lambda_noobj : float
        Weights of the box term and of the confidence term of anchors without an object.
    score_thresh, nms_thresh, detections_per_img : float, float, int
        Test-time filtering (NMS per class).
    """

    def __init__(
        self,
        backbone: nn.Module,
        num_classes: int,
        anchors=((24, 24), (40, 40), (64, 64)),
        image_size: int = 128,
        lambda_coord: float = 5.0,
        lambda_noobj: float = 0.5,
        score_thresh: float = 0.05,
        nms_thresh: float = 0.5,
        detections_per_img: int = 50,
        image_mean=(0.485, 0.456, 0.406),
        image_std=(0.229, 0.224, 0.225),
    ):
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes counts the background and must be >= 2; got {num_classes}.")
        self.transform = DetectionTransform(image_size, image_size, image_mean, image_std, 32)
        self.backbone = backbone
        d, b = backbone.out_channels, len(anchors)
        self.head = nn.Sequential(
            nn.Conv2d(d, d, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(d, 5 * b + num_classes, 1)
        )
        self.register_buffer("anchors", torch.tensor(anchors, dtype=torch.float32), persistent=False)
        self.num_classes, self.num_anchors = num_classes, b
        self.lambda_coord, self.lambda_noobj = lambda_coord, lambda_noobj
        self.score_thresh, self.nms_thresh, self.detections_per_img = (
            score_thresh,
            nms_thresh,
            detections_per_img,
        )

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """Normalized batch (N, 3, H, W) -> the lecture's output (N, 5B + C, S, S)."""
        return self.head(next(iter(self.backbone(x).values())))

    def _split(self, out: torch.Tensor):
        n, _, s_h, s_w = out.shape
        b = self.num_anchors
        box = out[:, : 5 * b].view(n, b, 5, s_h, s_w).permute(0, 3, 4, 1, 2)  # (N, S, S, B, 5)
        cls = out[:, 5 * b :].permute(0, 2, 3, 1)  # (N, S, S, C)
        return box[..., :4], box[..., 4], cls

    def build_targets(self, targets, grid: tuple[int, int], stride: tuple[float, float], device):
        """Responsible mask (N, S, S, B), encoded boxes (N, S, S, B, 4) and cell classes (N, S, S)."""
        n, (s_h, s_w), b = len(targets), grid, self.num_anchors
        resp = torch.zeros((n, s_h, s_w, b), dtype=torch.bool, device=device)
        enc = torch.zeros((n, s_h, s_w, b, 4), device=device)
        cell_cls = torch.zeros((n, s_h, s_w), dtype=torch.int64, device=device)
        for i, t in enumerate(targets):
            boxes, labels = t["boxes"], t["labels"]
            if boxes.numel() == 0:
                continue
            wh = boxes[:, 2:] - boxes[:, :2]
            cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
            shapes = torch.cat([-wh / 2, wh / 2], 1)
            anchor_shapes = torch.cat([-self.anchors / 2, self.anchors / 2], 1)
            best = box_iou(shapes, anchor_shapes).argmax(1)  # (K,) anchor of the most similar shape
            gx, gy = cx / stride[1], cy / stride[0]
            col, row = gx.long().clamp(0, s_w - 1), gy.long().clamp(0, s_h - 1)
            for k in torch.argsort(wh.prod(1), descending=True).tolist():  # small objects win collisions
                r, c, a = int(row[k]), int(col[k]), int(best[k])
                resp[i, r, c, a] = True
                enc[i, r, c, a] = torch.stack(
                    [
                        gx[k] - c,
                        gy[k] - r,
                        torch.log(wh[k, 0] / self.anchors[a, 0]),
                        torch.log(wh[k, 1] / self.anchors[a, 1]),
                    ]
                )
                cell_cls[i, r, c] = labels[k]
        return resp, enc, cell_cls

    def compute_loss(self, out: torch.Tensor, targets, image_shape) -> dict[str, torch.Tensor]:
        deltas, conf, cls = self._split(out)
        grid = tuple(out.shape[-2:])
        stride = (image_shape[0] / grid[0], image_shape[1] / grid[1])
        resp, enc, cell_cls = self.build_targets(targets, grid, stride, out.device)
        n = out.shape[0]
        pred = torch.cat([deltas[..., :2].sigmoid(), deltas[..., 2:]], -1)  # (N, S, S, B, 4)
        loss_box = self.lambda_coord * F.mse_loss(pred[resp], enc[resp], reduction="sum") / n
        bce = F.binary_cross_entropy_with_logits(conf, resp.to(conf.dtype), reduction="none")
        loss_obj = (bce[resp].sum() + self.lambda_noobj * bce[~resp].sum()) / n
        loss_cls = F.cross_entropy(cls.reshape(-1, self.num_classes), cell_cls.reshape(-1), reduction="sum") / n
        return {"loss_box_reg": loss_box, "loss_objectness": loss_obj, "loss_classifier": loss_cls}

    def decode(self, out: torch.Tensor, image_sizes, pad_shape: tuple[int, int]) -> list[dict]:
        """Raw output (N, 5B + C, S, S) of a padded batch of shape ``pad_shape`` -> detections per image."""
        deltas, conf, cls = self._split(out)
        n, s_h, s_w, b, _ = deltas.shape
        stride_y, stride_x = pad_shape[0] / s_h, pad_shape[1] / s_w
        rows = torch.arange(s_h, device=out.device, dtype=out.dtype).view(s_h, 1, 1)
        cols = torch.arange(s_w, device=out.device, dtype=out.dtype).view(1, s_w, 1)
        results = []
        for i in range(n):
            cx = (cols + deltas[i, ..., 0].sigmoid()) * stride_x  # (S, S, B)
            cy = (rows + deltas[i, ..., 1].sigmoid()) * stride_y
            w = self.anchors[:, 0] * deltas[i, ..., 2].clamp(max=6).exp()
            h = self.anchors[:, 1] * deltas[i, ..., 3].clamp(max=6).exp()
            boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1).reshape(-1, 4)  # (S S B, 4)
            boxes = clip_boxes_to_image(boxes, image_sizes[i])
            probs = cls[i].softmax(-1)[:, :, None, 1:]  # (S, S, 1, C-1): drop the background
            scores = (conf[i].sigmoid()[..., None] * probs).reshape(-1, self.num_classes - 1)  # (S S B, C-1)
            keep_box, keep_cls = torch.where(scores > self.score_thresh)
            bx, sc, lab = boxes[keep_box], scores[keep_box, keep_cls], keep_cls + 1
            results.append(select_detections(bx, sc, lab, self.nms_thresh, self.detections_per_img))
        return results

    def forward(self, images: list[torch.Tensor], targets: list[dict] | None = None):
        check_inputs(images, targets, self.training)
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        batch, targets = self.transform(images, targets)
        out = self.raw(batch.tensors)  # (N, 5B + C, S, S)
        pad_shape = tuple(batch.tensors.shape[-2:])
        if self.training:
            return self.compute_loss(out, targets, pad_shape)
        detections = self.decode(out, batch.image_sizes, pad_shape)
        return self.transform.postprocess(detections, batch.image_sizes, original_sizes)


@register_detector
def yolo_tiny(
    num_classes: int = 2,
    width: int = 64,
    image_size: int = 128,
    anchors=((24, 24), (40, 40), (64, 64)),
    **kwargs,
) -> GridDetector:
    """The grid detector on a small 4-stage CNN (stride 16: an 8 x 8 grid for 128 px images), B = 3."""
    backbone = TinyBackbone(3, (16, 32, 48, 64), width, fpn=False)
    return GridDetector(backbone, num_classes, anchors, image_size, **kwargs)
