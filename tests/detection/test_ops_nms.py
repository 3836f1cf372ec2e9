"""NMS: torchvision's kept indices exactly (ties, thresholds 0 and 1, the per-class loop) and properties."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from visrec.detection import ops

THRESHOLDS = (0, 30, 50, 70, 100)


@pytest.mark.parametrize("case", ["clusters", "edge"])
@pytest.mark.parametrize("thr", THRESHOLDS)
def test_nms_matches_torchvision(tv_ops, case, thr):
    boxes, scores = (torch.from_numpy(tv_ops[f"nms.{case}.{k}"]) for k in ("boxes", "scores"))
    expected = tv_ops[f"nms.{case}.keep_iou{thr:03d}"]
    np.testing.assert_array_equal(ops.nms(boxes, scores, thr / 100).numpy(), expected)
    np.testing.assert_array_equal(ops.nms_reference(boxes, scores, thr / 100).numpy(), expected)


BATCHED = [(c, t) for c in ("clusters", "edge") for t in THRESHOLDS] + [("large", 50)]


@pytest.mark.parametrize("case,thr", BATCHED)
def test_batched_nms_matches_torchvision(tv_ops, case, thr):
    boxes, scores, idxs = (torch.from_numpy(tv_ops[f"batched_nms.{case}.{k}"])
                           for k in ("boxes", "scores", "idxs"))
    expected = tv_ops[f"batched_nms.{case}.keep_iou{thr:03d}"]
    np.testing.assert_array_equal(ops.batched_nms(boxes, scores, idxs, thr / 100).numpy(), expected)
    if case != "large":
        reference = ops.batched_nms_reference(boxes, scores, idxs, thr / 100)
        np.testing.assert_array_equal(reference.numpy(), expected)


def test_nms_empty_and_bad_shapes():
    assert ops.nms(torch.zeros(0, 4), torch.zeros(0), 0.5).tolist() == []
    with pytest.raises(ValueError, match="scores"):
        ops.nms(torch.zeros(3, 4), torch.zeros(2), 0.5)


boxes_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(1, 25), st.integers(1, 25),
              st.integers(0, 20)),
    min_size=1, max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(rows=boxes_strategy, threshold=st.sampled_from([0.0, 0.2, 0.5, 0.8]))
def test_nms_properties(rows, threshold):
    """Kept boxes overlap pairwise at most ``threshold``, come out by decreasing score, every dropped box
    overlaps a kept box with a higher-or-equal score by more than the threshold, and fast == reference."""
    arr = torch.tensor([[x, y, x + w, y + h] for x, y, w, h, _ in rows], dtype=torch.float64)
    scores = torch.tensor([s / 20 for *_, s in rows], dtype=torch.float64)
    keep = ops.nms(arr, scores, threshold)
    assert keep.tolist() == ops.nms_reference(arr, scores, threshold).tolist()
    kept_scores = scores[keep]
    assert torch.all(kept_scores[:-1] >= kept_scores[1:])
    iou = ops.box_iou(arr[keep], arr[keep])
    iou.fill_diagonal_(0)
    assert torch.all(iou <= threshold)
    dropped = sorted(set(range(len(rows))) - set(keep.tolist()))
    for i in dropped:
        overlaps = ops.box_iou(arr[i:i + 1], arr[keep])[0]
        assert torch.any((overlaps > threshold) & (scores[keep] >= scores[i]))


def test_nms_row_path_equals_matrix_path(tv_ops, monkeypatch):
    import importlib

    nms_module = importlib.import_module("visrec.detection.ops.nms")  # the module, not the function
    boxes, scores = (torch.from_numpy(tv_ops[f"nms.clusters.{k}"]) for k in ("boxes", "scores"))
    monkeypatch.setattr(nms_module, "MATRIX_LIMIT", 3)
    for thr in THRESHOLDS:
        np.testing.assert_array_equal(ops.nms(boxes, scores, thr / 100).numpy(),
                                      tv_ops[f"nms.clusters.keep_iou{thr:03d}"])
