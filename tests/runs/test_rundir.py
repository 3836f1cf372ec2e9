"""RunDir: never mixes two runs, resumes in place after a move, reads corrupt files with clear errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from visrec.runs import RunConfig, RunDir
from visrec.utils.errors import DataError, RunExistsError


def _run(tmp_path, **kw):
    return RunDir.open(RunConfig(out=str(tmp_path / "run"), **kw), "test")


def test_existing_run_is_refused_unless_overwrite(tmp_path):
    run = _run(tmp_path)
    run.write_config(RunConfig())
    run.append_history({"step": 1, "train_loss": 1.0})
    with pytest.raises(RunExistsError, match="--resume .* --overwrite"):
        _run(tmp_path)
    again = _run(tmp_path, overwrite=True)
    assert again.history() == [] and not (again.path / "config.json").exists()


def test_non_run_folder_is_never_cleared(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "thesis.tex").write_text("precious")
    with pytest.raises(RunExistsError, match="not empty"):
        _run(tmp_path, overwrite=True)
    assert (tmp_path / "run" / "thesis.tex").read_text() == "precious"


def test_resume_continues_in_the_given_folder_after_a_copy(tmp_path):
    run = _run(tmp_path)
    run.save_checkpoint("last", {"w": np.ones(3)}, {"step": 5})
    copy = tmp_path / "copy"
    shutil.copytree(run.path, copy)
    resumed = RunDir.open(RunConfig(out=str(run.path), resume=str(copy)), "test")
    assert resumed.path == copy  # not the original, whatever --out or the old config say
    tensors, meta = resumed.load_checkpoint("last")
    assert meta["step"] == 5 and tensors["w"].tolist() == [1, 1, 1]
    assert RunDir.for_resume(copy / "checkpoints" / "last.json").path == copy


def test_truncated_checkpoint_json_names_the_file(tmp_path):
    run = _run(tmp_path)
    run.save_checkpoint("last", {"w": np.ones(3)}, {"step": 5})
    p = run.path / "checkpoints" / "last.json"
    p.write_text(p.read_text()[:5])
    with pytest.raises(DataError, match="last.json"):
        run.load_checkpoint("last")


def test_history_records_need_a_step_and_survive_a_cut_line(tmp_path):
    run = _run(tmp_path)
    run.append_history({"step": 1, "val_loss": 2.0})
    with pytest.raises(KeyError):
        run.append_history({"val_loss": 2.0})
    with open(run.path / "history.jsonl", "a") as fh:
        fh.write('{"step": 2, "val_lo')
    assert run.history() == [{"step": 1, "val_loss": 2.0}]


def test_default_folders_do_not_collide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = RunDir.create(None, "same")
    b = RunDir.create(None, "same")
    assert a.path != b.path
