"""Test-time augmentation: the eight views map boxes back exactly, weighted box fusion, and a predictor
whose views agree returns what it returns without them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from visrec.detection.data.augment import Augmentation, dihedral_views, transform_boxes, transform_image
from visrec.detection.ops.box_fusion import weighted_box_fusion
from visrec.detection.predict import DetectorPredictor
from visrec.utils.errors import DataError


@pytest.mark.parametrize("aug", dihedral_views("d4"), ids=str)
def test_each_view_is_undone_by_its_inverse(aug):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, size=(5, 8, 3), dtype=np.uint8)  # not square: turns swap H and W
    view = transform_image(image, aug)
    np.testing.assert_array_equal(transform_image(view, aug.inverse()), image)
    boxes = np.array([[1.0, 0.5, 4.0, 3.0], [0.0, 0.0, 8.0, 5.0]])
    there = transform_boxes(boxes, image.shape[:2], aug)
    np.testing.assert_allclose(transform_boxes(there, view.shape[:2], aug.inverse()), boxes)


def test_views_follow_the_pixels():
    image = np.zeros((6, 10), np.uint8)
    image[1:3, 2:7] = 255  # a bright 5 x 2 box: x 2..7, y 1..3
    for aug in dihedral_views("d4"):
        view = transform_image(image, aug)
        ys, xs = np.nonzero(view)
        tight = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        np.testing.assert_allclose(transform_boxes(np.array([[2.0, 1.0, 7.0, 3.0]]), (6, 10), aug)[0], tight)


def test_view_sets():
    assert len(dihedral_views("none")) == 1 and len(dihedral_views("flip")) == 2
    assert len(set(dihedral_views("d4"))) == 8
    with pytest.raises(ValueError, match="none, flip, d4"):
        dihedral_views("all")


def test_fusion_averages_a_cluster_by_score_and_keeps_labels_apart():
    boxes = torch.tensor([[0.0, 0.0, 10.0, 10.0], [1.0, 1.0, 11.0, 11.0], [0.0, 0.0, 10.0, 10.0],
                          [30.0, 30.0, 40.0, 40.0]])
    scores = torch.tensor([0.6, 0.2, 0.9, 0.4])
    labels = torch.tensor([1, 1, 2, 1])
    out = weighted_box_fusion(boxes, scores, labels, iou_threshold=0.5, n_views=2)
    rows = {(int(lab), round(float(s), 6)): b.tolist() for b, s, lab in zip(out["boxes"], out["scores"],
                                                                            out["labels"], strict=True)}
    # label 1: the first two fuse to (0.6 b0 + 0.2 b1) / 0.8, score mean 0.4 x 2/2; the far box 0.4 x 1/2
    assert rows == {(1, 0.4): pytest.approx([0.25, 0.25, 10.25, 10.25]), (2, 0.45): [0.0, 0.0, 10.0, 10.0],
                    (1, 0.2): [30.0, 30.0, 40.0, 40.0]}
    assert out["scores"].tolist() == sorted(out["scores"].tolist(), reverse=True)


def test_fusion_of_identical_views_is_the_identity():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 200, size=(12, 2))
    boxes = torch.tensor(np.concatenate([xy * 5, xy * 5 + 10], 1), dtype=torch.float32)  # far apart
    scores, labels = torch.tensor(rng.uniform(0.1, 1, 12), dtype=torch.float32), torch.ones(12, dtype=torch.int64)
    out = weighted_box_fusion(boxes.repeat(8, 1), scores.repeat(8), labels.repeat(8), n_views=8)
    order = scores.argsort(descending=True)
    torch.testing.assert_close(out["boxes"], boxes[order])
    torch.testing.assert_close(out["scores"], scores[order])
    empty = weighted_box_fusion(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.int64))
    assert empty["boxes"].shape == (0, 4)


class _BrightBoxDetector(torch.nn.Module):
    """Detects the tight box of the pixels brighter than 0.5 (score 0.8, label 1): equivariant by design."""

    def __init__(self, masks=False):
        super().__init__()
        self.masks = masks

    def forward(self, images):
        out = []
        for im in images:
            ys, xs = torch.nonzero(im[0] > 0.5, as_tuple=True)
            box = torch.stack([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]).float()[None]
            det = {"boxes": box, "scores": torch.tensor([0.8]), "labels": torch.tensor([1])}
            if self.masks:
                det["masks"] = torch.zeros(1, 1, *im.shape[1:])
            out.append(det)
        return out


@pytest.mark.parametrize("tta", ["flip", "d4"])
def test_predictor_with_agreeing_views_matches_the_plain_prediction(tta):
    image = np.zeros((40, 70, 3), np.uint8)
    image[5:20, 30:61] = 255
    plain = DetectorPredictor(_BrightBoxDetector(), ["thing"]).predict([image])[0]
    fused = DetectorPredictor(_BrightBoxDetector(), ["thing"], tta=tta).predict([image])[0]
    np.testing.assert_allclose(plain["boxes"], [[30, 5, 61, 20]])
    np.testing.assert_allclose(fused["boxes"], plain["boxes"], atol=1e-5)
    np.testing.assert_allclose(fused["scores"], plain["scores"], atol=1e-6)


def test_tta_refuses_mask_predictions():
    predictor = DetectorPredictor(_BrightBoxDetector(masks=True), ["thing"], tta="flip")
    image = np.full((8, 8, 3), 255, np.uint8)
    with pytest.raises(DataError, match="without --tta"):
        predictor.predict([image])
    assert Augmentation(1, False).inverse() == Augmentation(3, False)
