"""`visrec predict`: every model kind, predictions equal the in-process model's, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from visrec.cli.main import main
from visrec.runs.predict import predict_files


def cli(capsys, *args) -> tuple[int, str, str]:
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def splits():
    from visrec.data.run_data import load_splits

    return load_splits("digits", val_fraction=0.2, seed=0, limit=400)


def write_pngs(folder, images) -> list:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, img in enumerate(images):
        path = folder / f"img{i:02d}.png"
        Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img).save(path)
        files.append(path)
    return files


def _fit_and_save(kind, splits, run_dir):
    from visrec.classic.experiments import LinearSettings, run_features, run_knn, run_linear
    from visrec.classic.persist import save_predictor

    if kind == "knn":
        res = run_knn(splits, [1, 3], "l2", 0)
    elif kind == "features":
        res = run_features(splits, ("hog",), None, LinearSettings("softmax", [1e-1], [1e-4], iters=100))
    else:
        res = run_linear(splits, LinearSettings(kind, [1e-5], [1e2], iters=200))
    save_predictor(run_dir, res.predictor)
    return res.predictor


@pytest.mark.parametrize("kind", ["knn", "svm", "softmax", "features"])
def test_predict_classic_matches_in_process_model(tmp_path, capsys, splits, kind):
    predictor = _fit_and_save(kind, splits, tmp_path / "run")
    images = splits.val.images[:12]
    files = write_pngs(tmp_path / "png", images)
    rows = predict_files(tmp_path / "run", files)
    expected = predictor.predict(images)
    assert [r["label"] for r in rows] == expected.tolist()
    assert [r["class"] for r in rows] == [predictor.class_names[y] for y in expected]
    if kind == "svm":  # SVM scores are not probabilities: none is shown
        assert all(r["probability"] is None for r in rows)
    else:
        proba = predictor.predict_proba(images)
        np.testing.assert_allclose([r["probability"] for r in rows], proba[np.arange(12), expected])
    code, out, err = cli(capsys, "predict", "--model", tmp_path / "run", *files[:3])
    assert code == 0, err
    assert "img00.png" in out and "predicted class" in out
    assert not (tmp_path / "run" / "plots").exists()  # predict writes nothing


def test_predict_converts_and_resizes_with_a_note(tmp_path, capsys, splits):
    _fit_and_save("knn", splits, tmp_path / "run")
    big = np.kron(splits.val.images[0, :, :, 0], np.ones((4, 4), np.uint8))  # (32, 32) grayscale
    rgb = np.repeat(big[..., None], 3, axis=-1)
    path = tmp_path / "big.png"
    Image.fromarray(rgb).save(path)
    code, out, err = cli(capsys, "predict", "--model", tmp_path / "run", path)
    assert code == 0, err
    assert "resized from 32x32 to the model's 8x8" in err


def test_predict_numpy_nn_model(tmp_path, splits):
    from visrec.numpy_nn.models import TwoLayerNet
    from visrec.numpy_nn.persist import InputTransform, NumpyPredictor, save_model
    from visrec.runs import RunDir

    model = TwoLayerNet(input_dim=64, hidden_dim=20, num_classes=10, weight_scale=0.1, seed=1)
    transform = InputTransform("image", "std", "flat").fit(splits.train.images)
    save_model(RunDir.create(tmp_path / "np", "t"), model, transform, splits.train.class_names, (8, 8, 1))
    images = splits.val.images[:10]
    rows = predict_files(tmp_path / "np", write_pngs(tmp_path / "png", images))
    in_process = NumpyPredictor(model, transform, splits.train.class_names, (8, 8, 1)).predict_proba(images)
    assert [r["label"] for r in rows] == in_process.argmax(1).tolist()
    np.testing.assert_allclose([r["probability"] for r in rows], in_process.max(1), rtol=1e-5)


@pytest.mark.slow
def test_predict_torch_model(tmp_path):
    import torch

    from visrec.torch_nn.checkpoint import save_model
    from visrec.torch_nn.registry import create_model

    torch.manual_seed(0)
    model = create_model("tiny_cnn", num_classes=3).eval()
    meta = {
        "model": "tiny_cnn",
        "class_names": ["a", "b", "c"],
        "input_shape": [16, 16, 3],
        "mean": [0.5, 0.5, 0.5],
        "std": [0.25, 0.25, 0.25],
    }
    save_model(tmp_path / "t", model, meta)
    images = np.random.default_rng(0).integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    rows = predict_files(tmp_path / "t", write_pngs(tmp_path / "png", images))
    x = (torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255 - 0.5) / 0.25
    with torch.no_grad():
        proba = torch.softmax(model(x), 1).numpy()
    assert [r["label"] for r in rows] == proba.argmax(1).tolist()
    np.testing.assert_allclose([r["probability"] for r in rows], proba.max(1), rtol=1e-4, atol=1e-6)


def test_dispatch_by_kind(tmp_path, monkeypatch):
    """model.json's kind picks the engine module; its load_predictor gets the run directory."""
    import sys
    import types


    seen = {}

    class Fake:
        class_names, input_shape = ["x", "y"], (4, 4, 3)

        def predict_proba(self, images):
            return np.tile([0.25, 0.75], (len(images), 1))

    mod = types.ModuleType("fake_engine")
    mod.load_predictor = lambda run_dir: seen.setdefault("run", run_dir) and Fake()
    monkeypatch.setitem(sys.modules, "fake_engine", mod)
    from visrec.runs import predictor

    monkeypatch.setitem(predictor.PREDICTOR_LOADERS, "torch", "fake_engine:load_predictor")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "model.json").write_text(json.dumps({"kind": "torch"}))
    files = write_pngs(tmp_path / "png", np.zeros((2, 4, 4, 3), np.uint8))
    rows = predict_files(tmp_path / "r", files)
    assert seen["run"] == tmp_path / "r"
    assert [(r["class"], r["probability"]) for r in rows] == [("y", 0.75)] * 2


def test_predict_errors(tmp_path, capsys, splits):
    _fit_and_save("knn", splits, tmp_path / "run")
    good = write_pngs(tmp_path / "png", splits.val.images[:1])[0]
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    (tmp_path / "empty").mkdir()
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "model.json").write_text(json.dumps({"kind": "quantum"}))
    cases = [
        ((tmp_path / "run", good, bad), "notes.png"),
        ((tmp_path / "run", tmp_path / "missing.png"), "missing.png"),
        ((tmp_path / "nowhere", good), "does not exist"),
        ((tmp_path / "empty", good), "no model.json"),
        ((tmp_path / "odd", good), "'quantum'"),
    ]
    for (run, *files), message in cases:
        code, out, err = cli(capsys, "predict", "--model", run, *files)
        assert code != 0 and message in err and "Traceback" not in err, (message, err)


@pytest.mark.parametrize("kind", ["knn", "softmax"])
def test_saved_model_with_a_class_missing_from_training(tmp_path, splits, kind):
    """predict_proba always has one column per class name; a class never seen in training gets 0."""
    from dataclasses import replace

    from visrec.classic.persist import load_predictor

    keep = splits.train.labels != 9
    partial = replace(splits, train=splits.train.subset(np.flatnonzero(keep)))
    predictor = _fit_and_save(kind, partial, tmp_path / "run")
    loaded = load_predictor(tmp_path / "run")
    images = splits.val.images[:20]
    proba = loaded.predict_proba(images)
    assert proba.shape == (20, 10) and np.all(proba[:, 9] == 0)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert np.array_equal(loaded.predict(images), predictor.predict(images))
    assert np.array_equal(proba.argmax(1), loaded.predict(images))  # ties: the smallest label, both ways
