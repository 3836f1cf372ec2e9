"""The small named pieces of the detectors: matcher, sampler, transform, pooler, RPN targets, grid targets."""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch

from visrec.detection.models import (
    BalancedPositiveNegativeSampler,
    DetectionTransform,
    FeaturePyramidNetwork,
    LastLevelP6P7,
    Matcher,
    create_detector,
)
from visrec.detection.models.poolers import MultiScaleRoIAlign
from visrec.detection.ops import roi_align
from visrec.utils.errors import DataError


def _matcher_loop(q: torch.Tensor, high: float, low: float, low_quality: bool) -> list[int]:
    """The rule written out per prediction (the slow reference)."""
    out = []
    for j in range(q.shape[1]):
        best = max(range(q.shape[0]), key=lambda i: (q[i, j].item(), -i))
        v = q[best, j].item()
        m = best if v >= high else (-1 if v < low else -2)
        if low_quality and any(q[i, j].item() == q[i].max().item() for i in range(q.shape[0])):
            m = best
        out.append(m)
    return out


@pytest.mark.parametrize("low_quality", [False, True])
def test_matcher_equals_the_loop(low_quality):
    g = torch.Generator().manual_seed(0)
    q = (torch.rand((4, 30), generator=g, dtype=torch.float64) * 10).round() / 10  # ties on purpose
    got = Matcher(0.7, 0.3, low_quality)(q.clone()).tolist()
    assert got == _matcher_loop(q, 0.7, 0.3, low_quality)


def test_matcher_without_boxes_is_all_background():
    assert Matcher(0.5, 0.5)(torch.zeros((0, 5))).tolist() == [-1] * 5


def test_sampler_counts_and_ignores():
    torch.manual_seed(0)
    labels = torch.tensor([1] * 10 + [0] * 50 + [-1] * 20)
    pos, neg = BalancedPositiveNegativeSampler(16, 0.25)([labels])
    assert int(pos[0].sum()) == 4 and int(neg[0].sum()) == 12
    assert not (pos[0] & neg[0]).any()
    assert (labels[pos[0]] == 1).all() and (labels[neg[0]] == 0).all()
    pos, neg = BalancedPositiveNegativeSampler(16, 0.5)([torch.tensor([1, 0, 0])])  # fewer than asked
    assert int(pos[0].sum()) == 1 and int(neg[0].sum()) == 2


def test_transform_resizes_pads_and_maps_back():
    t = DetectionTransform(min_size=64, max_size=100, size_divisible=32).eval()
    images = [torch.rand(3, 40, 80), torch.rand(3, 50, 50)]
    boxes = torch.tensor([[10.0, 5.0, 30.0, 25.0]])
    batch, targets = t(images, [{"boxes": boxes, "labels": torch.tensor([1])}] * 2)
    assert batch.image_sizes == [(50, 100), (64, 64)]  # 40x80 capped by max_size; 50x50 -> 64x64
    assert tuple(batch.tensors.shape) == (2, 3, 64, 128)  # padded to multiples of 32
    torch.testing.assert_close(targets[0]["boxes"], boxes * 1.25)
    back = t.postprocess([{"boxes": targets[0]["boxes"]}], batch.image_sizes[:1], [(40, 80)])
    torch.testing.assert_close(back[0]["boxes"], boxes)


def _image_and_target(**change):
    target = {
        "boxes": torch.tensor([[2.0, 2.0, 10.0, 12.0]]),
        "labels": torch.tensor([1]),
        "masks": torch.zeros((1, 16, 16), dtype=torch.uint8),
    }
    target.update(change)
    return [torch.rand(3, 16, 16)], [target]


@pytest.mark.parametrize(
    "change,match",
    [
        ({"boxes": torch.tensor([[5.0, 5.0, 5.0, 9.0]])}, "degenerate"),
        ({"boxes": torch.tensor([[9.0, 5.0, 4.0, 9.0]])}, "inverted"),
        ({"boxes": torch.tensor([[2.0, 2.0, 40.0, 12.0]])}, "outside"),
        ({"labels": torch.tensor([0])}, "labels"),
        ({"masks": torch.zeros((1, 8, 8), dtype=torch.uint8)}, "masks"),
        ({"boxes": torch.tensor([[2, 2, 10, 12]])}, "floats"),
    ],
)
def test_bad_targets_are_clear_errors(change, match):
    model = create_detector("maskrcnn_tiny").train()
    images, targets = _image_and_target(**change)
    with pytest.raises(DataError, match=match):
        model(images, targets)


def test_bad_images_and_missing_targets():
    model = create_detector("fasterrcnn_tiny").train()
    with pytest.raises(DataError, match="targets"):
        model([torch.rand(3, 16, 16)])
    with pytest.raises(DataError, match="float tensor"):
        model([torch.zeros(16, 16)], [{"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)}])
    with pytest.raises(DataError, match="2 images but 1 targets"):
        model([torch.rand(3, 16, 16)] * 2, [{"boxes": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)}])
    no_masks = [{"boxes": torch.tensor([[2.0, 2.0, 9.0, 9.0]]), "labels": torch.tensor([1])}]
    with pytest.raises(DataError, match="masks"):
        create_detector("maskrcnn_tiny").train()([torch.rand(3, 16, 16)], no_masks)


def test_pooler_picks_the_level_by_box_size():
    pool = MultiScaleRoIAlign(["0", "1"], 2, 2, canonical_scale=224, canonical_level=4)
    feats = OrderedDict([("0", torch.rand(1, 2, 64, 64)), ("1", torch.rand(1, 2, 32, 32))])  # strides 4, 8
    small, big = torch.tensor([[0.0, 0.0, 32.0, 32.0]]), torch.tensor([[0.0, 0.0, 200.0, 200.0]])
    out = pool(feats, [torch.cat([small, big])], [(256, 256)])
    ref_small = roi_align(feats["0"], [small], (2, 2), spatial_scale=0.25, sampling_ratio=2)
    ref_big = roi_align(feats["1"], [big], (2, 2), spatial_scale=0.125, sampling_ratio=2)
    torch.testing.assert_close(out, torch.cat([ref_small, ref_big]))


def test_fpn_levels_and_p6p7():
    fpn = FeaturePyramidNetwork([4, 8], 6, LastLevelP6P7(6, 6))
    out = fpn(OrderedDict([("0", torch.rand(1, 4, 16, 16)), ("1", torch.rand(1, 8, 8, 8))]))
    assert [(k, tuple(v.shape[-2:])) for k, v in out.items()] == [
        ("0", (16, 16)),
        ("1", (8, 8)),
        ("p6", (4, 4)),
        ("p7", (2, 2)),
    ]


def test_rpn_targets_for_an_image_without_objects():
    model = create_detector("fasterrcnn_tiny")
    anchors = [torch.tensor([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 20.0, 20.0]])]
    labels, matched = model.rpn.assign_targets(anchors, [{"boxes": torch.zeros((0, 4))}])
    assert labels[0].tolist() == [0.0, 0.0] and matched[0].abs().sum() == 0


@pytest.mark.parametrize("name", ["fasterrcnn_tiny", "maskrcnn_tiny", "yolo_tiny", "retinanet_tiny", "ssd_tiny"])
def test_images_without_objects(name):
    torch.manual_seed(0)
    model = create_detector(name, num_classes=3).train()
    images = [torch.rand(3, 96, 96), torch.rand(3, 64, 128)]
    empty = {"boxes": torch.zeros((0, 4)), "labels": torch.zeros(0, dtype=torch.int64)}
    targets = [dict(empty, masks=torch.zeros((0, *img.shape[-2:]), dtype=torch.uint8)) for img in images]
    losses = model(images, targets)
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    model.eval()
    with torch.no_grad():
        out = model(images)
    assert len(out) == 2 and all(o["boxes"].shape[-1] == 4 for o in out)


def test_grid_detector_output_and_targets():
    model = create_detector("yolo_tiny", num_classes=4, anchors=((16, 16), (32, 32)))
    assert tuple(model.raw(torch.zeros(2, 3, 128, 128)).shape) == (2, 5 * 2 + 4, 8, 8)  # S x S x (5B + C)
    target = {"boxes": torch.tensor([[40.0, 70.0, 72.0, 102.0]]), "labels": torch.tensor([3])}
    resp, enc, cell_cls = model.build_targets([target], (8, 8), (16.0, 16.0), "cpu")
    assert torch.nonzero(resp).tolist() == [[0, 5, 3, 1]]  # centre (56, 86) -> row 5, col 3; 32 px anchor
    assert cell_cls[0, 5, 3] == 3 and cell_cls.sum() == 3  # every other cell is background (class 0)
    torch.testing.assert_close(enc[0, 5, 3, 1], torch.tensor([0.5, 0.375, 0.0, 0.0]))
