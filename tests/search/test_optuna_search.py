"""visrec search on Optuna: local studies, pruning, and two workers sharing one SQLite study."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from visrec.cli.main import main
from visrec.search import SearchConfig
from visrec.utils.errors import ParameterError

QUICK = ["--trials", "4", "--stages", "1", "--epochs", "1", "--limit", "300", "--hidden", "32"]


def _cli(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    return exc.value.code, capsys.readouterr()


def test_config_checks_ranges_and_storage():
    with pytest.raises(ParameterError, match="--lr-range"):
        SearchConfig(lr_range=[-1.0, -3.0])
    with pytest.raises(ParameterError, match="--study"):
        SearchConfig(storage="sqlite:///x.db")
    with pytest.raises(ParameterError, match="sampler"):
        SearchConfig(sampler="grid")


def test_local_search_writes_sorted_results_and_history(tmp_path, capsys):
    out = tmp_path / "s"
    code, cap = _cli(capsys, "search", *QUICK, "--stages", "2", "--out", out)
    assert code == 0, cap.err
    results = json.loads((out / "results.json").read_text())
    trials = results["trials"]
    assert len(trials) == 8 and {t["stage"] for t in trials} == {0, 1}
    finished = [t for t in trials if t["state"] == "complete"]
    assert results["best"]["val_acc"] == max(t["val_acc"] for t in finished)
    # stage 1 samples inside the range narrowed around stage 0's best trials
    lo, hi, _ = results["stages"][1]["lr"]
    assert all(10**lo <= t["lr"] <= 10**hi for t in trials if t["stage"] == 1)
    assert len((out / "history.jsonl").read_text().splitlines()) == 8
    assert (out / "plots" / "search_scatter.png").is_file()
    assert cap.out.count("best: stage") == 1


@pytest.mark.slow
def test_two_workers_share_one_sqlite_study(tmp_path):
    db = f"sqlite:///{tmp_path / 'study.db'}"
    env = {**os.environ, "VISREC_NO_PROGRESS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    args = [sys.executable, "-m", "visrec.cli.main", "search", *QUICK, "--trials", "6", "--storage", db,
            "--study", "shared"]
    procs = [subprocess.Popen([*args, "--out", str(tmp_path / f"w{i}")], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    results = [json.loads((tmp_path / f"w{i}" / "results.json").read_text()) for i in range(2)]
    numbers = [sorted(t["trial"] for t in r["trials"]) for r in results]
    # one study: 6 trials in all, not 6 per worker (a worker that began a trial just as the sixth finished
    # completes it, so a study of 2 workers may hold one more)
    assert numbers[0] == numbers[1] == list(range(len(numbers[0]))) and 6 <= len(numbers[0]) <= 7
    assert results[0]["best"] == results[1]["best"]  # the same best trial, reported once in each
    assert sum(t["trial"] == results[0]["best"]["trial"] for t in results[0]["trials"]) == 1
    import optuna

    study = optuna.load_study(study_name="shared", storage=db)
    assert len([t for t in study.trials if t.state.is_finished()]) == len(numbers[0])


@pytest.mark.slow
def test_cli_writes_results_table_plot_and_warns(tmp_path):
    """Seed 1 samples an lr at the top edge of 10**[-8, -1]; with plain SGD for one epoch it wins."""
    from typer.testing import CliRunner

    from visrec.cli.main import app

    out = tmp_path / "s"
    args = "search --data digits --trials 4 --stages 1 --epochs 1 --lr-range -8,-1 --seed 1 --optimizer sgd"
    args += " --reg-range -6,-5 --limit 300 --hidden 16 --out"
    result = CliRunner().invoke(app, [*args.split(), str(out)])
    assert result.exit_code == 0, result.output
    assert "random search" in result.output and "warning:" in result.output
    data = json.loads((out / "results.json").read_text())
    assert len(data["trials"]) == 4 and data["edge_warnings"]
    vals = [t["val_acc"] for t in data["trials"] if not t["aborted"]]
    assert vals == sorted(vals, reverse=True)
    assert (out / "results.csv").read_text().count("\n") == 5
    assert (out / "plots" / "search_scatter.png").stat().st_size > 1000
