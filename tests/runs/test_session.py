"""TrainSession: budget, NaN guard, Ctrl-C stops cleanly with a checkpoint and a resume hint."""

from __future__ import annotations

import math
import os
import signal

import pytest

from visrec.runs import TrainRunConfig, TrainSession
from visrec.utils.errors import ParameterError, TrainingDiverged


def _cfg(tmp_path, **kw):
    return TrainRunConfig(out=str(tmp_path / "run"), progress=False, **kw)


def test_runs_all_steps_and_records_history(tmp_path):
    with TrainSession(_cfg(tmp_path), "t", total_steps=5) as s:
        for _ in s.steps():
            s.log(loss=1.0)
            if s.due(every=2):
                s.record(val_loss=0.5)
        metrics = s.finish()
    assert metrics["status"] == "completed" and metrics["steps"] == 5
    assert [r["step"] for r in s.run.history()] == [2, 4]


def test_nan_loss_raises_training_diverged(tmp_path):
    with pytest.raises(TrainingDiverged, match="--lr"):
        with TrainSession(_cfg(tmp_path), "t", total_steps=5) as s:
            for step in s.steps():
                s.log(loss=math.nan if step == 2 else 1.0)


def test_a_run_refused_before_its_first_write_leaves_no_folder_but_a_started_one_stays(tmp_path):
    with pytest.raises(ValueError, match="bad option"):
        with TrainSession(_cfg(tmp_path), "t", total_steps=5, write_config=False):
            raise ValueError("bad option")
    assert not (tmp_path / "run").exists()
    (tmp_path / "mine").mkdir()  # a folder the user made stays, even empty
    with pytest.raises(ValueError, match="bad option"):
        with TrainSession(TrainRunConfig(out=str(tmp_path / "mine"), progress=False), "t", write_config=False):
            raise ValueError("bad option")
    assert (tmp_path / "mine").is_dir()
    with pytest.raises(TrainingDiverged):
        with TrainSession(_cfg(tmp_path), "t", total_steps=5) as s:  # config.json written: kept
            for _step in s.steps():
                s.log(loss=math.nan)
    assert (tmp_path / "run" / "config.json").is_file()


def test_budget_stops_the_loop(tmp_path):
    with TrainSession(_cfg(tmp_path, max_minutes=1e-6), "t", total_steps=10**9) as s:
        for _ in s.steps():
            pass
    assert s.status.startswith("stopped at the") and s.step < 10**9


def test_first_ctrl_c_finishes_the_step(tmp_path, capsys):
    with TrainSession(_cfg(tmp_path), "t", total_steps=100) as s:
        for step in s.steps():
            if step == 3:
                os.kill(os.getpid(), signal.SIGINT)
    assert s.status == "interrupted" and s.step == 4
    assert "--resume" in capsys.readouterr().err


def test_second_ctrl_c_saves_through_on_interrupt_and_exits_130(tmp_path):
    saved = []
    with pytest.raises(SystemExit) as exc:
        with TrainSession(_cfg(tmp_path), "t", total_steps=100, on_interrupt=lambda s: saved.append(s.step)) as s:
            for step in s.steps():
                if step == 3:
                    raise KeyboardInterrupt
    assert exc.value.code == 130 and saved == [3]


def test_a_resumed_run_continues_its_budget_clock(tmp_path):
    with TrainSession(_cfg(tmp_path, max_minutes=1.0), "t", total_steps=10) as s:
        for _ in s.steps(total=4):
            s.log(loss=1.0)
        s.run.save_checkpoint("last", {}, {"step": 4})
    resumed = TrainRunConfig(out=str(tmp_path / "run"), progress=False, max_minutes=1.0, resume=str(tmp_path / "run"))
    # the checkpoint is at step 4; the record at step 6 was written after it and does not count
    records = [{"step": 2, "elapsed_s": 15.0}, {"step": 4, "elapsed_s": 30.0}, {"step": 6, "elapsed_s": 59.0}]
    s.run.rewrite_history(records)
    with TrainSession(resumed, "t", total_steps=10) as s:
        it = s.steps(start=4)
        next(it)
        assert 30.0 <= s.budget.elapsed < 35.0
        s.record()
    assert s.run.history()[-1]["elapsed_s"] >= 30.0  # the history's clock goes on too

    s.run.rewrite_history([{"step": 4, "elapsed_s": 61.0}])
    with pytest.raises(ParameterError, match="already used its 1-minute budget .*--max-minutes"):
        with TrainSession(resumed, "t", total_steps=10) as s:
            next(s.steps(start=4))
