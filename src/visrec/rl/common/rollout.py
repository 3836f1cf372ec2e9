"""Rollout storage for on-policy algorithms (A2C, PPO): T steps of N parallel environments.

Advantages use generalized advantage estimation (Schulman et al. 2016):
``delta_t = r_t + gamma V(s_{t+1}) (1 - done_t) - V(s_t)``, ``A_t = delta_t + gamma lambda (1 - done_t)
A_{t+1}``. With lambda = 1 this is the actor-critic slide's ``A_t = sum_t' gamma^(t'-t) r_t' - V(s_t)``,
bootstrapped with V at the end of the rollout. Returns (the critic's regression target) are A + V.

>>> import torch
>>> adv, ret = compute_gae(torch.tensor([[1.0], [1.0]]), torch.zeros(2, 1), torch.tensor([[0.0], [1.0]]),
...                        last_values=torch.tensor([5.0]), gamma=0.5, gae_lambda=1.0)
>>> adv[:, 0].tolist()
[1.5, 1.0]
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["RolloutStorage", "compute_gae"]


def compute_gae(rewards, values, dones, last_values, gamma, gae_lambda):
    """rewards, values, dones: (T, N); last_values: (N,). Returns advantages and returns, both (T, N).

    ``dones[t]`` is 1 when the episode ended (terminal) at step t, so nothing flows back across it.
    """
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    next_adv = torch.zeros_like(last_values)
    next_value = last_values
    for t in reversed(range(T)):
        nonterminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * next_value * nonterminal - values[t]
        next_adv = delta + gamma * gae_lambda * nonterminal * next_adv
        advantages[t] = next_adv
        next_value = values[t]
    return advantages, advantages + values


class RolloutStorage:
    """Fixed-size buffers (T, N, ...) filled step by step, then turned into flat minibatches."""

    def __init__(self, n_steps: int, n_envs: int, obs_shape: tuple[int, ...], obs_dtype=torch.float32):
        self.n_steps, self.n_envs = n_steps, n_envs
        self.obs = torch.zeros((n_steps, n_envs, *obs_shape), dtype=obs_dtype)
        self.actions = torch.zeros((n_steps, n_envs), dtype=torch.long)
        self.rewards = torch.zeros((n_steps, n_envs))
        self.dones = torch.zeros((n_steps, n_envs))
        self.values = torch.zeros((n_steps, n_envs))
        self.log_probs = torch.zeros((n_steps, n_envs))
        self.step = 0

    def add(self, obs, actions, rewards, dones, values, log_probs) -> None:
        t = self.step
        self.obs[t] = torch.as_tensor(np.asarray(obs), dtype=self.obs.dtype)
        self.actions[t] = torch.as_tensor(actions)
        self.rewards[t] = torch.as_tensor(rewards, dtype=torch.float32)
        self.dones[t] = torch.as_tensor(dones, dtype=torch.float32)
        self.values[t], self.log_probs[t] = values, log_probs
        self.step += 1

    def finish(self, last_values, gamma: float, gae_lambda: float) -> None:
        self.advantages, self.returns = compute_gae(self.rewards, self.values, self.dones, last_values,
                                                    gamma, gae_lambda)
        self.step = 0

    def flat(self) -> dict[str, torch.Tensor]:
        """All fields flattened to (T * N, ...)."""
        def f(x):
            return x.reshape(self.n_steps * self.n_envs, *x.shape[2:])
        return {"obs": f(self.obs), "actions": f(self.actions), "values": f(self.values),
                "log_probs": f(self.log_probs), "advantages": f(self.advantages), "returns": f(self.returns)}
