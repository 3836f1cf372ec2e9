"""Proximal policy optimization with the clipped surrogate (Schulman et al. 2017).

After each rollout (n_steps x n_envs), ``n_epochs`` passes of minibatch updates on

    L = -E[min(rho A, clip(rho, 1 - eps, 1 + eps) A)] + vf_coef E[(V - R)^2] - ent_coef E[H],
    rho = pi_theta(a|s) / pi_theta_old(a|s),

with GAE advantages normalized per minibatch. Defaults are the paper's Atari/MuJoCo settings as
stable-baselines3 ships them. ``lr_schedule="linear"`` / ``clip_schedule="linear"`` decay to 0 over
the run (the RL Zoo's ``lin_`` values).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from visrec.rl.common.on_policy import OnPolicyAlgorithm
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["PPO", "PPOConfig", "clipped_surrogate"]


@dataclass
class PPOConfig:
    learning_rate: float = 3e-4
    n_steps: int = 2048
    n_envs: int = 1
    batch_size: int = 64
    n_epochs: int = 10
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    normalize_advantage: bool = True
    lr_schedule: str = "constant"
    clip_schedule: str = "constant"
    hidden: tuple[int, ...] = (64, 64)
    vec_env: str = "sync"

    def __post_init__(self):
        o = "PPO"
        check_float("learning_rate", self.learning_rate, low=0, closed="neither", owner=o)
        check_int("n_steps", self.n_steps, low=1, owner=o)
        check_int("n_envs", self.n_envs, low=1, owner=o)
        check_choice("vec_env", self.vec_env, ("sync", "async"), owner=o)
        check_int("batch_size", self.batch_size, low=1, owner=o)
        check_int("n_epochs", self.n_epochs, low=1, owner=o)
        check_float("gamma", self.gamma, low=0, high=1, owner=o)
        check_float("gae_lambda", self.gae_lambda, low=0, high=1, owner=o)
        check_float("clip_range", self.clip_range, low=0, closed="neither", owner=o)
        check_float("ent_coef", self.ent_coef, low=0, owner=o)
        check_float("vf_coef", self.vf_coef, low=0, owner=o)
        check_choice("lr_schedule", self.lr_schedule, ("constant", "linear"), owner=o)
        check_choice("clip_schedule", self.clip_schedule, ("constant", "linear"), owner=o)
        self.hidden = tuple(int(h) for h in self.hidden)


def clipped_surrogate(log_probs, old_log_probs, advantages, clip_range):
    """-E[min(rho A, clip(rho, 1 - eps, 1 + eps) A)], rho = exp(log pi - log pi_old). Returns a scalar."""
    ratio = torch.exp(log_probs - old_log_probs)
    clipped = torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    return -torch.min(ratio * advantages, clipped * advantages).mean()


class PPO(OnPolicyAlgorithm):
    """``PPO("MlpPolicy", "CartPole-v1", n_envs=8, n_steps=32).learn(100_000)``."""

    config_class = PPOConfig
    algo_name = "ppo"

    def _make_optimizer(self):
        return torch.optim.Adam(self.policy.parameters(), lr=self.config.learning_rate, eps=1e-5)

    def _update(self) -> dict:
        c = self.config
        frac = self._progress_remaining() if self._total_timesteps else 1.0
        lr = c.learning_rate * (frac if c.lr_schedule == "linear" else 1.0)
        clip = c.clip_range * (frac if c.clip_schedule == "linear" else 1.0)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        b = self.rollout.flat()
        n = b["actions"].shape[0]
        stats = {}
        for _ in range(c.n_epochs):
            perm = torch.randperm(n)
            for start in range(0, n, c.batch_size):
                idx = perm[start:start + c.batch_size]
                logits, values = self.policy(b["obs"][idx])
                dist = torch.distributions.Categorical(logits=logits)
                adv = b["advantages"][idx]
                if c.normalize_advantage and len(idx) > 1:
                    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                pl = clipped_surrogate(dist.log_prob(b["actions"][idx]), b["log_probs"][idx], adv, clip)
                vl = nn.functional.mse_loss(values, b["returns"][idx])
                loss = pl + c.vf_coef * vl - c.ent_coef * dist.entropy().mean()
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.policy.parameters(), c.max_grad_norm)
                self.optimizer.step()
                stats = {"policy_loss": float(pl.detach()), "value_loss": float(vl.detach())}
        return stats
