"""REINFORCE (Williams 1992): Monte-Carlo policy gradient, with the lecture's variance reductions.

    grad J(theta) = E[ sum_t grad log pi_theta(a_t | s_t) (G_t - b(s_t)) ]

- ``reward_to_go=True`` (causality): G_t = sum_{t' >= t} gamma^(t'-t) r_t' instead of the whole-episode
  return r(tau) for every step;
- ``gamma`` < 1 discounts later rewards;
- ``baseline``: "none", "moving_average" (an exponential average of past returns) or "value" (a learned
  V_phi(s_t) regressed on G_t; then G_t - V(s_t) is an advantage estimate).

The gradient does not involve the environment's dynamics: only log pi of the actions taken.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from visrec.rl.common.base import BaseAlgorithm, EpisodeCallback
from visrec.rl.common.env_factory import check_discrete_actions
from visrec.rl.common.policies import ActorCritic, check_policy
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["REINFORCE", "REINFORCEConfig", "discounted_returns", "reinforce_surrogate"]


@dataclass
class REINFORCEConfig:
    learning_rate: float = 1e-2
    gamma: float = 0.99
    reward_to_go: bool = True
    baseline: str = "value"
    baseline_momentum: float = 0.9
    value_learning_rate: float = 1e-2
    episodes_per_update: int = 4
    normalize_advantage: bool = False
    max_grad_norm: float = 0.0
    hidden: tuple[int, ...] = (64, 64)

    def __post_init__(self):
        o = "REINFORCE"
        check_float("learning_rate", self.learning_rate, low=0, closed="neither", owner=o)
        check_float("gamma", self.gamma, low=0, high=1, owner=o)
        check_choice("baseline", self.baseline, ("none", "moving_average", "value"), owner=o)
        check_float("baseline_momentum", self.baseline_momentum, low=0, high=1, owner=o)
        check_int("episodes_per_update", self.episodes_per_update, low=1, owner=o)
        self.hidden = tuple(int(h) for h in self.hidden)


def discounted_returns(rewards, gamma: float, reward_to_go: bool = True) -> np.ndarray:
    """(T,) rewards -> (T,) G_t = sum_{t'>=t} gamma^(t'-t) r_t' (or the episode's G_0 at every t).

    >>> discounted_returns([1.0, 1.0, 1.0], 0.5).tolist()
    [1.75, 1.5, 1.0]
    >>> discounted_returns([1.0, 1.0, 1.0], 0.5, reward_to_go=False).tolist()
    [1.75, 1.75, 1.75]
    """
    r = np.asarray(rewards, dtype=np.float64)
    G = np.zeros_like(r)
    acc = 0.0
    for t in reversed(range(len(r))):
        acc = r[t] + gamma * acc
        G[t] = acc
    return G if reward_to_go else np.full_like(r, G[0] if len(r) else 0.0)


def reinforce_surrogate(log_probs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """A loss whose gradient is minus the REINFORCE estimate (summed over the steps given):
    -sum_t log pi(a_t|s_t) * weight_t. Divide by the number of episodes for the average.

    ``weights`` (G_t - b_t) are treated as constants. Minimizing it is gradient ascent on J."""
    return -(log_probs * weights.detach()).sum()


class REINFORCE(BaseAlgorithm):
    """``REINFORCE("MlpPolicy", "CartPole-v1", baseline="value").learn(100_000)``."""

    config_class = REINFORCEConfig
    algo_name = "reinforce"

    def _setup(self) -> None:
        c = self.config
        check_policy(self.policy_name)
        self.n_actions = check_discrete_actions(self.env, "REINFORCE")
        self.policy = ActorCritic(self.env.observation_space, self.n_actions, self.policy_name, c.hidden)
        actor = [p for n, p in self.policy.named_parameters() if not n.startswith("critic")]
        self.optimizer = torch.optim.Adam(actor, lr=c.learning_rate)
        self.value_optimizer = torch.optim.Adam(self.policy.critic.parameters(), lr=c.value_learning_rate)
        self.moving_baseline = 0.0

    def _act(self, obs, deterministic):
        logits, _ = self.policy(obs)
        if deterministic:
            return logits.argmax(dim=1).numpy()
        return torch.distributions.Categorical(logits=logits).sample().numpy()

    def _run_episode(self):
        obs, observations, actions, rewards = self._reset_env(), [], [], []
        while True:
            with torch.no_grad():
                logits, _ = self.policy(torch.as_tensor(np.asarray(obs)[None]))
            action = int(torch.distributions.Categorical(logits=logits).sample()[0])
            next_obs, reward, terminated, truncated, _ = self.env.step(action)
            observations.append(np.asarray(obs))
            actions.append(action)
            rewards.append(float(reward))
            obs = next_obs
            if terminated or truncated:
                return np.stack(observations), np.array(actions), np.array(rewards)

    def update(self, episodes) -> dict:
        """One policy-gradient step from complete episodes [(obs (T, ...), actions (T,), rewards (T,))]."""
        c = self.config
        obs = torch.as_tensor(np.concatenate([e[0] for e in episodes]))
        actions = torch.as_tensor(np.concatenate([e[1] for e in episodes]))
        G = torch.as_tensor(np.concatenate([discounted_returns(e[2], c.gamma, c.reward_to_go)
                                            for e in episodes]), dtype=torch.float32)
        logits, values = self.policy(obs)
        log_probs = torch.distributions.Categorical(logits=logits).log_prob(actions)
        if c.baseline == "value":
            baseline = values.detach()
        elif c.baseline == "moving_average":
            baseline = torch.full_like(G, self.moving_baseline)
        else:
            baseline = torch.zeros_like(G)
        weights = G - baseline
        if c.normalize_advantage and len(weights) > 1:
            weights = (weights - weights.mean()) / (weights.std() + 1e-8)
        loss = reinforce_surrogate(log_probs, weights) / len(episodes)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if c.max_grad_norm > 0:
            nn.utils.clip_grad_norm_(self.policy.parameters(), c.max_grad_norm)
        self.optimizer.step()
        value_loss = 0.0
        if c.baseline == "value":  # phi <- phi - beta grad (V_phi(s_t) - G_t)^2
            vl = nn.functional.mse_loss(self.policy(obs)[1], G)
            self.value_optimizer.zero_grad(set_to_none=True)
            vl.backward()
            self.value_optimizer.step()
            value_loss = float(vl.detach())
        m = c.baseline_momentum
        for e in episodes:
            g0 = float(discounted_returns(e[2], c.gamma)[0])
            self.moving_baseline = m * self.moving_baseline + (1 - m) * g0
        self.num_updates += 1
        return {"policy_loss": float(loss.detach()), "value_loss": value_loss}

    def learn(self, total_timesteps: int, callback: EpisodeCallback | None = None,
              reset_num_timesteps: bool = True) -> REINFORCE:
        check_int("total_timesteps", total_timesteps, low=1, owner="REINFORCE.learn")
        if reset_num_timesteps:
            self.num_timesteps = 0
        target, start, keep_going = self.num_timesteps + total_timesteps, time.perf_counter(), True
        while keep_going and self.num_timesteps < target:
            batch = []
            for _ in range(self.config.episodes_per_update):
                episode = self._run_episode()
                batch.append(episode)
                self.num_timesteps += len(episode[2])
            self.update(batch)
            for e in batch:  # report after the update, so a checkpoint taken here resumes exactly
                keep_going = self._episode_done(e[2].sum(), len(e[2]), callback, start) and keep_going
        self.elapsed_s += time.perf_counter() - start
        return self

    def modules(self):
        return {"policy": self.policy}

    def optimizers(self):
        return {"optimizer": self.optimizer, "value_optimizer": self.value_optimizer}

    def state(self):
        tensors, meta = super().state()
        meta["moving_baseline"] = self.moving_baseline
        return tensors, meta

    def load_extra_tensors(self, tensors, meta):
        self.moving_baseline = float(meta.get("moving_baseline", 0.0))
