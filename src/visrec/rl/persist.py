"""Algorithms by name, and trained policies saved to / loaded from a run directory (model.json kind "rl").

``load_predictor(run_dir)`` returns the algorithm object, whose ``predict(obs, deterministic=True)`` gives
``(action, None)`` as in stable-baselines3 (the registry's ``PREDICTOR_LOADERS`` entry for kind "rl").
"""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

import numpy as np
import torch

from visrec.rl.a2c import A2C
from visrec.rl.common.env_factory import is_atari
from visrec.rl.common.errors import DataError, ParameterError
from visrec.rl.dqn import DQN
from visrec.rl.ppo import PPO
from visrec.rl.reinforce import REINFORCE
from visrec.rl.tabular.qlearning import QLearning

__all__ = ["ALGOS", "build_algo", "save_policy", "load_algo", "load_predictor", "default_policy"]

ALGOS = {"qlearn": QLearning, "dqn": DQN, "reinforce": REINFORCE, "a2c": A2C, "ppo": PPO}


def default_policy(env: str, algo: str) -> str:
    if algo == "qlearn":
        return "tabular"
    return "CnnPolicy" if is_atari(env) else "MlpPolicy"


def build_algo(algo: str, env: str, policy: str = "auto", seed: int = 0, hyperparameters: dict | None = None):
    """``ALGOS[algo](policy, env, seed=seed, **hyperparameters)``, with the names checked."""
    if algo not in ALGOS:
        close = difflib.get_close_matches(str(algo), list(ALGOS), n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ParameterError(f"Unknown --algo {algo!r}; expected one of {', '.join(ALGOS)}.{hint}")
    cls = ALGOS[algo]
    hp = dict(hyperparameters or {})
    known = {f.name for f in dataclasses.fields(cls.config_class)}
    for key in hp:
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ParameterError(f"{cls.__name__} has no hyperparameter {key!r}{hint}. "
                                 f"Known: {', '.join(sorted(known))}.")
    if "hidden" in hp:
        hp["hidden"] = tuple(hp["hidden"])
    policy = default_policy(env, algo) if policy == "auto" else policy
    return cls(policy, env, seed=seed, **hp)


def policy_tensors(algo) -> dict[str, np.ndarray]:
    """What inference needs: module weights (and the Q table), not the replay memory or optimizer."""
    tensors, _ = algo.state()
    return {k: v for k, v in tensors.items() if k.startswith("module.") or k == "extra.Q"}


def save_policy(run, algo, extra: dict | None = None) -> None:
    meta = {"kind": "rl", "algo": algo.algo_name, "env": algo.env_name, "policy": algo.policy_name,
            "seed": algo.seed, "hyperparameters": dataclasses.asdict(algo.config),
            "num_timesteps": algo.num_timesteps, **(extra or {})}
    run.save_model(policy_tensors(algo), meta)


def load_algo(run_dir: str | Path):
    """Rebuild the algorithm of a ``visrec rl train`` run with its trained weights."""
    from visrec.runs import RunDir, load_arrays, read_json

    run = RunDir(run_dir)
    if (run.path / "model.json").is_file():
        meta = read_json(run.path / "model.json", "the run's model")
        tensors = load_arrays(run.path / "model.safetensors")
    elif run.has_checkpoint("last"):
        tensors, meta = run.load_checkpoint("last")
        meta = {**meta, "hyperparameters": meta["config"]}
    else:
        raise DataError(f"{run_dir} holds no trained policy (no model.json, no checkpoints/last); "
                        "pass a run directory written by `visrec rl train`.")
    if meta.get("kind", "rl") != "rl":
        raise DataError(f"{run_dir} holds a model of kind {meta.get('kind')!r}, not an RL policy.")
    hp = dict(meta["hyperparameters"])
    if "vec_env" in hp:
        hp["vec_env"] = "sync"  # inference steps no training environments: no worker processes
    algo = build_algo(meta["algo"], meta["env"], meta["policy"], meta.get("seed", 0), hp)
    for name, module in algo.modules().items():
        prefix = f"module.{name}."
        module.load_state_dict({k[len(prefix):]: torch.as_tensor(np.asarray(v)) for k, v in tensors.items()
                                if k.startswith(prefix)})
    if "extra.Q" in tensors:
        algo.Q = np.array(tensors["extra.Q"], dtype=np.float64)
    algo.num_timesteps = int(meta.get("num_timesteps", 0))
    return algo


def load_predictor(run_dir, device: str = "cpu"):
    """PREDICTOR_LOADERS entry for kind "rl": the algorithm, ready for ``predict(obs)``."""
    return load_algo(run_dir)
