"""Run directories written by release 0.1 (before the shared run layer) still predict and resume.

The fixtures in tests/fixtures were written by that release's `visrec train` / `visrec knn`; their
config.json records an absolute `out` of a folder that no longer exists, so resuming a copy also checks
that a run continues where it is now.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visrec.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture
def digit_png(tmp_path):
    path = tmp_path / "digit.png"
    Image.fromarray(np.full((8, 8), 128, np.uint8)).save(path)
    return path


@pytest.mark.parametrize("name", ["torch_run_release_0_1", "knn_run_release_0_1"])
def test_old_runs_predict(tmp_path, capsys, digit_png, name):
    run = tmp_path / name
    shutil.copytree(FIXTURES / name, run)
    code, out, err = cli(capsys, "predict", run, digit_png, "--format", "json")
    assert code == 0, err
    assert json.loads(out)[0]["class"] in [str(d) for d in range(10)]


def test_old_torch_run_resumes_in_place(tmp_path, capsys):
    run = tmp_path / "copy"
    shutil.copytree(FIXTURES / "torch_run_release_0_1", run)
    code, _, err = cli(capsys, "train", "--resume", run, "--epochs", "3")
    assert code == 0, err
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in history] == [1, 2, 3]
    record = json.loads((run / "config.json").read_text())
    assert record["engine"] == "torch" and record["config"]["out"] == str(run) and record["config"]["epochs"] == 3
