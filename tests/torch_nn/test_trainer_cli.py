"""`visrec train` on the command line: a tiny torch run, --resume, --config, clear errors."""

from __future__ import annotations

import json

import pytest
import torch

from visrec.cli.main import main


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _run(args):
    with pytest.raises(SystemExit) as exc:
        main(args)
    return exc.value.code


def test_train_then_resume_then_predict(tmp_path, capsys):
    out = tmp_path / "run"
    args = [
        "train",
        "--data",
        "digits",
        "--model",
        "tiny_cnn",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--augment",
        "flip,crop",
        "--lr-schedule",
        "none",
        "--out",
        str(out),
    ]
    assert _run(args) == 0
    assert "run directory" in capsys.readouterr().out
    config = json.loads((out / "config.json").read_text())
    assert config["config"]["augment"] == ["flip", "crop"] and config["engine"] == "torch"
    assert _run(["train", "--resume", str(out), "--epochs", "2"]) == 0
    history = (out / "history.jsonl").read_text().splitlines()
    assert [json.loads(h)["epoch"] for h in history] == [1, 2]
    from visrec.runs import load_predictor as load_any_predictor

    assert load_any_predictor(out).predict_proba(__import__("numpy").zeros((1, 8, 8, 1), "uint8")).shape == (
        1,
        10,
    )


def test_config_file_is_overridden_by_flags(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"model": "tiny_cnn", "epochs": 3, "lr": 0.5, "overfit": 30, "batch_size": 30}))
    out = tmp_path / "r"
    assert _run(["train", "--config", str(cfg), "--epochs", "1", "--out", str(out)]) == 0
    saved = json.loads((out / "config.json").read_text())
    assert (saved["config"]["epochs"], saved["config"]["lr"], saved["config"]["overfit"]) == (1, 0.5, 30)


def test_model_kwargs_reach_the_builder_and_the_saved_config(tmp_path):
    out = tmp_path / "r"
    args = ["train", "--data", "digits", "--model", "fast_cifar", "--model-kwargs", '{"widths": [8, 8, 8]}',
            "--whiten-bias-epochs", "1", "--epochs", "1", "--limit", "200", "--out", str(out), "--no-progress"]
    assert _run(args) == 0
    saved = json.loads((out / "config.json").read_text())["config"]
    assert saved["model_kwargs"] == {"widths": [8, 8, 8]} and saved["whiten_bias_epochs"] == 1
    assert json.loads((out / "model.json").read_text())["model_kwargs"]["widths"] == [8, 8, 8]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--optimizer", "rmsprop"], "'optimizer'"),
        (["--augment", "flip,mixup"], "'augment'"),
        (["--epochs", "-1"], "'epochs'"),
        (["--model", "no_such_net"], "Unknown model"),
        (["--engine", "jax"], "'engine'"),
        (["--resume", "/nonexistent/run"], "--resume expects a run directory"),
        (["--model-kwargs", "{widths: 3}"], "--model-kwargs expects a JSON object"),
        (["--model", "tiny_cnn", "--model-kwargs", '{"widthz": 3}'], "widthz"),
        (["--model", "lenet5", "--whiten-bias-epochs", "3"], "--whiten-bias-epochs 3: the model 'lenet5'"),
    ],
)
def test_bad_options_give_clear_errors(tmp_path, capsys, args, message):
    code = _run(["train", "--data", "digits", "--out", str(tmp_path / "x"), *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_numpy_engine_is_dispatched(tmp_path):
    pytest.importorskip("visrec.cli.train_numpy")
    out = tmp_path / "np"
    args = [
        "train",
        "--engine",
        "numpy",
        "--model",
        "fc",
        "--hidden",
        "20",
        "--data",
        "digits",
        "--epochs",
        "1",
    ]
    assert _run([*args, "--out", str(out)]) == 0
    assert (out / "model.json").exists()
    assert _run(["train", "--engine", "numpy", "--model", "resnet20", "--out", str(tmp_path / "x")]) == 2
