"""Classification + localization, and the selective-search proposals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _toy_shapes import toy_shapes

from visrec.detection.models import ClassifyLocalize, localization_loss, selective_search
from visrec.detection.ops import box_iou


def test_multitask_loss_terms():
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    boxes = torch.tensor([[0.5, 0.5, 0.2, 0.2], [0.1, 0.2, 0.3, 0.4]])
    target = torch.tensor([[0.5, 0.4, 0.2, 0.2], [0.1, 0.2, 0.3, 0.6]])
    labels = torch.tensor([0, 1])
    total, parts = localization_loss(logits, boxes, labels, target, box_weight=2.0)
    ce = -(torch.log_softmax(logits, 1)[[0, 1], [0, 1]]).mean()
    l2 = torch.tensor((0.01 + 0.04) / 2)
    torch.testing.assert_close(parts["loss_classifier"], ce)
    torch.testing.assert_close(parts["loss_box_reg"], l2)
    torch.testing.assert_close(total, ce + 2 * l2)
    _, parts = localization_loss(logits, boxes, labels, target, box_loss="smooth_l1")
    torch.testing.assert_close(
        parts["loss_box_reg"], torch.nn.functional.smooth_l1_loss(boxes, target, beta=1 / 9, reduction="sum") / 2
    )
    with pytest.raises(ValueError, match="box_loss"):
        localization_loss(logits, boxes, labels, target, box_loss="l3")


def test_box_encoding_round_trip():
    xyxy = torch.tensor([[10.0, 20.0, 50.0, 40.0]])
    enc = ClassifyLocalize.encode(xyxy, (80, 100))
    torch.testing.assert_close(enc, torch.tensor([[0.3, 0.375, 0.4, 0.25]]))
    torch.testing.assert_close(ClassifyLocalize.decode(enc, (80, 100)), xyxy)


@pytest.mark.slow
def test_localizer_learns_one_object_per_image():
    torch.manual_seed(0)
    images, targets = toy_shapes(8, size=64, max_objects=1, seed=3)
    x = torch.stack(images)
    labels = torch.stack([t["labels"][0] for t in targets]) - 1  # K = 2: square, disc
    boxes = torch.cat([ClassifyLocalize.encode(t["boxes"], (64, 64)) for t in targets])
    model = ClassifyLocalize("tiny_cnn", num_classes=2, width=16)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        logits, pred = model(x)
        loss, _ = localization_loss(logits, pred, labels, boxes, box_weight=10.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    out = model.predict(x)
    iou = torch.stack([box_iou(o["boxes"], t["boxes"])[0, 0] for o, t in zip(out, targets, strict=True)])
    assert (torch.cat([o["labels"] for o in out]) == labels).all()
    assert iou.mean() > 0.6, iou


def test_selective_search_finds_the_shapes():
    images, targets = toy_shapes(3, seed=1)
    for img, t in zip(images, targets, strict=True):
        u8 = (img.permute(1, 2, 0).numpy() * 255).astype(np.uint8)
        props = selective_search(u8)
        assert props.dtype == np.float32 and props.shape[1] == 4
        assert (props[:, 0] >= 0).all() and (props[:, 2] <= 128).all() and (props[:, 2] > props[:, 0]).all()
        assert len(np.unique(props, axis=0)) == len(props)  # no duplicates
        best = box_iou(t["boxes"], torch.from_numpy(props)).max(1).values
        assert (best > 0.9).all()  # every object is proposed almost exactly
    with pytest.raises(ValueError, match="H, W, 3"):
        selective_search(np.zeros((8, 8), np.uint8))
