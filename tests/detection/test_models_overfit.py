"""Each detector overfits a handful of generated images to near-1 AP50 (pycocotools' COCOeval)."""

from __future__ import annotations

import pytest
import torch
from _coco_ap import coco_ap50
from _toy_shapes import toy_shapes

from visrec.detection.models import create_detector


def _overfit(name: str, steps: int, lr: float = 3e-3, with_empty: bool = True, n: int = 4):
    torch.manual_seed(0)
    images, targets = toy_shapes(n + with_empty, seed=1, empty_every=n + 1 if with_empty else 0)
    model = create_detector(name, num_classes=3)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        losses = model(images, targets)
        loss = sum(losses.values())
        assert torch.isfinite(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        predictions = model(images)
    return model, images, targets, predictions


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,steps,lr",
    [("fasterrcnn_tiny", 40, 3e-3), ("yolo_tiny", 80, 3e-3), ("retinanet_tiny", 100, 3e-3), ("ssd_tiny", 50, 3e-3)],
)
def test_detector_overfits_to_near_one_ap(name, steps, lr):
    _, _, targets, predictions = _overfit(name, steps, lr, n=3)
    assert targets[-1]["boxes"].numel() == 0  # an image with no objects was in the training set
    ap50 = coco_ap50(predictions, targets, num_classes=3)
    assert ap50 >= 0.9, ap50
    for p in predictions:
        assert p["boxes"].dtype == torch.float32 and p["labels"].dtype == torch.int64
        assert (p["boxes"][:, 2:] > p["boxes"][:, :2]).all()
    empty = predictions[-1]["scores"]
    assert len(empty) == 0 or float(empty.max()) < 0.5  # nothing confident on the image without objects


@pytest.mark.slow
def test_mask_rcnn_overfits_boxes_and_masks():
    _, images, targets, predictions = _overfit("maskrcnn_tiny", 45, with_empty=False, n=3)
    assert coco_ap50(predictions, targets, num_classes=3) >= 0.9
    for p, t, img in zip(predictions, targets, images, strict=True):
        assert p["masks"].shape[1:] == (1, *img.shape[-2:])
        top = p["masks"][: len(t["masks"]), 0] > 0.5  # best detections, one per object
        inter = (top[:, None] & t["masks"][None].bool()).flatten(2).sum(-1).float()
        union = (top[:, None] | t["masks"][None].bool()).flatten(2).sum(-1).float()
        best = (inter / union.clamp(min=1)).max(0).values  # each object's best-matching predicted mask
        assert best.min() > 0.7


@pytest.mark.slow
@pytest.mark.parametrize("name,steps", [("fast_rcnn_tiny", 40), ("rcnn_tiny", 30)])
def test_proposal_detectors_overfit(name, steps):
    torch.manual_seed(0)
    images, targets = toy_shapes(5, seed=1, empty_every=5)
    model = create_detector(name, num_classes=3)
    proposals = model.propose(images)  # selective search, once
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = sum(model(images, targets, proposals=proposals).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        predictions = model(images, proposals=proposals)
    ap50 = coco_ap50(predictions, targets, num_classes=3)
    assert ap50 >= 0.9, ap50
