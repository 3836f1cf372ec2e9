"""Tabular Q-learning (Watkins 1989): the Bellman optimality equation as a stochastic update.

    Q(s, a) <- Q(s, a) + alpha [y - Q(s, a)],  y = r if s' is terminal else r + gamma max_a' Q(s', a')

with epsilon-greedy exploration (``argmax`` of Q with probability 1 - epsilon). Same shape as the deep
algorithms: ``QLearning("tabular", "gridworld").learn(5000)``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from visrec.rl.common.base import BaseAlgorithm, EpisodeCallback
from visrec.rl.common.env_factory import check_discrete_actions
from visrec.rl.common.errors import ParameterError
from visrec.rl.common.schedules import LinearSchedule
from visrec.utils.validation import check_float, check_int

__all__ = ["QLearning", "QLearningConfig"]


@dataclass
class QLearningConfig:
    learning_rate: float = 0.1
    gamma: float = 0.99
    exploration_fraction: float = 0.5
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.05

    def __post_init__(self):
        o = "QLearning"
        check_float("learning_rate", self.learning_rate, low=0, high=1, closed="right", owner=o)
        check_float("gamma", self.gamma, low=0, high=1, owner=o)
        check_float("exploration_fraction", self.exploration_fraction, low=0, high=1, owner=o)
        check_float("exploration_initial_eps", self.exploration_initial_eps, low=0, high=1, owner=o)
        check_float("exploration_final_eps", self.exploration_final_eps, low=0, high=1, owner=o)


class QLearning(BaseAlgorithm):
    """Tabular Q-learning on a Discrete observation and action space; the table is ``Q`` (S, A)."""

    config_class = QLearningConfig
    algo_name = "qlearn"

    def _setup(self) -> None:
        if self.policy_name != "tabular":
            raise ParameterError(f"QLearning takes policy 'tabular'; got {self.policy_name!r}.")
        if not isinstance(self.env.observation_space, gym.spaces.Discrete):
            raise ParameterError(
                f"Tabular Q-learning needs a discrete observation space (a table row per state); the "
                f"environment has {self.env.observation_space}. Use --algo dqn for continuous observations.")
        self.n_actions = check_discrete_actions(self.env, "Tabular Q-learning")
        self.Q = np.zeros((int(self.env.observation_space.n), self.n_actions))
        self._total_timesteps = 0

    def _act(self, obs, deterministic):
        return self.Q[np.asarray(obs, dtype=int).reshape(-1)].argmax(axis=1)

    def learn(self, total_timesteps: int, callback: EpisodeCallback | None = None,
              reset_num_timesteps: bool = True) -> QLearning:
        c = self.config
        check_int("total_timesteps", total_timesteps, low=1, owner="QLearning.learn")
        if reset_num_timesteps:
            self.num_timesteps = 0
        self._total_timesteps = self.num_timesteps + total_timesteps
        eps = LinearSchedule(c.exploration_initial_eps, c.exploration_final_eps,
                             int(c.exploration_fraction * self._total_timesteps))
        start = time.perf_counter()
        s, ep_ret, ep_len, keep_going = int(self._reset_env()), 0.0, 0, True
        while keep_going and self.num_timesteps < self._total_timesteps:
            if self.rng.random() < eps(self.num_timesteps):
                a = int(self.rng.integers(self.n_actions))
            else:  # argmax with random tie-breaking (an all-zero row must not always pick action 0)
                row = self.Q[s]
                a = int(self.rng.choice(np.flatnonzero(row == row.max())))
            s2, r, terminated, truncated, _ = self.env.step(a)
            y = r if terminated else r + c.gamma * self.Q[s2].max()
            self.Q[s, a] += c.learning_rate * (y - self.Q[s, a])
            self.num_timesteps += 1
            self.num_updates += 1
            ep_ret, ep_len, s = ep_ret + float(r), ep_len + 1, int(s2)
            if terminated or truncated:
                keep_going = self._episode_done(ep_ret, ep_len, callback, start)
                if keep_going:  # a stopped run resets on its next learn (so a resume is exact)
                    s, ep_ret, ep_len = int(self._reset_env()), 0.0, 0
        self.elapsed_s += time.perf_counter() - start
        return self

    def extra_tensors(self):
        return {"Q": self.Q}

    def load_extra_tensors(self, tensors, meta):
        self.Q = np.array(tensors["Q"], dtype=np.float64)
