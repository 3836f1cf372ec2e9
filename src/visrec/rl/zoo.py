"""The RL networks in the torch model registry (kind "policy", :class:`visrec.torch_nn.interfaces.Policy`):
``forward(obs)`` gives Q-values (N, A) or ``(logits (N, A), value (N,))``; ``act(obs, deterministic)`` gives
actions (N,). The algorithms (``visrec.rl.DQN``, ``PPO`` ...) build the same classes from the environment's
spaces; these builders take the sizes instead.

>>> import torch
>>> from visrec.torch_nn import create_model
>>> q = create_model("mlp_q_network", obs_dim=4, n_actions=2, hidden=(8,))
>>> q.act(torch.zeros(3, 4), deterministic=True).shape
torch.Size([3])
>>> logits, value = create_model("atari_actor_critic", n_actions=6)(torch.zeros(1, 4, 84, 84, dtype=torch.uint8))
>>> tuple(logits.shape), tuple(value.shape)
((1, 6), (1,))
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from visrec.rl.common.policies import ActorCritic, MnihQNetwork, QNetwork
from visrec.torch_nn.registry import register_model

__all__ = ["mlp_q_network", "atari_q_network", "mlp_actor_critic", "atari_actor_critic"]


def _vectors(obs_dim: int) -> gym.spaces.Box:
    return gym.spaces.Box(-np.inf, np.inf, (int(obs_dim),), np.float32)


def _frames(in_channels: int) -> gym.spaces.Box:
    return gym.spaces.Box(0, 255, (int(in_channels), 84, 84), np.uint8)


@register_model(kind="policy", family="rl")
def mlp_q_network(obs_dim: int, n_actions: int, hidden=(64, 64)) -> QNetwork:
    """Q-network for vector observations (N, obs_dim): MLP -> Q (N, A)."""
    return QNetwork(_vectors(obs_dim), n_actions, tuple(hidden))


@register_model(kind="policy", family="rl")
def atari_q_network(n_actions: int, in_channels: int = 4) -> MnihQNetwork:
    """The Atari Q-network of Mnih et al. (2013) on (N, 4, 84, 84) uint8 frame stacks."""
    return MnihQNetwork(n_actions, in_channels)


@register_model(kind="policy", family="rl")
def mlp_actor_critic(obs_dim: int, n_actions: int, hidden=(64, 64)) -> ActorCritic:
    """Separate tanh MLPs for pi(a|s) and V(s), as in the PPO paper."""
    return ActorCritic(_vectors(obs_dim), n_actions, "MlpPolicy", tuple(hidden))


@register_model(kind="policy", family="rl")
def atari_actor_critic(n_actions: int, in_channels: int = 4) -> ActorCritic:
    """One shared Mnih trunk with policy and value heads, on (N, 4, 84, 84) uint8 frame stacks."""
    return ActorCritic(_frames(in_channels), n_actions, "CnnPolicy")
