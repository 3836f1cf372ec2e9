"""What a new user tried, each fixed (issue: one run layer for every engine, 'found when tried')."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visrec.cli.main import main


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


TINY = ["train", "--model", "tiny_cnn", "--overfit", "40", "--batch-size", "20", "--lr", "0.05"]


def _history(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]


def _folder(root: Path, classes=("a", "b"), n=6, corrupt: str | None = None) -> Path:
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(root / c / f"{i}.png")
    if corrupt:
        (root / classes[0] / corrupt).write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return root


def test_resume_of_a_copied_run_writes_into_the_copy(tmp_path, capsys):
    original = tmp_path / "orig"
    assert cli(capsys, *TINY, "--epochs", "1", "--out", original)[0] == 0
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    before = {p.name: p.stat().st_mtime_ns for p in original.rglob("*") if p.is_file()}
    assert cli(capsys, "train", "--resume", copy, "--epochs", "2")[0] == 0
    assert [r["epoch"] for r in _history(copy)] == [1, 2]
    assert {p.name: p.stat().st_mtime_ns for p in original.rglob("*") if p.is_file()} == before
    assert json.loads((copy / "config.json").read_text())["config"]["out"] == str(copy)


def test_resume_without_epochs_continues_the_recorded_plan(tmp_path, capsys):
    run = tmp_path / "r"
    assert cli(capsys, *TINY, "--epochs", "2", "--lr-schedule", "cosine", "--out", run)[0] == 0
    assert cli(capsys, "train", "--resume", run)[0] == 0  # a finished run stays finished
    assert [r["epoch"] for r in _history(run)] == [1, 2]


@pytest.mark.parametrize("command", [["knn", "--k", "1"], [*TINY, "--epochs", "1"]])
def test_out_naming_an_existing_run_is_refused_unless_overwrite(tmp_path, capsys, command):
    out = tmp_path / "run"
    assert cli(capsys, *command, "--out", out)[0] == 0
    code, _, err = cli(capsys, *command, "--out", out)
    assert code == 2 and "already holds a run" in err and "--overwrite" in err
    assert cli(capsys, *command, "--out", out, "--overwrite")[0] == 0


@pytest.mark.parametrize("command", [["knn", "--k", "1"], ["linear"], [*TINY[:3], "--epochs", "1"]])
def test_one_class_data_is_refused(tmp_path, capsys, command):
    data = _folder(tmp_path / "one", classes=("only",))
    code, _, err = cli(capsys, *command, "--data", data, "--out", tmp_path / "o")
    assert code == 2 and "at least two" in err


def test_same_data_as_test_data_warns(tmp_path, capsys):
    code, _, err = cli(capsys, "knn", "--k", "1", "--test-data", "digits", "--out", tmp_path / "k")
    assert code == 0 and "same data as --data" in err


@pytest.mark.parametrize("args, flag", [(["--epochs", "0"], "--epochs"), (["--dropout", "1.5"], "--dropout"),
                                        (["--lr", "0"], "--lr"), (["--norm", "batch"], "--norm")])
def test_bad_training_options_name_the_flag(tmp_path, capsys, args, flag):
    model = ["--model", "resnet20"] if flag == "--norm" else []
    code, _, err = cli(capsys, "train", *model, *args, "--out", tmp_path / "x")
    assert code == 2 and flag in err and "Traceback" not in err


def test_linear_lr_error_names_the_flag(tmp_path, capsys):
    code, _, err = cli(capsys, "linear", "--lr", "-1", "--out", tmp_path / "x")
    assert code == 2 and "--lr" in err and "learning_rate" not in err


def test_skip_bad_reports_and_continues(tmp_path, capsys):
    data = _folder(tmp_path / "imgs", corrupt="broken.jpg")
    code, _, err = cli(capsys, "knn", "--k", "1", "--folds", "0", "--data", data, "--out", tmp_path / "a")
    assert code == 2 and "broken.jpg" in err and "--skip-bad" in err
    code, _, err = cli(capsys, "knn", "--k", "1", "--folds", "0", "--data", data, "--skip-bad", "--out", tmp_path / "b")
    assert code == 0 and "skipped 1" in err


def test_truncated_checkpoint_names_the_file(tmp_path, capsys):
    run = tmp_path / "r"
    assert cli(capsys, *TINY, "--epochs", "1", "--out", run)[0] == 0
    last = run / "checkpoints" / "last.json"
    last.write_text(last.read_text()[:40])
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "2")
    assert code == 2 and "last.json" in err


def test_debug_shows_the_traceback_and_still_exits_2(tmp_path, capsys):
    code, _, err = cli(capsys, "knn", "--k", "0", "--debug")
    assert code == 2 and "Traceback" in err and "'k' parameter" in err


def test_a_runs_own_config_is_a_valid_config(tmp_path, capsys):
    first = tmp_path / "a"
    assert cli(capsys, *TINY, "--epochs", "1", "--out", first)[0] == 0
    second = tmp_path / "b"
    assert cli(capsys, "train", "--config", first / "config.json", "--out", second)[0] == 0
    a, b = (json.loads((p / "config.json").read_text())["config"] for p in (first, second))
    assert {k: v for k, v in a.items() if k != "out"} == {k: v for k, v in b.items() if k != "out"}


def test_evaluate_runs_and_predict_on_a_folder(tmp_path, capsys):
    run = tmp_path / "knn"
    assert cli(capsys, "knn", "--k", "1", "--folds", "0", "--out", run)[0] == 0
    code, out, _ = cli(capsys, "evaluate", run, "--test-data", "digits", "--json")
    result = json.loads(out)
    assert code == 0 and result["n"] == 1797 and 0.9 < result["accuracy"] <= 1.0
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8), 16 * i, np.uint8)).save(folder / f"{i}.png")
    code, out, _ = cli(capsys, "predict", run, folder, "--top-k", "2", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 3 and all(len(r["top"]) == 2 for r in rows)
    code, out, _ = cli(capsys, "predict", run, folder, "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("file,class,probability")
    other = tmp_path / "knn3"
    assert cli(capsys, "knn", "--k", "3", "--folds", "0", "--out", other)[0] == 0
    code, out, _ = cli(capsys, "runs", "list", tmp_path, "--json")
    assert code == 0 and {Path(r["run"]).name for r in json.loads(out)} == {"knn", "knn3"}
    code, out, _ = cli(capsys, "runs", "compare", run, other, "--json")
    assert code == 0 and json.loads(out)["settings"]["k"] == [[1], [3]]


@pytest.mark.slow
def test_ctrl_c_keeps_the_best_epoch_and_says_how_to_resume(tmp_path):
    run = tmp_path / "r"
    env = {**os.environ, "VISREC_NO_PROGRESS": "1", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "visrec.cli.main", *TINY, "--epochs", "500", "--out", str(run)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (run / "checkpoints" / "best.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Resume with: visrec train --resume" in err
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and (run / "model.json").is_file()
    (run / "model.json").unlink()  # as if the process had died before writing it: predict uses the checkpoint
    from visrec.runs import load_predictor

    assert load_predictor(run).predict(np.zeros((2, 8, 8, 1), np.uint8)).shape == (2,)


def test_predict_on_a_run_that_holds_no_classifier_names_the_right_command(tmp_path, capsys):
    run = tmp_path / "q"
    assert cli(capsys, "rl", "train", "gridworld", "--algo", "qlearn", "--steps", "500", "--out", run)[0] == 0
    png = tmp_path / "x.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(png)
    code, _, err = cli(capsys, "predict", run, png)
    assert code == 2 and "not an image classifier" in err and "visrec rl evaluate" in err
