"""The networks the algorithms learn: Q-networks and categorical actor-critics, MLP or Atari CNN.

Observations arrive as tensors: float vectors (N, D), integer states of a Discrete space (N,) (one-hot
encoded here), or uint8 frame stacks (N, 4, 84, 84) (scaled to [0, 1] here).

Policies are found by name, as in stable-baselines3: ``"MlpPolicy"`` (vectors / discrete states) and
``"CnnPolicy"`` (Atari frames, the Mnih 2013 trunk).

>>> import torch
>>> q = MnihQNetwork(n_actions=6)
>>> q(torch.zeros(2, 4, 84, 84, dtype=torch.uint8)).shape
torch.Size([2, 6])
>>> sum(p.numel() for p in q.parameters())
677686
"""

from __future__ import annotations

import gymnasium as gym
import torch
from torch import nn

from visrec.rl.common.errors import ParameterError

__all__ = [
    "mlp", "FeatureExtractor", "MnihTrunk", "QPolicy", "QNetwork", "MnihQNetwork", "ActorCritic",
    "POLICIES", "make_features", "check_policy", "build_q_network",
]


def mlp(in_dim: int, out_dim: int, hidden=(64, 64), activation=nn.ReLU) -> nn.Sequential:
    """in_dim -> hidden... -> out_dim, with ``activation`` between layers (none after the last)."""
    layers, d = [], in_dim
    for h in hidden:
        layers += [nn.Linear(d, h), activation()]
        d = h
    layers.append(nn.Linear(d, out_dim))
    return nn.Sequential(*layers)


class FeatureExtractor(nn.Module):
    """Turns raw observations into float features (N, D): one-hot for Discrete, flatten for Box."""

    def __init__(self, observation_space: gym.Space):
        super().__init__()
        if isinstance(observation_space, gym.spaces.Discrete):
            self.n_discrete, self.out_dim = int(observation_space.n), int(observation_space.n)
        elif isinstance(observation_space, gym.spaces.Box):
            self.n_discrete, self.out_dim = 0, int(torch.tensor(observation_space.shape).prod())
        else:
            raise ParameterError(f"Observation space {observation_space} is not supported (Box or Discrete).")

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        if self.n_discrete:
            return nn.functional.one_hot(obs.long().reshape(-1), self.n_discrete).float()
        return obs.float().reshape(obs.shape[0], -1)


class MnihTrunk(nn.Module):
    """Mnih et al. (2013): 16 8x8 stride 4 -> ReLU -> 32 4x4 stride 2 -> ReLU -> FC-256 -> ReLU.

    (N, 4, 84, 84) uint8 -> (N, 256) float; pixels scaled by 1/255. The convolutions run channels-last
    (weights and input): on CPU the 8x8 stride-4 convolution's weight gradient is several times faster
    that way, and a PPO update on Pong 1.3-2x (``benchmarks/results/2026-12-01-s4-mnih-channels-last.txt``).
    """

    def __init__(self, in_channels: int = 4, out_dim: int = 256):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 16, 8, stride=4), nn.ReLU(),  # (N, 16, 20, 20)
            nn.Conv2d(16, 32, 4, stride=2), nn.ReLU(),  # (N, 32, 9, 9)
            nn.Flatten(), nn.Linear(32 * 9 * 9, out_dim), nn.ReLU(),
        )
        self.out_dim = out_dim
        self.net.to(memory_format=torch.channels_last)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        # uint8 -> channels-last before the float conversion: the layout copy moves 4x fewer bytes
        return self.net(obs.contiguous(memory_format=torch.channels_last).float() / 255.0)


class QPolicy(nn.Module):
    """``act`` for a Q-network: greedy argmax_a Q(s, a), or epsilon-greedy with ``self.epsilon``."""

    epsilon: float = 0.05

    @torch.no_grad()
    def act(self, obs: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """obs (N, *obs_shape) -> actions (N,): argmax of Q; a uniform action with prob. epsilon otherwise."""
        q = self.forward(obs)  # (N, A)
        actions = q.argmax(1)
        if not deterministic and self.epsilon > 0:
            explore = torch.rand(len(actions)) < self.epsilon
            actions[explore] = torch.randint(q.shape[1], (int(explore.sum()),))
        return actions


class QNetwork(QPolicy):
    """Q(s, .; theta): one forward pass gives a Q-value for every action, (N, A)."""

    def __init__(self, observation_space: gym.Space, n_actions: int, hidden=(64, 64)):
        super().__init__()
        self.features = FeatureExtractor(observation_space)
        self.head = mlp(self.features.out_dim, n_actions, hidden)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(obs))


class MnihQNetwork(QPolicy):
    """The Atari Q-network of Mnih et al. (2013): Mnih trunk -> FC-|A|."""

    def __init__(self, n_actions: int, in_channels: int = 4):
        super().__init__()
        self.features = MnihTrunk(in_channels)
        self.head = nn.Linear(self.features.out_dim, n_actions)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(obs))


def make_features(observation_space: gym.Space, policy: str) -> nn.Module:
    if policy == "CnnPolicy":
        shape = observation_space.shape
        if shape is None or len(shape) != 3 or shape[1:] != (84, 84):
            raise ParameterError(f"CnnPolicy expects (4, 84, 84) frame stacks; the env gives {shape}.")
        return MnihTrunk(shape[0])
    return FeatureExtractor(observation_space)


class ActorCritic(nn.Module):
    """A categorical policy pi(a|s) (logits (N, A)) and a state value V(s) (N,), optionally sharing a trunk.

    MlpPolicy: separate actor and critic MLPs (tanh, as in the PPO paper). CnnPolicy: one shared Mnih trunk.
    """

    def __init__(self, observation_space: gym.Space, n_actions: int, policy: str = "MlpPolicy",
                 hidden=(64, 64)):
        super().__init__()
        self.features = make_features(observation_space, policy)
        d = self.features.out_dim
        if policy == "CnnPolicy":
            self.actor, self.critic = nn.Linear(d, n_actions), nn.Linear(d, 1)
        else:
            self.actor = mlp(d, n_actions, hidden, nn.Tanh)
            self.critic = mlp(d, 1, hidden, nn.Tanh)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.features(obs)
        return self.actor(f), self.critic(f).squeeze(-1)

    def distribution(self, obs: torch.Tensor) -> torch.distributions.Categorical:
        return torch.distributions.Categorical(logits=self.forward(obs)[0])

    @torch.no_grad()
    def act(self, obs: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """obs (N, *obs_shape) -> actions (N,): a sample of pi(.|s), or its mode when deterministic."""
        dist = self.distribution(obs)
        return dist.probs.argmax(1) if deterministic else dist.sample()


POLICIES = {"MlpPolicy": "vectors or discrete states (MLP)", "CnnPolicy": "Atari frames (Mnih 2013 trunk)"}


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise ParameterError(f"Unknown policy {policy!r}; expected one of {sorted(POLICIES)}.")
    return policy


def build_q_network(policy: str, observation_space: gym.Space, n_actions: int, hidden=(64, 64)) -> nn.Module:
    if check_policy(policy) == "CnnPolicy":
        make_features(observation_space, policy)  # validates the shape
        return MnihQNetwork(n_actions, observation_space.shape[0])
    return QNetwork(observation_space, n_actions, hidden)
