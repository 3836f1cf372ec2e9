"""What every algorithm shares: construction from (policy, env, **hyperparameters), episode bookkeeping,
``predict``, and a checkpointable state (weights, optimizer, replay, every RNG) for exact resume.

Subclasses set ``config_class`` (a dataclass of hyperparameters with the paper's defaults, validated in
``__post_init__``) and implement ``_setup``, ``learn``, ``_act`` and the tensors of their state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from typing import ClassVar

import numpy as np
import torch

from visrec.rl.common.checkpoint import pack_training_state, unpack_training_state
from visrec.rl.common.env_factory import make_env
from visrec.rl.common.seeding import generator_from_state, generator_state

__all__ = ["BaseAlgorithm", "EpisodeCallback"]

EpisodeCallback = Callable[["BaseAlgorithm", dict], bool | None]
"""Called after every finished episode with its record; return False to stop learning."""


class BaseAlgorithm:
    """Base of the SB3-shaped algorithms: ``Algo(policy, env, **hp).learn(total_timesteps)``.

    Parameters
    ----------
    policy : str
        "MlpPolicy" or "CnnPolicy" (or "tabular" for tabular Q-learning).
    env : str or gymnasium.Env
        An environment or its name (see :func:`visrec.rl.common.env_factory.make_env`).
    seed : int
        Seeds torch, the algorithm's NumPy generator and the environment.
    **hyperparameters
        Fields of ``config_class``.
    """

    config_class: ClassVar[type]
    algo_name: ClassVar[str] = "base"

    def __init__(self, policy: str, env, seed: int = 0, **hyperparameters):
        self.config = self.config_class(**hyperparameters)
        self.env_name = env if isinstance(env, str) else getattr(getattr(env, "spec", None), "id", "custom")
        self.env = self._make_env(env, seed) if isinstance(env, str) else env
        self.policy_name, self.seed = policy, int(seed)
        torch.manual_seed(seed)
        self.rng = np.random.default_rng(seed)
        self.num_timesteps, self.num_episodes, self.num_updates = 0, 0, 0
        self._total_timesteps = 0  # the end of the current learn() horizon
        self.elapsed_s = 0.0
        self._env_seeded = False
        self._setup()

    # -- construction ---------------------------------------------------------------------------
    def _make_env(self, name: str, seed: int):
        return make_env(name, seed=seed)

    def _setup(self) -> None:
        raise NotImplementedError

    # -- environment helpers --------------------------------------------------------------------
    def _reset_env(self):
        """Reset; the first reset seeds the env, later ones continue its RNG (so resume is exact)."""
        if not self._env_seeded:
            self._env_seeded = True
            return self.env.reset(seed=self.seed)[0]
        return self.env.reset()[0]

    def _episode_done(self, episode_return: float, length: int, callback: EpisodeCallback | None,
                      start_time: float) -> bool:
        """Record a finished episode; True if learning should continue."""
        self.num_episodes += 1
        record = {
            "step": self.num_timesteps, "episode": self.num_episodes, "episode_return": float(episode_return),
            "episode_length": int(length), "elapsed_s": self.elapsed_s + time.perf_counter() - start_time,
            "updates": self.num_updates,
        }
        return callback is None or callback(self, record) is not False

    # -- acting ---------------------------------------------------------------------------------
    def _act(self, obs: torch.Tensor, deterministic: bool) -> np.ndarray:
        raise NotImplementedError

    def predict(self, obs, deterministic: bool = True):
        """Action(s) for an observation (or a batch), SB3-style: returns ``(action, None)``."""
        obs_arr = np.asarray(obs)
        single = obs_arr.shape == tuple(self.env.observation_space.shape or ())
        batch = torch.as_tensor(obs_arr[None] if single else obs_arr)
        with torch.no_grad():
            actions = self._act(batch, deterministic)
        return (int(actions[0]) if single else actions), None

    def _progress_remaining(self) -> float:
        """1 at the start of the current ``learn`` horizon, 0 at its end (schedules decay with it)."""
        return 1.0 - self.num_timesteps / max(self._total_timesteps, 1)

    def close(self) -> None:
        """Close the environment (and an AsyncVectorEnv's worker processes)."""
        self.env.close()

    # -- state for checkpoints ------------------------------------------------------------------
    def modules(self) -> dict[str, torch.nn.Module]:
        return {}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {}

    def extra_tensors(self) -> dict[str, np.ndarray]:
        """Arrays beyond module weights (replay memory, tabular Q)."""
        return {}

    def load_extra_tensors(self, tensors: dict[str, np.ndarray], meta: dict) -> None:
        pass

    def state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Everything needed to continue exactly: (arrays by name, JSON-serializable meta)."""
        tensors, packed = pack_training_state(self.modules(), self.optimizers())
        tensors.update({f"extra.{k}": v for k, v in self.extra_tensors().items()})
        env_rng = getattr(self.env.unwrapped, "_np_random", None)
        meta = {
            "algo": self.algo_name, "policy": self.policy_name, "env": self.env_name, "seed": self.seed,
            "config": asdict(self.config), "num_timesteps": self.num_timesteps,
            "num_episodes": self.num_episodes, "num_updates": self.num_updates, "elapsed_s": self.elapsed_s,
            "optimizers": packed["optimizers"], "rng_numpy": generator_state(self.rng),
            "rng_env": generator_state(env_rng) if env_rng is not None else None,
            "env_seeded": self._env_seeded,
        }
        return tensors, meta

    def load_state(self, tensors: dict[str, np.ndarray], meta: dict) -> None:
        unpack_training_state(tensors, meta, self.modules(), self.optimizers())
        self.load_extra_tensors({k[6:]: v for k, v in tensors.items() if k.startswith("extra.")}, meta)
        self.rng = generator_from_state(meta["rng_numpy"])
        if meta.get("rng_env") is not None:
            self.env.unwrapped.np_random = generator_from_state(meta["rng_env"])
        self._env_seeded = bool(meta.get("env_seeded", True))
        self.num_timesteps, self.num_episodes = int(meta["num_timesteps"]), int(meta["num_episodes"])
        self.num_updates, self.elapsed_s = int(meta["num_updates"]), float(meta["elapsed_s"])
