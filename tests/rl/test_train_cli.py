"""`visrec rl train / evaluate / play`, `visrec ram train`: run directories, exact resume, clear errors."""

import json

import numpy as np
import pytest

from visrec.cli.main import main
from visrec.rl.train import RLTrainConfig, train_rl
from visrec.runs import load_arrays
from visrec.runs.session import TrainSession


def cli(capsys, *args):
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def _dqn_cfg(out, **kw):
    hp = dict(learning_starts=100, buffer_size=2000, batch_size=16, train_freq=4, gradient_steps=1,
              target_update_interval=50, hidden=[16], exploration_fraction=0.5)
    return RLTrainConfig(env="CartPole-v1", algo="dqn", total_timesteps=900, hyperparameters=hp,
                         use_preset=False, out=str(out), eval_every=400, eval_episodes=2,
                         final_eval_episodes=2, checkpoint_every=200, progress=False, **kw)


@pytest.mark.slow
def test_run_directory_and_exact_resume(tmp_path, monkeypatch):
    straight = train_rl(_dqn_cfg(tmp_path / "a"))
    assert straight["env_steps"] == 900

    original = TrainSession.should_stop
    monkeypatch.setattr(TrainSession, "should_stop", lambda self: self.step >= 350 or original(self))
    stopped = train_rl(_dqn_cfg(tmp_path / "b"))
    assert 350 <= stopped["env_steps"] < 900
    monkeypatch.setattr(TrainSession, "should_stop", original)
    resumed = train_rl(_dqn_cfg(tmp_path / "b").replace(resume=str(tmp_path / "b"), out=None))
    assert resumed["env_steps"] == 900

    a = load_arrays(tmp_path / "a" / "model.safetensors")
    b = load_arrays(tmp_path / "b" / "model.safetensors")
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    hist_a = [json.loads(x) for x in (tmp_path / "a" / "history.jsonl").read_text().splitlines()]
    hist_b = [json.loads(x) for x in (tmp_path / "b" / "history.jsonl").read_text().splitlines()]
    assert [h["episode_return"] for h in hist_a] == [h["episode_return"] for h in hist_b]
    assert all({"step", "elapsed_s", "episode_return", "rolling_return", "epsilon"} <= set(h) for h in hist_a)
    assert any("eval_return" in h for h in hist_a)
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["kind"] == "rl" and config["seed"] == 0 and config["hyperparameters"]["batch_size"] == 16
    assert (tmp_path / "a" / "plots" / "learning_curve.png").stat().st_size > 5000


def test_cli_train_evaluate_play_gridworld(tmp_path, capsys):
    run = tmp_path / "gw"
    code, out, err = cli(capsys, "rl", "train", "gridworld", "--algo", "qlearn", "--steps", "3000",
                         "--out", run, "--no-progress", "--final-episodes", "20")
    assert code == 0, err
    assert "qlearn on gridworld" in out
    code, out, err = cli(capsys, "rl", "evaluate", run, "--episodes", "30", "--json")
    assert code == 0, err
    res = json.loads(out)
    # the optimal policy on the 4x4 grid needs at most 3 moves: every return is in [-3, -1]
    assert len(res["returns"]) == 30 and all(-3 <= r <= -1 for r in res["returns"])
    code, out, err = cli(capsys, "rl", "play", run, "--gif", tmp_path / "gw.gif")
    assert code == 0, err
    assert (tmp_path / "gw.gif").stat().st_size > 500


def test_cli_gridworld_figure(tmp_path, capsys):
    code, out, err = cli(capsys, "rl", "gridworld", "--out", tmp_path)
    assert code == 0, err
    assert "-3.0" in out and (tmp_path / "random_vs_optimal.png").is_file()


@pytest.mark.parametrize("args,message", [
    (["rl", "train", "CartPol-v1"], "Did you mean 'CartPole-v1'"),
    (["rl", "train", "Pendulum-v1", "--algo", "dqn"], "discrete action space"),
    (["rl", "train", "CartPole-v1", "--algo", "dqm"], "must be one of"),
    (["rl", "train", "CartPole-v1", "--hp", "learnin_rate=1"], "did you mean 'learning_rate'"),
    (["rl", "evaluate", "no/such/run"], "no/such/run"),
])
def test_bad_inputs_exit_2_with_a_clear_message(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = cli(capsys, *args, *(["--no-progress", "--steps", "10"] if args[1] == "train" else []))
    assert code == 2
    assert message in err


def test_load_predictor_dispatches_on_kind_rl(tmp_path):
    from visrec.runs import load_predictor

    cfg = RLTrainConfig(env="gridworld", algo="qlearn", total_timesteps=2000, out=str(tmp_path / "q"),
                        final_eval_episodes=2, progress=False)
    train_rl(cfg)
    agent = load_predictor(tmp_path / "q")
    assert agent.predict(1)[0] == 1  # from the cell next to the top-left terminal: move left


def test_an_async_run_trains_and_loads_back_without_worker_processes(tmp_path, capsys):
    from visrec.rl.persist import load_algo

    hp = dict(n_envs=2, n_steps=32, batch_size=32, n_epochs=1, hidden=[16], vec_env="async")
    cfg = RLTrainConfig(env="CartPole-v1", algo="ppo", total_timesteps=256, hyperparameters=hp, use_preset=False,
                        out=str(tmp_path / "p"), eval_every=0, final_eval_episodes=2, progress=False)
    assert train_rl(cfg)["env_steps"] == 256
    assert json.loads((tmp_path / "p" / "model.json").read_text())["hyperparameters"]["vec_env"] == "async"
    algo = load_algo(tmp_path / "p")
    assert algo.config.vec_env == "sync" and type(algo.env).__name__ == "SyncVectorEnv"
    code, out, _ = cli(capsys, "rl", "evaluate", tmp_path / "p", "--episodes", "2", "--json")
    assert code == 0 and json.loads(out)["episodes"] == 2


def test_resume_goes_on_with_the_budget_clock(tmp_path):
    """A resumed RL run counts the seconds its history recorded (TrainSession.continue_budget): a spent
    --max-minutes is refused naming the flag; a larger one continues, and elapsed_s never goes back."""
    from visrec.utils.errors import ParameterError

    path = tmp_path / "r"
    stopped = train_rl(_dqn_cfg(path, max_minutes=1e-9))  # the budget ends after the first episode
    assert stopped["env_steps"] < 900 and stopped["status"].startswith("stopped at the")
    with pytest.raises(ParameterError, match="already used its 1e-09-minute budget"):
        train_rl(_dqn_cfg(path, max_minutes=1e-9).replace(resume=str(path), out=None))
    resumed = train_rl(_dqn_cfg(path, max_minutes=10).replace(resume=str(path), out=None))
    assert resumed["env_steps"] == 900
    elapsed = [json.loads(x)["elapsed_s"] for x in (path / "history.jsonl").read_text().splitlines()]
    assert elapsed == sorted(elapsed) and len(elapsed) > 1
