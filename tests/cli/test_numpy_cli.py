"""visrec.cli.train_numpy.run: a run directory with every part, resume, predictor round trip."""

import json

import numpy as np
import pytest

from visrec.cli.train_numpy import parse_schedule, run
from visrec.numpy_nn.persist import load_predictor


def _digits():
    from visrec.data.load import load_dataset

    return load_dataset("digits")


def test_run_writes_a_complete_run_dir_and_resumes(tmp_path):
    out = tmp_path / "run"
    cfg = {
        "model": "fc",
        "data": "digits",
        "out": str(out),
        "epochs": 2,
        "hidden": [32],
        "norm": "batch",
        "dropout": 0.9,
        "lr": 1e-2,
        "lr_schedule": "step:step_size=1,gamma=0.5",
        "verbose": False,
        "device": "cpu",
    }
    path = run(cfg)
    for name in (
        "config.json",
        "metrics.json",
        "history.jsonl",
        "model.safetensors",
        "model.json",
        "checkpoints/last.safetensors",
        "checkpoints/best.safetensors",
        "plots/loss.png",
        "plots/accuracy.png",
        "plots/filters.png",
    ):
        assert (path / name).is_file(), name
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and metrics["val_acc"] > 0.5
    assert json.loads((path / "model.json").read_text())["kind"] == "numpy_nn"
    hist = [json.loads(line) for line in (path / "history.jsonl").read_text().splitlines()]
    assert [h["lr"] for h in hist] == [1e-2, 5e-3]
    run({"model": "fc", "out": str(out), "epochs": 3, "resume": True, "verbose": False})
    hist = [json.loads(line) for line in (path / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in hist] == [1, 2, 3] and hist[2]["lr"] == 2.5e-3


def test_predictor_reproduces_the_run(tmp_path):
    path = run(
        {
            "model": "twolayer",
            "data": "digits",
            "out": str(tmp_path / "r"),
            "epochs": 3,
            "hidden": [20],
            "verbose": False,
            "center": "channel",
        }
    )
    pred = load_predictor(path)
    ds = _digits()
    probs = pred.predict_proba(ds.images[:50])
    assert probs.shape == (50, 10) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    assert pred.class_names == ds.class_names and pred.input_shape == ds.image_shape
    assert np.mean(pred.predict(ds.images) == ds.labels) > 0.7
    with pytest.raises(ValueError, match="images of shape"):
        pred.predict_proba(np.zeros((1, 4, 4, 1), np.uint8))


def test_overfit_mode_and_convnet(tmp_path):
    path = run(
        {
            "model": "convnet3",
            "data": "digits",
            "out": str(tmp_path / "c"),
            "epochs": 15,
            "overfit": 20,
            "filters": [4],
            "filter_size": 3,
            "hidden": [30],
            "lr": 1e-2,
            "batch_size": 10,
            "verbose": False,
        }
    )
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["train_size"] == 20 and metrics["train_acc"] == 1.0
    assert (path / "plots" / "filters.png").is_file()


def test_errors():
    with pytest.raises(ValueError, match="not a NumPy model"):
        run({"model": "resnet20", "data": "digits"})
    with pytest.raises(ValueError, match="--resume needs --out"):
        run({"model": "fc", "resume": True, "out": "/nonexistent/run"})
    assert parse_schedule("cosine:T_0=5,eta_min=1e-5", 0.1) == {
        "name": "cosine",
        "lr": 0.1,
        "T_0": 5,
        "eta_min": 1e-5,
    }
    with pytest.raises(ValueError, match="options look like"):
        parse_schedule("step:5", 0.1)


@pytest.mark.slow
def test_visrec_train_engine_numpy_and_resume_by_path(tmp_path):
    """Through the ``visrec train`` command (TORCH-TRAIN's), with its option spellings."""
    from typer.testing import CliRunner

    from visrec.cli.main import app

    out = tmp_path / "t"
    args = "train --engine numpy --model fc --data digits --hidden 24 --epochs 1 --norm batchnorm"
    args += " --lr-schedule none --warmup-epochs 2 --ema 0 --out"
    res = CliRunner().invoke(app, [*args.split(), str(out)])
    assert res.exit_code == 0, res.output
    hist = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert hist[0]["lr"] == pytest.approx(1e-3 * 0.1)  # warm-up starts at 0.1 x the base lr
    res = CliRunner().invoke(app, ["train", "--engine", "numpy", "--epochs", "2", "--resume", str(out)])
    assert res.exit_code == 0, res.output
    hist = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in hist] == [1, 2]
