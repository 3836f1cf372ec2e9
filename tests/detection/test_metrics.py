"""VOC AP (hand-computed cases) and COCO AP / AR equal to pycocotools' COCOeval on the same detections."""

import contextlib
import io

import numpy as np
import pytest

from visrec.detection import data, metrics

pytest.importorskip("pycocotools")


def _one_image_dataset(boxes, labels, difficult=None, size=100):
    sample = data.DetectionSample(image=np.zeros((size, size, 3), np.uint8),
                                  boxes=np.array(boxes, np.float32), labels=np.array(labels, np.int64),
                                  image_id=1,
                                  difficult=None if difficult is None else np.array(difficult, bool))
    return data.DetectionDataset([sample], ["a", "b"])


def test_voc_ap_hand_computed():
    # two ground truths; detections ranked: hit, miss, hit -> precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1
    ds = _one_image_dataset([[0, 0, 10, 10], [20, 20, 30, 30]], [1, 1])
    dets = [{"boxes": np.array([[0, 0, 10, 10], [50, 50, 60, 60], [21, 21, 30, 30]], float),
             "scores": np.array([0.9, 0.8, 0.7]), "labels": np.array([1, 1, 1])}]
    result = metrics.voc_evaluate(dets, ds)
    assert result.ap[1] == pytest.approx(0.5 * 1 + 0.5 * (2 / 3))
    eleven = metrics.voc_evaluate(dets, ds, eleven_point=True)
    assert eleven.ap[1] == pytest.approx((6 * 1 + 5 * (2 / 3)) / 11)
    np.testing.assert_allclose(result.curves[1][0], [0.5, 0.5, 1.0])


def test_voc_duplicates_difficult_and_perfect():
    ds = _one_image_dataset([[0, 0, 10, 10], [40, 40, 60, 60]], [1, 2], difficult=[False, True])
    dup = [{"boxes": np.array([[0, 0, 10, 10], [0, 0, 10, 10], [40, 40, 60, 60]], float),
            "scores": np.array([0.9, 0.8, 0.95]), "labels": np.array([1, 1, 2])}]
    result = metrics.voc_evaluate(dup, ds)
    assert result.ap == {1: 1.0}  # the duplicate comes after recall 1; class 2 has only difficult gt
    assert result.curves[1][1].tolist() == [1.0, 0.5]
    strict = metrics.voc_evaluate([{"boxes": np.array([[0, 0, 10, 5]], float), "scores": np.array([1.0]),
                                    "labels": np.array([1])}], ds, iou_threshold=0.5)
    assert strict.ap[1] == 0.0  # IoU exactly 0.5 is not above the threshold


def _random_case(seed, masks=False):
    rng = np.random.default_rng(seed)
    ds = data.make_shapes(24, size=160, max_objects=6, empty_fraction=0.1, seed=seed, min_side=4,
                          max_side=120)
    for s in ds.samples:
        s.iscrowd = rng.random(len(s.boxes)) < 0.1
    dets = []
    for s in ds.samples:
        n = len(s.boxes)
        boxes = s.boxes.astype(np.float64) + rng.normal(0, 3, (n, 4))
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
        k = int(rng.integers(0, 4))
        xy = rng.random((k, 2)) * 120
        boxes = np.concatenate([boxes, np.concatenate([xy, xy + 5 + rng.random((k, 2)) * 60], 1)]).round(2)
        labels = np.concatenate([np.where(rng.random(n) < 0.85, s.labels, rng.integers(1, 4, n)),
                                 rng.integers(1, 4, k)])
        det = {"boxes": boxes, "scores": rng.random(n + k).round(3), "labels": labels}
        if masks:
            shifted = np.roll(s.masks, int(rng.integers(-2, 3)), axis=2)
            fp = np.zeros((k, *s.size), bool)
            for j, (x1, y1, x2, y2) in enumerate(boxes[n:].astype(int)):
                fp[j, y1:y2, x1:x2] = True
            det["masks"] = np.concatenate([shifted, fp])
        dets.append(det)
    return ds, dets


def _pycocotools_stats(ds, dets, iou_type):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = data.coco_ground_truth(ds)
        gt.createIndex()
        res = gt.loadRes(data.detections_to_coco(dets, [s.image_id for s in ds.samples], ds.category_ids))
        ev = COCOeval(gt, res, iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@pytest.mark.parametrize("seed", [0, 1])
def test_coco_bbox_equals_pycocotools(seed):
    ds, dets = _random_case(seed)
    ours = metrics.coco_evaluate(dets, ds, "bbox")
    assert list(ours) == list(metrics.COCO_METRICS)
    np.testing.assert_allclose(list(ours.values()), _pycocotools_stats(ds, dets, "bbox"), rtol=0, atol=1e-12)
    assert 0.05 < ours["AP"] < 0.95  # a non-trivial case


def test_coco_segm_equals_pycocotools():
    ds, dets = _random_case(4, masks=True)
    ours = metrics.coco_evaluate(dets, ds, "segm")
    np.testing.assert_allclose(list(ours.values()), _pycocotools_stats(ds, dets, "segm"), rtol=0, atol=1e-12)


def test_perfect_detections_score_one_and_bad_input():
    ds = data.make_shapes(6, size=64, seed=0)
    dets = [{"boxes": s.boxes, "scores": np.ones(len(s.boxes)), "labels": s.labels} for s in ds.samples]
    assert metrics.coco_evaluate(dets, ds)["AP"] == pytest.approx(1.0)
    assert metrics.voc_evaluate(dets, ds).map == pytest.approx(1.0)
    with pytest.raises(ValueError, match="one per image"):
        metrics.voc_evaluate(dets[:2], ds)


def test_pr_curve_plot(tmp_path):
    ds, dets = _random_case(2)
    path = metrics.plot_pr_curves(metrics.voc_evaluate(dets, ds), ds.class_names, tmp_path / "pr.png")
    assert path.stat().st_size > 1000
