"""``visrec rl train``: one algorithm on one environment, recorded as a run directory.

The algorithm drives its own loop (``learn``); this module hooks into it at every finished episode to
append ``history.jsonl`` (return vs environment steps and wall time), evaluate every ``eval_every`` steps
(deterministic policy, a separate environment, so training's random streams are untouched), checkpoint
every ``checkpoint_every`` steps (at an episode boundary, so a resume continues exactly for single-env
algorithms), and stop at the ``max_minutes`` budget or on Ctrl-C. At the end: model.safetensors +
model.json (kind "rl"), a final evaluation over ``final_eval_episodes``, metrics.json and
plots/learning_curve.png.

Small networks run fastest on one torch thread here (``threads=1``, the default for MLP policies).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from visrec.rl.common.env_factory import is_atari, make_env
from visrec.rl.common.evaluation import evaluate_policy
from visrec.rl.persist import build_algo, save_policy
from visrec.rl.presets import default_timesteps, preset
from visrec.runs import RunConfig, TrainSession
from visrec.utils.errors import DataError, ParameterError

__all__ = ["RLTrainConfig", "train_rl", "resolve_hyperparameters"]


@dataclass
class RLTrainConfig(RunConfig):
    """Settings of ``visrec rl train`` (hyperparameters of the algorithm go in ``hyperparameters``)."""

    kind: ClassVar[str] = "rl"
    engine: ClassVar[str] = "torch"
    env: str = "CartPole-v1"
    algo: str = "dqn"
    policy: str = "auto"
    total_timesteps: int = 0  # 0: the preset's (e.g. 50k for DQN on CartPole)
    hyperparameters: dict | None = None
    use_preset: bool = True
    eval_every: int = 0  # environment steps between evaluations (0 = off)
    eval_episodes: int = 10
    final_eval_episodes: int = 100
    checkpoint_every: int = 10_000
    max_minutes: float = 0.0
    threads: int = 1
    target_return: float | None = None  # noted in history/metrics when an evaluation first reaches it

    def validate(self) -> None:
        super().validate()
        self.check("choice", "algo", choices=("qlearn", "dqn", "reinforce", "a2c", "ppo"))
        self.check("choice", "policy", choices=("auto", "MlpPolicy", "CnnPolicy", "tabular"))
        for name in ("total_timesteps", "eval_every", "threads"):
            self.check("int", name, low=0)
        for name in ("eval_episodes", "final_eval_episodes", "checkpoint_every"):
            self.check("int", name, low=1)
        self.check("float", "max_minutes", low=0.0)


def resolve_hyperparameters(cfg: RLTrainConfig) -> dict:
    """The preset for (env, algo) unless ``use_preset`` is off, updated by ``cfg.hyperparameters``."""
    hp = preset(cfg.env, cfg.algo, is_atari(cfg.env)) if cfg.use_preset else {}
    hp.update(cfg.hyperparameters or {})
    return hp


def _plot_curves(history: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    eps = [r for r in history if "episode_return" in r]
    evals = [r for r in history if "eval_return" in r]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for ax, key, label in ((axes[0], "step", "environment steps"), (axes[1], "elapsed_s", "wall time (s)")):
        x = [r[key] for r in eps]
        ax.plot(x, [r["episode_return"] for r in eps], alpha=0.3, label="episode return")
        ax.plot(x, [r["rolling_return"] for r in eps], label="mean of last 100")
        if evals:
            ax.plot([r[key] for r in evals], [r["eval_return"] for r in evals], "o-", label="evaluation")
        ax.set_xlabel(label)
        ax.set_ylabel("return")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def train_rl(cfg: RLTrainConfig) -> dict:
    """Train, evaluate and record; returns metrics.json's content."""
    threads = cfg.threads or torch.get_num_threads()
    if cfg.policy == "CnnPolicy" or (cfg.policy == "auto" and is_atari(cfg.env)):
        threads = cfg.threads if cfg.threads > 1 else torch.get_num_threads()
    torch.set_num_threads(threads)
    make_env(cfg.env).close()  # a bad name fails here, before a run directory is made
    hp = resolve_hyperparameters(cfg)
    algo = build_algo(cfg.algo, cfg.env, cfg.policy, cfg.seed, hp)
    total = cfg.total_timesteps or default_timesteps(cfg.env, cfg.algo, is_atari(cfg.env))
    eval_env = make_env(cfg.env)
    with TrainSession(cfg, command="rl train", total_steps=total, write_config=False,
                      resume_hint=None) as s:
        s.resume_hint = f"Resume with: visrec rl train --resume {s.run.path}"
        extra = {"hyperparameters": dataclasses.asdict(algo.config), "total_timesteps": total,
                 "torch_threads": threads, "policy_class": algo.policy_name}
        if not s.resumed:
            s.run.write_config(cfg, extra=extra)
        else:
            if not s.run.has_checkpoint("last"):
                raise DataError(f"--resume {s.run.path}: no checkpoints/last to continue from.")
            tensors, meta = s.run.load_checkpoint("last")
            if meta["algo"] != cfg.algo or meta["env"] != cfg.env:
                raise ParameterError(f"--resume {s.run.path} is a {meta['algo']} run on {meta['env']}; got "
                                     f"--algo {cfg.algo} on {cfg.env}. Resume with the run's own settings.")
            algo.load_state(tensors, meta)
            s.run.rewrite_history([r for r in s.run.history() if r["step"] <= algo.num_timesteps])
            s.continue_budget(algo.num_timesteps)
        recent = [r["episode_return"] for r in s.run.history() if "episode_return" in r][-100:]
        state = {"next_eval": _next(algo.num_timesteps, cfg.eval_every),
                 "next_ckpt": _next(algo.num_timesteps, cfg.checkpoint_every), "solved_at": None}
        if s.progress is not None:
            s.progress.start_at(algo.num_timesteps)

        def checkpoint(a) -> None:
            tensors, meta = a.state()
            s.run.save_checkpoint("last", tensors, meta)

        def on_episode(a, rec: dict):
            recent.append(rec["episode_return"])
            del recent[:-100]
            rec = {**rec, "epoch": None, "rolling_return": float(np.mean(recent))}
            if hasattr(a, "epsilon"):
                rec["epsilon"] = round(float(a.epsilon), 5)
            if cfg.eval_every and a.num_timesteps >= state["next_eval"]:
                ev = evaluate_policy(a, eval_env, cfg.eval_episodes, seed=10_000)
                rec["eval_return"], rec["eval_std"] = ev["mean_return"], ev["std_return"]
                state["next_eval"] = _next(a.num_timesteps, cfg.eval_every)
                if (cfg.target_return is not None and state["solved_at"] is None
                        and ev["mean_return"] >= cfg.target_return):
                    state["solved_at"] = {"step": a.num_timesteps, "elapsed_s": rec["elapsed_s"]}
            s.run.append_history(rec)
            s.step = a.num_timesteps
            if s.progress is not None:
                s.progress.advance(a.num_timesteps, None)
            if a.num_timesteps >= state["next_ckpt"]:
                checkpoint(a)
                state["next_ckpt"] = _next(a.num_timesteps, cfg.checkpoint_every)
            return not s.should_stop()

        s.on_interrupt = lambda _s: checkpoint(algo)
        remaining = total - algo.num_timesteps
        try:
            if remaining > 0:
                algo.learn(remaining, callback=on_episode, reset_num_timesteps=False)
        finally:
            algo.close()
        s.step = algo.num_timesteps
        checkpoint(algo)
        final = evaluate_policy(algo, eval_env, cfg.final_eval_episodes, seed=20_000)
        save_policy(s.run, algo, {"final_mean_return": final["mean_return"]})
        _plot_curves(s.run.history(), s.run.plots / "learning_curve.png")
        metrics = {"env": cfg.env, "algo": cfg.algo, "env_steps": algo.num_timesteps,
                   "episodes": algo.num_episodes, "updates": algo.num_updates,
                   "train_seconds": round(algo.elapsed_s, 3), "final_mean_return": final["mean_return"],
                   "final_std_return": final["std_return"], "final_eval_episodes": cfg.final_eval_episodes,
                   "solved_at": state["solved_at"], "seed": cfg.seed, "run_dir": str(s.run.path)}
        if s.status == "running" and algo.num_timesteps < total:
            s.status = "stopped early"
        return s.finish(metrics)


def _next(now: int, every: int) -> int:
    return (now // every + 1) * every if every else 1 << 62
