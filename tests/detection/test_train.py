"""`visrec.detection.train`: data loading and splits, training on the run layer, resume, tiling."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from _voc_fixture import write_voc
from visrec.detection.config import DetectConfig
from visrec.detection.predict import DetectorPredictor, load_predictor
from visrec.detection.train import load_dataset, split_dataset, train
from visrec.utils.errors import DataError, ParameterError


def _cfg(tmp_path, **kw):
    base = dict(data="shapes", num_images=6, epochs=1, batch_size=2, out=str(tmp_path / "run"), progress=False)
    return DetectConfig(**{**base, **kw})


def test_config_errors_name_the_flag():
    with pytest.raises(ParameterError, match="--model"):
        DetectConfig(model="resnet50")
    with pytest.raises(ParameterError, match="--tile-overlap"):
        DetectConfig(tile=64, tile_overlap=64)
    with pytest.raises(ParameterError, match="image_size"):
        DetectConfig(image_size=8)


def test_model_kwargs_reach_the_builder_and_bad_ones_name_the_flag(tmp_path):
    from visrec.detection.train import model_kwargs

    cfg = DetectConfig(model_kwargs={"box_batch_size_per_image": 256, "min_size": 96})
    kw = model_kwargs(cfg, 4)
    assert kw["box_batch_size_per_image"] == 256 and kw["min_size"] == 96 and kw["num_classes"] == 4
    with pytest.raises(ParameterError, match="--model-kwargs"):
        DetectConfig(model_kwargs=[1])
    with pytest.raises(ParameterError, match="--model-kwargs .*does not accept"):
        train(_cfg(tmp_path, model_kwargs={"nonsense": 1}))
    assert not (tmp_path / "run").exists()


def test_data_sources_and_splits(tmp_path):
    voc = load_dataset(str(write_voc(tmp_path / "voc")))
    assert voc.class_names == ["disc", "square"] and len(voc) == 4
    assert len(voc.samples[-1].boxes) == 0  # the image without objects is kept
    cfg = _cfg(tmp_path, val_size=2)
    train_set, val_set = split_dataset(load_dataset(cfg), cfg)
    assert len(train_set) == 4 and len(val_set) == 2
    assert not {s.image_id for s in train_set.samples} & {s.image_id for s in val_set.samples}
    a, b = split_dataset(load_dataset(cfg), _cfg(tmp_path, overfit=3))
    assert [s.image_id for s in a.samples] == [s.image_id for s in b.samples]
    with pytest.raises(DataError, match="--data"):
        load_dataset(str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="--overfit"):
        split_dataset(load_dataset(cfg), _cfg(tmp_path, overfit=99))
    with pytest.raises(DataError, match="no training images"):
        split_dataset(load_dataset(cfg), _cfg(tmp_path, val_size=6))


def test_bad_annotations_are_caught_on_load(tmp_path):
    write_voc(tmp_path / "bad", boxes_override=[[30.0, 30.0, 20.0, 50.0]])  # x2 < x1
    with pytest.raises(DataError, match="im0.xml"):
        load_dataset(str(tmp_path / "bad"))


@pytest.mark.slow
def test_train_learns_and_writes_a_run(tmp_path):
    cfg = _cfg(tmp_path, model="yolo_tiny", overfit=4, batch_size=4, epochs=80, eval_every=40, lr=3e-3)
    path, metrics = train(cfg)
    assert metrics["status"] == "completed" and metrics["val_map50"] >= 0.8, metrics
    history = [json.loads(line) for line in (path / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in history] == [40.0, 80.0] and history[-1]["val_map50"] == metrics["val_map50"]
    meta = json.loads((path / "model.json").read_text())
    assert meta["kind"] == "detector" and meta["class_names"] == ["rectangle", "ellipse", "triangle"]
    predictor = load_predictor(path)
    det = predictor.predict([load_dataset(cfg).samples[0].image])[0]
    assert det["boxes"].shape[1] == 4 and det["boxes"].dtype == np.float32


@pytest.mark.parametrize("model", ["fast_rcnn_tiny", "maskrcnn_tiny"])
def test_rotations_and_jitter_train_models_with_proposals_and_masks(tmp_path, model, monkeypatch):
    import visrec.detection.train as mod

    seen = []
    real = mod.augment_sample
    monkeypatch.setattr(mod, "augment_sample", lambda s, a: seen.append(a) or real(s, a))
    cfg = _cfg(tmp_path, model=model, rotate=True, color_jitter=0.2, num_images=8, epochs=2, batch_size=4)
    _, metrics = train(cfg)
    assert metrics["status"] == "completed"
    assert any(a.rot % 2 for a in seen) and any(a.gain != 1.0 for a in seen)


@pytest.mark.slow
def test_resume_continues_exactly(tmp_path):
    full_path, _ = train(_cfg(tmp_path / "a", model="fasterrcnn_tiny", epochs=2))
    part_path, _ = train(_cfg(tmp_path / "b", model="fasterrcnn_tiny", epochs=1))
    resumed = DetectConfig.resumed(part_path, {"epochs": 2, "progress": False})
    train(resumed)
    full = load_predictor(full_path).model.state_dict()
    again = load_predictor(part_path).model.state_dict()
    for k in full:
        torch.testing.assert_close(again[k], full[k], rtol=0, atol=0, msg=k)


@pytest.mark.slow
def test_training_with_tiles_and_empty_images(tmp_path):
    voc = write_voc(tmp_path / "voc", n=3, size=160)
    cfg = _cfg(
        tmp_path, data=str(voc), model="fasterrcnn_tiny", tile=96, tile_overlap=16, overfit=3, epochs=1, batch_size=4
    )
    _, metrics = train(cfg)
    assert metrics["train_images"] == 3 and metrics["train_tiles"] == 3 * 4  # 160 px -> 2 x 2 tiles of 96


class _OneBoxPerTile(torch.nn.Module):
    """A stand-in detector: one box at (10, 10, 30, 30) of every input, score 0.9, class 1."""

    def forward(self, images, targets=None):
        return [
            {
                "boxes": torch.tensor([[10.0, 10.0, 30.0, 30.0]]),
                "labels": torch.tensor([1]),
                "scores": torch.tensor([0.9]),
            }
            for _ in images
        ]


def test_tiled_prediction_maps_boxes_to_the_image():
    predictor = DetectorPredictor(_OneBoxPerTile(), ["thing"], tile=64, tile_overlap=0)
    det = predictor.predict([np.zeros((128, 100, 3), np.uint8)])[0]  # windows at x 0, 36 and y 0, 64
    got = sorted(map(tuple, det["boxes"].tolist()))
    assert got == [
        (10.0, 10.0, 30.0, 30.0),
        (10.0, 74.0, 30.0, 94.0),
        (46.0, 10.0, 66.0, 30.0),
        (46.0, 74.0, 66.0, 94.0),
    ]
    small = predictor.predict([np.zeros((50, 50, 3), np.uint8)])[0]  # not tiled
    assert small["boxes"].tolist() == [[10.0, 10.0, 30.0, 30.0]]
    with pytest.raises(DataError, match="uint8"):
        predictor.predict([np.zeros((8, 8, 3), np.float32)])
    with pytest.raises(DataError, match=r"--tile-overlap 64: .* \[0, 63\]"):
        DetectorPredictor(_OneBoxPerTile(), ["thing"], tile=64, tile_overlap=64)


def test_a_budgeted_schedule_anneals_by_the_clock():
    from visrec.detection.train import _lr_factor

    cfg = DetectConfig(lr_schedule="cosine", epochs=10_000)
    total = 10_000 * 4
    assert _lr_factor(10, total, 4, cfg) == pytest.approx(1.0, abs=1e-6)  # by steps: hardly started
    assert _lr_factor(10, total, 4, cfg, time_fraction=0.5) == pytest.approx(0.5)
    assert _lr_factor(10, total, 4, cfg, time_fraction=1.3) == pytest.approx(0.0, abs=1e-12)
    assert _lr_factor(10, total, 4, DetectConfig(lr_schedule="constant"), time_fraction=0.9) == 1.0
