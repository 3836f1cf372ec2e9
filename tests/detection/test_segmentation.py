"""Segmentation: metrics equal scikit-learn's, model shapes and variants, overfitting, the training run."""

import json

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import jaccard_score

from visrec.detection import segmentation as seg
from visrec.detection.segmentation.train import SegmentConfig, train_segmenter
from visrec.utils.errors import DataError, ParameterError


def test_metrics_equal_sklearn():
    rng = np.random.default_rng(0)
    target = rng.integers(0, 4, (3, 20, 20))
    pred = np.where(rng.random(target.shape) < 0.7, target, rng.integers(0, 4, target.shape))
    target[0, :5] = 255  # ignored pixels
    keep = target != 255
    c = seg.confusion_matrix(pred, target, 4)
    np.testing.assert_array_equal(c, sk_confusion(target[keep], pred[keep], labels=[0, 1, 2, 3]))
    assert seg.pixel_accuracy(c) == pytest.approx((pred[keep] == target[keep]).mean())
    assert seg.mean_iou(c) == pytest.approx(jaccard_score(target[keep], pred[keep], average="macro"))
    np.testing.assert_allclose(seg.per_class_iou(c), jaccard_score(target[keep], pred[keep], average=None))


@pytest.mark.parametrize("name,kwargs", [
    ("fcn_fullres", {"width": 8, "depth": 2}),
    ("fcn_downup", {"widths": [8, 16, 16], "up": "transpose"}),
    ("fcn_downup", {"widths": [8, 16], "up": "unpool"}),
    ("fcn_downup", {"widths": [8, 16], "up": "nearest", "down": "strided", "skips": False}),
    ("sliding_window", {"patch": 7, "width": 8}),
])
def test_segmenters_map_images_to_per_pixel_scores(name, kwargs):
    model = seg.create_segmenter(name, in_channels=3, num_classes=4, **kwargs).eval()
    for size in ((16, 16), (18, 22)):
        out = model(torch.randn(2, 3, *size))
        assert out.shape == (2, 4, *size) and torch.isfinite(out).all()
    assert name in seg.list_segmenters()


def test_sliding_window_forward_is_per_pixel_crop_classification():
    torch.manual_seed(0)
    model = seg.create_segmenter("sliding_window", in_channels=1, num_classes=3, patch=5, width=4).eval()
    x = torch.randn(1, 1, 9, 11)
    full = model(x)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for y, xx in [(0, 0), (4, 7), (8, 10)]:
        crop = padded[:, :, y:y + 5, xx:xx + 5]
        torch.testing.assert_close(full[0, :, y, xx], model.classify_patches(crop)[0])


def test_unknown_segmenter_and_bad_options():
    with pytest.raises(ParameterError, match="fcn_downup"):
        seg.create_segmenter("fcn_dowup")
    with pytest.raises(ValueError, match="maxpool"):
        seg.create_segmenter("fcn_downup", up="unpool", down="strided")
    with pytest.raises(ParameterError, match="--model"):
        SegmentConfig(model="nope")


@pytest.mark.slow
def test_downup_fcn_overfits_shapes():
    torch.manual_seed(0)
    data = seg.shapes_segmentation(4, size=32, seed=0)
    model = seg.create_segmenter("fcn_downup", in_channels=3, num_classes=4, widths=[16, 32])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = torch.from_numpy(data.images), torch.from_numpy(data.targets)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(model.train()(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(x).argmax(1).numpy()
    assert seg.segmentation_scores(pred, data.targets, 4)["pixel_accuracy"] > 0.95


def test_train_run_writes_a_loadable_segmenter_and_resumes(tmp_path):
    out = tmp_path / "run"
    cfg = SegmentConfig(data="shapes", model="fcn_downup", widths=[8, 16], epochs=2, steps_per_epoch=2,
                        batch_size=2, crop=32, shapes_train=6, shapes_test=3, shapes_size=32, out=str(out),
                        progress=False)
    path, metrics = train_segmenter(cfg)
    assert metrics["status"] == "completed" and metrics["steps"] == 4
    assert 0 <= metrics["test_mean_iou"] <= 1
    assert json.loads((out / "model.json").read_text())["kind"] == "segmenter"
    assert len((out / "history.jsonl").read_text().splitlines()) == 2
    predictor = seg.load_segmenter(out)
    test = seg.shapes_segmentation(3, 32, seed=1_000_003)
    labels = predictor.predict((test.images[0].transpose(1, 2, 0) * 255).round().astype(np.uint8))
    assert labels.shape == (32, 32) and labels.max() < 4
    from visrec.detection.segmentation.evaluate import evaluate_segmenter, predict_files

    scores = evaluate_segmenter(out, "shapes")
    assert scores["mean_iou"] == pytest.approx(metrics["test_mean_iou"], abs=0.02)
    from PIL import Image

    Image.fromarray((test.images[0].transpose(1, 2, 0) * 255).astype(np.uint8)).save(tmp_path / "a.png")
    written = predict_files(out, [tmp_path / "a.png"], tmp_path / "pred")
    assert [p.name for p in written] == ["a_mask.png", "a_overlay.png"]
    resumed = SegmentConfig.resumed(out, {"epochs": 3})
    _, more = train_segmenter(resumed)
    assert more["steps"] == 6
    with pytest.raises(DataError, match="nuclei"):
        train_segmenter(SegmentConfig(data=str(tmp_path / "nothing"), out=str(tmp_path / "x")))


def test_nuclei_data_and_a_short_run(nuclei_dir, tmp_path):
    train, test = seg.nuclei_segmentation(nuclei_dir)
    assert train.images.shape == (1, 1, 512, 512) and test.images.shape == (1, 1, 256, 256)
    x, y = seg.random_crops(train, 16, 64, np.random.default_rng(0))
    assert x.shape == (16, 1, 64, 64) and (y != 255).mean() > 0.25
    cfg = SegmentConfig(data=str(nuclei_dir), model="fcn_downup", widths=[8, 16], epochs=1, steps_per_epoch=2,
                        batch_size=2, crop=32, out=str(tmp_path / "n"), progress=False)
    _, metrics = train_segmenter(cfg)
    assert len(metrics["test_iou_per_class"]) == 2
