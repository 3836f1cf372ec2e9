"""Advantage actor-critic, synchronous (A2C; Mnih et al. 2016, "A3C" without the asynchrony).

N environments step in parallel for T steps; then, with A_t = sum_t' gamma^(t'-t) r_t' - V_phi(s_t)
(bootstrapped n-step returns; ``gae_lambda`` < 1 gives GAE):

    theta <- theta + alpha grad_theta sum_t log pi_theta(a_t | s_t) A_t       (gradient ASCENT on J)
    phi   <- phi   - beta  grad_phi   sum_t (V_phi(s_t) - R_t)^2               (gradient DESCENT on the error)

The lecture's slide writes both updates with the opposite signs; these are the correct ones. With one
optimizer minimizing ``-J + vf_coef * L_V - ent_coef * H`` both happen in one step (the actor's term is
negated, so descent on it is ascent on J). Defaults are the paper's / stable-baselines3's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from visrec.rl.common.on_policy import OnPolicyAlgorithm
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["A2C", "A2CConfig", "actor_critic_loss"]


@dataclass
class A2CConfig:
    learning_rate: float = 7e-4
    n_steps: int = 5
    n_envs: int = 8
    gamma: float = 0.99
    gae_lambda: float = 1.0
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    rms_prop_eps: float = 1e-5
    normalize_advantage: bool = False
    hidden: tuple[int, ...] = (64, 64)
    vec_env: str = "sync"

    def __post_init__(self):
        o = "A2C"
        check_float("learning_rate", self.learning_rate, low=0, closed="neither", owner=o)
        check_int("n_steps", self.n_steps, low=1, owner=o)
        check_int("n_envs", self.n_envs, low=1, owner=o)
        check_choice("vec_env", self.vec_env, ("sync", "async"), owner=o)
        check_float("gamma", self.gamma, low=0, high=1, owner=o)
        check_float("gae_lambda", self.gae_lambda, low=0, high=1, owner=o)
        check_float("ent_coef", self.ent_coef, low=0, owner=o)
        check_float("vf_coef", self.vf_coef, low=0, owner=o)
        check_float("max_grad_norm", self.max_grad_norm, low=0, owner=o)
        self.hidden = tuple(int(h) for h in self.hidden)


def actor_critic_loss(log_probs, advantages, values, returns, entropy, vf_coef, ent_coef):
    """The quantity one optimizer minimizes: policy loss -E[log pi A] (A detached), value MSE, entropy.

    Returns (total, policy_loss, value_loss). Minimizing it ascends J in theta and descends the value
    error in phi (the slide's signs, corrected)."""
    policy_loss = -(log_probs * advantages.detach()).mean()
    value_loss = nn.functional.mse_loss(values, returns.detach())
    total = policy_loss + vf_coef * value_loss - ent_coef * entropy.mean()
    return total, policy_loss, value_loss


class A2C(OnPolicyAlgorithm):
    """``A2C("MlpPolicy", "CartPole-v1").learn(100_000)``."""

    config_class = A2CConfig
    algo_name = "a2c"

    def _make_optimizer(self):
        return torch.optim.RMSprop(self.policy.parameters(), lr=self.config.learning_rate, alpha=0.99,
                                   eps=self.config.rms_prop_eps)

    def _update(self) -> dict:
        c, b = self.config, self.rollout.flat()
        logits, values = self.policy(b["obs"])
        dist = torch.distributions.Categorical(logits=logits)
        adv = b["advantages"]
        if c.normalize_advantage:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        loss, pl, vl = actor_critic_loss(dist.log_prob(b["actions"]), adv, values, b["returns"],
                                         dist.entropy(), c.vf_coef, c.ent_coef)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.policy.parameters(), c.max_grad_norm)
        self.optimizer.step()
        return {"policy_loss": float(pl.detach()), "value_loss": float(vl.detach())}
