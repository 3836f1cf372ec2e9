"""numpy_nn.train: the shared run-directory schema, resume in place (moved runs, release-0.1 runs),
the budget, the predictor's checkpoint fallback, and the config's vocabulary and old spellings."""

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from visrec.numpy_nn.config import NumpyTrainConfig, from_legacy
from visrec.numpy_nn.train import train
from visrec.runs import RunDir, load_predictor
from visrec.utils.errors import ParameterError

FIXTURE = Path(__file__).parent / "fixtures" / "numpy_run_release_0_1"  # written by release 0.1


def _cfg(out, **kw):
    base = dict(
        model="fc", hidden=[16], limit=300, batch_size=20, epochs=1, lr=1e-2, progress=False, out=str(out)
    )
    return NumpyTrainConfig.from_dict({**base, **kw})


def _history(path):
    return RunDir(path).history()


def test_a_run_directory_in_the_shared_schema(tmp_path):
    path = train(_cfg(tmp_path / "r", epochs=2, lr_schedule="step:step_size=1,gamma=0.5"))
    config = json.loads((path / "config.json").read_text())
    assert (config["engine"], config["kind"]) == ("numpy", "numpy_nn")
    assert config["config"]["epochs"] == 2 and config["data_fingerprint"] and config["model"]["name"] == "fc"
    hist = _history(path)
    assert [h["epoch"] for h in hist] == [1, 2] and [h["lr"] for h in hist] == [1e-2, 5e-3]
    for key in ("step", "elapsed_s", "train_loss", "train_acc", "val_acc"):
        assert all(key in h for h in hist), key
    assert hist[1]["step"] == 2 * hist[0]["step"] > 0
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["status"] == "completed" and metrics["steps"] == hist[-1]["step"]
    assert metrics["val_acc"] > 0.5  # digits, 2 epochs of a small MLP
    for name in ("model.safetensors", "model.json", "checkpoints/last.json", "checkpoints/best.json"):
        assert (path / name).is_file(), name
    with pytest.raises(Exception, match="already holds a run"):
        train(_cfg(path))


def test_resume_continues_in_the_given_directory_exactly(tmp_path):
    straight = train(_cfg(tmp_path / "straight", epochs=2))
    first = train(_cfg(tmp_path / "a", epochs=1))
    moved = tmp_path / "moved"
    shutil.move(str(first), moved)
    path = train(NumpyTrainConfig(resume=str(moved), epochs=2, progress=False))
    assert path == moved and not (tmp_path / "a").exists()  # never the old --out
    assert [h["epoch"] for h in _history(moved)] == [1, 2]
    a, _ = RunDir(moved).load_model()
    b, _ = RunDir(straight).load_model()
    for key in b:  # an interrupted and resumed run equals the uninterrupted one
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_resume_without_epochs_keeps_the_recorded_plan(tmp_path):
    path = train(_cfg(tmp_path / "r", epochs=2, max_minutes=1e-9))  # stops after the first step
    assert json.loads((path / "metrics.json").read_text())["status"].startswith("stopped at the")
    with pytest.raises(ParameterError, match="already used its 1e-09-minute budget"):  # the clock goes on
        train(NumpyTrainConfig(resume=str(path), progress=False))
    train(NumpyTrainConfig(resume=str(path), progress=False, max_minutes=10))  # no --epochs: the recorded 2, not 10
    hist = _history(path)
    assert hist[-1]["epoch"] == 2
    elapsed = [h["elapsed_s"] for h in hist]
    assert elapsed == sorted(elapsed)  # one clock across the resume


def test_a_release_0_1_run_resumes_and_predicts(tmp_path):
    run = tmp_path / "old"
    shutil.copytree(FIXTURE, run)
    config = json.loads((run / "config.json").read_text())
    config["train"]["out"] = str(tmp_path / "where-it-was-trained")  # the absolute --out it recorded
    (run / "config.json").write_text(json.dumps(config))
    train(NumpyTrainConfig(resume=str(run), epochs=2, progress=False))
    hist = _history(run)
    assert [h["epoch"] for h in hist] == [1, 2] and all("step" in h for h in hist)
    assert not (tmp_path / "where-it-was-trained").exists()
    pred = load_predictor(run)
    assert pred.predict_proba(np.zeros((2, 8, 8, 1), np.uint8)).shape == (2, 10)


def test_predict_falls_back_to_the_best_checkpoint(tmp_path):
    path = train(_cfg(tmp_path / "r", epochs=2))
    full = load_predictor(path)
    images = np.random.default_rng(0).integers(0, 17, (5, 8, 8, 1)).astype(np.uint8)
    (path / "model.json").unlink()  # as after a crash before the end
    (path / "model.safetensors").unlink()
    fallback = load_predictor(path)
    np.testing.assert_allclose(fallback.predict_proba(images), full.predict_proba(images), rtol=1e-6)


def test_old_spellings_are_accepted_with_a_warning():
    old = {"num_epochs": 3, "reg": 0.1, "minutes": 2.0, "clip_norm": 5.0, "lr_schedule": "exp"}
    with pytest.warns(FutureWarning) as caught:
        cfg = NumpyTrainConfig.from_dict(old)
    assert (cfg.epochs, cfg.weight_decay, cfg.max_minutes, cfg.grad_clip) == (3, 0.1, 2.0, 5.0)
    assert cfg.lr_schedule == "exponential"
    text = " ".join(str(w.message) for w in caught)
    for new in ("--epochs", "--weight-decay", "--max-minutes", "--grad-clip", "exponential"):
        assert new in text, new
    with pytest.warns(FutureWarning, match="constant"):
        assert NumpyTrainConfig.from_dict({"lr_schedule": "none"}).lr_schedule == "constant"


def test_release_0_1_dicts_keep_their_meaning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only new spellings here: no warning
        cfg = from_legacy({"dropout": 0.8, "verbose": False, "ema": 0, "norm": "batchnorm", "device": "cpu"})
    assert cfg.dropout == pytest.approx(0.2) and cfg.dropout_keep == pytest.approx(0.8)
    assert (cfg.progress, cfg.ema, cfg.norm) == (False, 0.0, "batch")
    assert from_legacy({"optimizer": "sgd", "momentum": 0.9}).optimizer == "momentum"
    with pytest.raises(ParameterError, match="--resume needs --out"):
        from_legacy({"resume": True, "out": str(tmp_path / "none")})


def test_settings_errors_name_the_flag():
    with pytest.raises(ParameterError, match="--lr"):
        NumpyTrainConfig(lr=0.0)
    with pytest.raises(ParameterError, match="did you mean 'epochs'"):
        NumpyTrainConfig.from_dict({"epoch": 2})
    with pytest.raises(ParameterError, match="not a NumPy model"):
        NumpyTrainConfig(model="resnet20")
    with pytest.raises(ParameterError, match="CPU only"):
        NumpyTrainConfig(device="cuda")
    with pytest.raises(ParameterError, match="lr_schedule"):
        NumpyTrainConfig(lr_schedule="onecycle")
    with pytest.raises(ParameterError, match="options look like"):
        train(NumpyTrainConfig(lr_schedule="step:5", progress=False, out=None, limit=50))


def test_the_trainer_imports_numpy_only():
    """numpy_nn (its trainer included) never pulls in torch, matplotlib or the CLI."""
    import subprocess
    import sys

    code = (
        "import sys, visrec.numpy_nn.train, visrec.numpy_nn.models; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'matplotlib', 'typer'}) + "
        "sorted(m for m in sys.modules if m.startswith(('visrec.cli', 'visrec.torch_nn', 'visrec.report'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_ctrl_c_stops_cleanly_saves_and_says_how_to_resume(tmp_path, monkeypatch, capsys):
    import os
    import signal

    from visrec.numpy_nn.solver import Solver

    real_step, calls = Solver._step, []

    def step_then_ctrl_c(self, *args, **kw):
        calls.append(1)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)  # the first Ctrl-C: finish the step, then stop
        return real_step(self, *args, **kw)

    monkeypatch.setattr(Solver, "_step", step_then_ctrl_c)
    path = train(_cfg(tmp_path / "r", epochs=3, norm="batch"))
    metrics = json.loads((path / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and metrics["iterations"] == 3
    assert (path / "model.json").is_file() and RunDir(path).has_checkpoint("last")
    assert f"--resume {path}" in capsys.readouterr().err
    monkeypatch.setattr(Solver, "_step", real_step)
    train(NumpyTrainConfig(resume=str(path), progress=False))
    assert [h["epoch"] for h in _history(path)] == [1, 2, 3]  # the cut epoch counts as epoch 1
