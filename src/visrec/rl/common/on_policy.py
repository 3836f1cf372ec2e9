"""The loop A2C and PPO share: step N vectorized environments for T steps, then update on the rollout.

Episodes that end by a time limit (truncation) are not terminal: their last reward gets ``gamma V(s_T)``
added, so the advantage bootstraps exactly as if the episode had continued (as stable-baselines3 does).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from visrec.rl.common.base import BaseAlgorithm, EpisodeCallback
from visrec.rl.common.env_factory import check_discrete_actions, make_vec_env
from visrec.rl.common.policies import ActorCritic, check_policy
from visrec.rl.common.rollout import RolloutStorage
from visrec.utils.validation import check_int

__all__ = ["OnPolicyAlgorithm"]


class OnPolicyAlgorithm(BaseAlgorithm):
    """Base of A2C and PPO; subclasses define ``_make_optimizer`` and ``_update``."""

    def _make_env(self, name, seed):
        return make_vec_env(name, self.config.n_envs, seed=seed, asynchronous=self.config.vec_env == "async")

    def _setup(self) -> None:
        check_policy(self.policy_name)
        c = self.config
        self.n_actions = check_discrete_actions(self.env, self.algo_name.upper())
        space = self.env.single_observation_space
        self.policy = ActorCritic(space, self.n_actions, self.policy_name, c.hidden)
        self.optimizer = self._make_optimizer()
        obs_dtype = torch.uint8 if space.dtype == np.uint8 else torch.float32
        shape = () if space.shape is None else space.shape
        self.rollout = RolloutStorage(c.n_steps, self.env.num_envs, shape, obs_dtype)
        self._obs = None
        self._total_timesteps = 0

    def _make_optimizer(self) -> torch.optim.Optimizer:
        raise NotImplementedError

    def _update(self) -> dict:
        raise NotImplementedError

    def _act(self, obs, deterministic):
        logits, _ = self.policy(obs)
        if deterministic:
            return logits.argmax(dim=1).numpy()
        return torch.distributions.Categorical(logits=logits).sample().numpy()

    def predict(self, obs, deterministic: bool = True):
        obs_arr = np.asarray(obs)
        single = obs_arr.shape == tuple(self.env.single_observation_space.shape or ())
        with torch.no_grad():
            actions = self._act(torch.as_tensor(obs_arr[None] if single else obs_arr), deterministic)
        return (int(actions[0]) if single else actions), None

    def learn(self, total_timesteps: int, callback: EpisodeCallback | None = None,
              reset_num_timesteps: bool = True):
        """Collect rollouts of n_steps x n_envs steps and update until ``total_timesteps`` more steps."""
        c = self.config
        check_int("total_timesteps", total_timesteps, low=1, owner=f"{type(self).__name__}.learn")
        if reset_num_timesteps:
            self.num_timesteps = 0
        self._total_timesteps = self.num_timesteps + total_timesteps
        start = time.perf_counter()
        n = self.env.num_envs
        if self._obs is None:
            # first run: the user's seed; after a resume: a seed derived from it (reproducible episodes)
            seed = self.seed if not self._env_seeded else self.seed + 7919 * self.num_updates
            self._obs = self.env.reset(seed=seed)[0]
            self._env_seeded = True
            self._ep_ret, self._ep_len = np.zeros(n), np.zeros(n, dtype=int)
        keep_going = True
        while keep_going and self.num_timesteps < self._total_timesteps:
            for _ in range(c.n_steps):
                obs_t = torch.as_tensor(self._obs)
                with torch.no_grad():
                    logits, values = self.policy(obs_t)
                    dist = torch.distributions.Categorical(logits=logits)
                    actions = dist.sample()
                next_obs, rewards, terminated, truncated, infos = self.env.step(actions.numpy())
                rewards = np.asarray(rewards, dtype=np.float64)
                self._ep_ret += rewards
                self._ep_len += 1
                bootstrap = rewards.copy()
                for i in np.flatnonzero(truncated & ~terminated):  # time limit: bootstrap from V(s_T)
                    final = torch.as_tensor(np.asarray(infos["final_obs"][i])[None])
                    with torch.no_grad():
                        bootstrap[i] += c.gamma * float(self.policy(final)[1][0])
                self.rollout.add(self._obs, actions, bootstrap, terminated | truncated, values,
                                 dist.log_prob(actions))
                self._obs = next_obs
                self.num_timesteps += n
                for i in np.flatnonzero(terminated | truncated):
                    if not self._episode_done(self._ep_ret[i], self._ep_len[i], callback, start):
                        keep_going = False
                    self._ep_ret[i], self._ep_len[i] = 0.0, 0
            with torch.no_grad():
                last_values = self.policy(torch.as_tensor(self._obs))[1]
            self.rollout.finish(last_values, c.gamma, c.gae_lambda)
            self._update()
            self.num_updates += 1
        self.elapsed_s += time.perf_counter() - start
        return self

    def modules(self):
        return {"policy": self.policy}

    def optimizers(self):
        return {"optimizer": self.optimizer}

    def load_state(self, tensors, meta):
        super().load_state(tensors, meta)
        self._obs = None  # the vectorized envs start fresh episodes after a resume
        self._env_seeded = True
