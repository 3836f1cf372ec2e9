"""The torch trainer: overfits a tiny set, resumes exactly, stops on NaN, validates its config."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from visrec.torch_nn.checkpoint import load_tensors
from visrec.torch_nn.predictor import load_predictor
from visrec.torch_nn.train_config import TrainConfig
from visrec.torch_nn.trainer import train
from visrec.utils.errors import TrainingDiverged


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _cfg(tmp_path, name, **kw):
    base = {
        "model": "tiny_cnn",
        "data": "digits",
        "epochs": 2,
        "batch_size": 64,
        "lr": 0.05,
        "out": str(tmp_path / name),
        "progress": False,
        "seed": 3,
    }
    base.update(kw)
    return base


def test_overfits_twenty_examples(tmp_path):
    run = train(
        _cfg(
            tmp_path,
            "overfit",
            overfit=20,
            epochs=15,
            batch_size=20,
            lr=0.02,
            optimizer="adam",
            weight_decay=0.0,
            lr_schedule="none",
        )
    )
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["train_acc"] == 1.0
    assert metrics["best_val_acc"] == 1.0  # the validation set is the same 20 images
    for name in (
        "config.json",
        "history.jsonl",
        "model.json",
        "model.safetensors",
        "plots/accuracy.png",
        "checkpoints/last.json",
        "checkpoints/best.safetensors",
    ):
        assert (run / name).exists(), name
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert len(history) == 15 and history[-1]["train_loss"] < history[0]["train_loss"]


def test_resume_equals_uninterrupted(tmp_path):
    common = dict(
        augment=["flip", "crop"],
        ema=0.9,
        optimizer="nesterov",
        lr_schedule="step",
        step_epochs=1,
        gamma=0.5,
        model_kwargs={"drop_rate": 0.3},
    )
    full = train(_cfg(tmp_path, "full", epochs=2, **common))
    part = train(_cfg(tmp_path, "part", epochs=1, **common))
    resumed = train(_cfg(tmp_path, "part", epochs=2, resume=str(part), **common))
    assert resumed == part
    a = load_tensors(full / "checkpoints" / "last.safetensors")
    b = load_tensors(resumed / "checkpoints" / "last.safetensors")
    for key in a:
        if key.startswith(("model/", "ema/", "optim/")):
            assert torch.equal(a[key], b[key]), key
    ha = (full / "history.jsonl").read_text().splitlines()
    hb = (resumed / "history.jsonl").read_text().splitlines()
    assert len(ha) == len(hb) == 2
    assert json.loads(ha[1])["val_acc"] == json.loads(hb[1])["val_acc"]


def test_nan_guard_stops_and_keeps_best(tmp_path):
    with pytest.raises(TrainingDiverged, match="loss became"):
        train(_cfg(tmp_path, "nan", epochs=3, lr=1e30, optimizer="sgd", lr_schedule="none"))
    metrics = json.loads((tmp_path / "nan" / "metrics.json").read_text())
    assert metrics["status"].startswith("diverged")
    assert (tmp_path / "nan" / "model.safetensors").exists()


def test_predictor_contract(tmp_path):
    run = train(_cfg(tmp_path, "pred", epochs=1, tta=True))
    pred = load_predictor(run)
    from visrec.data.load import load_dataset

    ds = load_dataset("digits")
    proba = pred.predict_proba(ds.images[:7])
    assert proba.shape == (7, 10) and pred.input_shape == (8, 8, 1) and pred.class_names == ds.class_names
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        pred.predict_proba(np.zeros((2, 9, 9, 1), np.uint8))


def test_dataloader_and_tensor_paths_agree(tmp_path):
    a = train(_cfg(tmp_path, "tensor", epochs=1, loader="tensor"))
    b = train(_cfg(tmp_path, "loader", epochs=1, loader="dataloader", workers=0))
    ta, tb = load_tensors(a / "model.safetensors"), load_tensors(b / "model.safetensors")
    for key in ta:
        torch.testing.assert_close(ta[key], tb[key])


def test_early_stopping(tmp_path):
    run = train(_cfg(tmp_path, "early", epochs=30, lr=1e-9, optimizer="sgd", lr_schedule="none", patience=2))
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"].startswith("early stopping") and metrics["epochs_run"] < 30


@pytest.mark.parametrize(
    "bad, match",
    [
        ({"epochz": 3}, "did you mean 'epochs'"),
        ({"lr": "fast"}, "expects float"),
        ({"epochs": 2.5}, "expects int"),
        ({"optimizer": "rmsprop"}, "must be one of"),
        ({"augment": ["flip", "mixup"]}, "must be one of"),
        ({"amp": 1}, "true/false"),
        ({"lr": -1.0}, "range"),
    ],
)
def test_config_rejects_bad_values(bad, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig.from_dict(bad)


def test_config_file_and_overrides(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"epochs": 7, "lr": 0.3, "augment": ["flip"]}))
    cfg = TrainConfig.from_sources(path, {"lr": 0.1, "epochs": None})
    assert (cfg.epochs, cfg.lr, cfg.augment) == (7, 0.1, ["flip"])
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_wall_clock_budget_stops_cleanly(tmp_path):
    run = train(_cfg(tmp_path, "budget", epochs=50, max_minutes=1e-4))
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"].startswith("stopped at the") and metrics["epochs_run"] == 1
    assert (run / "model.safetensors").exists()


def test_ensemble_of_identical_runs_equals_one_run(tmp_path):
    from visrec.data.load import load_dataset
    from visrec.torch_nn.predictor import ensemble_predict_proba

    run = train(_cfg(tmp_path, "ens", epochs=1))
    images = load_dataset("digits").images[:5]
    single = load_predictor(run).predict_proba(images)
    np.testing.assert_allclose(ensemble_predict_proba([run, run], images), single, rtol=1e-6)
    with pytest.raises(ValueError, match="at least one"):
        ensemble_predict_proba([], images)
