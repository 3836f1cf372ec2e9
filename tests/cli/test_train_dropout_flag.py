"""`visrec train --dropout q` means "drop with probability q" for both engines."""

from pathlib import Path

from typer.testing import CliRunner

import visrec.cli.train_numpy
from visrec.cli.main import app


def test_numpy_engine_receives_the_keep_probability(monkeypatch, tmp_path):
    seen = {}

    def fake_run(cfg):
        seen["cfg"] = cfg
        return Path(tmp_path)

    monkeypatch.setattr(visrec.cli.train_numpy, "run_config", fake_run)
    res = CliRunner().invoke(app, ["train", "--engine", "numpy", "--model", "fc", "--dropout", "0.2"])
    assert res.exit_code == 0, res.output
    # the config keeps the drop probability; the NumPy layers get the keep probability p of Lecture 7
    assert seen["cfg"].dropout == 0.2 and abs(seen["cfg"].dropout_keep - 0.8) < 1e-12


def test_unknown_numpy_model_is_refused():
    res = CliRunner().invoke(app, ["train", "--engine", "numpy", "--model", "resnet20"])
    assert res.exit_code != 0
