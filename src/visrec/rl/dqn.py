"""Deep Q-learning with experience replay (Mnih et al. 2013, Algorithm 1), with a target network (Mnih et
al. 2015) and Double DQN (van Hasselt et al. 2016) as options.

For every environment step:

1. with probability epsilon take a random action, otherwise ``a = argmax_a Q(s, a; theta)`` (the slide's
   "max" is the value, not the action: fixed);
2. store ``(s, a, r, s', terminal)`` in the replay memory D of capacity N;
3. every ``train_freq`` steps, sample a minibatch from D and take a gradient step on
   ``L = E[(y - Q(s, a; theta))^2]`` (or the Huber loss) with ``y = r`` at terminal steps and
   ``y = r + gamma max_a' Q(s', a'; theta^-)`` otherwise, where theta^- is the target network, copied from
   theta every ``target_update_interval`` steps (every step when 1: the 2013 paper's plain DQN), or moved
   a fraction ``tau`` of the way towards theta there (Polyak averaging) when ``tau`` < 1.

``n_step`` > 1 learns from n-step returns (Sutton 1988; one of Rainbow's parts, Hessel et al. 2018):
``y = sum_{k<m} gamma^k r_{t+k} + gamma^m max_a' Q(s_{t+m}, a'; theta^-)``, m = n or the steps left in the
episode, so a terminal state's value reaches earlier states n times faster (vector observations only).

``lr_schedule="linear"`` decays the learning rate linearly to ``lr_final_fraction`` x ``learning_rate``
over the run's steps: late updates are small, so a policy that has solved the task is not undone by them.

Time-limit truncations are not terminal: the target bootstraps from s' there.

>>> import torch
>>> dqn_targets(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.0]), torch.tensor([[5.0, 2.0], [5.0, 2.0]]),
...             gamma=0.5).tolist()
[1.0, 3.5]
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from visrec.rl.common.base import BaseAlgorithm, EpisodeCallback
from visrec.rl.common.env_factory import check_discrete_actions
from visrec.rl.common.errors import ParameterError
from visrec.rl.common.policies import build_q_network
from visrec.rl.common.replay import FrameReplayBuffer, NStepAccumulator, ReplayBuffer
from visrec.rl.common.schedules import LinearSchedule
from visrec.rl.common.seeding import generator_from_state, generator_state
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["DQN", "DQNConfig", "dqn_targets"]


@dataclass
class DQNConfig:
    """DQN hyperparameters; defaults follow Mnih et al. (2013/2015) on Atari (names as in SB3)."""

    learning_rate: float = 1e-4
    lr_schedule: str = "constant"
    lr_final_fraction: float = 0.0
    buffer_size: int = 1_000_000
    learning_starts: int = 50_000
    batch_size: int = 32
    gamma: float = 0.99
    train_freq: int = 4
    gradient_steps: int = 1
    target_update_interval: int = 10_000
    tau: float = 1.0
    exploration_fraction: float = 0.1
    exploration_initial_eps: float = 1.0
    exploration_final_eps: float = 0.1
    loss: str = "huber"
    double_dqn: bool = False
    n_step: int = 1
    max_grad_norm: float = 10.0
    optimizer: str = "adam"
    hidden: tuple[int, ...] = (64, 64)
    clip_reward: bool = False

    def __post_init__(self):
        o = "DQN"
        check_float("learning_rate", self.learning_rate, low=0, closed="neither", owner=o)
        check_int("buffer_size", self.buffer_size, low=1, owner=o)
        check_int("learning_starts", self.learning_starts, low=0, owner=o)
        check_int("batch_size", self.batch_size, low=1, owner=o)
        check_float("gamma", self.gamma, low=0, high=1, owner=o)
        check_int("train_freq", self.train_freq, low=1, owner=o)
        check_int("gradient_steps", self.gradient_steps, low=1, owner=o)
        check_int("n_step", self.n_step, low=1, owner=o)
        check_int("target_update_interval", self.target_update_interval, low=1, owner=o)
        check_float("tau", self.tau, low=0, high=1, closed="right", owner=o)
        check_choice("lr_schedule", self.lr_schedule, ("constant", "linear"), owner=o)
        check_float("lr_final_fraction", self.lr_final_fraction, low=0, high=1, owner=o)
        check_float("exploration_fraction", self.exploration_fraction, low=0, high=1, owner=o)
        check_float("exploration_final_eps", self.exploration_final_eps, low=0, high=1, owner=o)
        check_choice("loss", self.loss, ("huber", "mse"), owner=o)
        check_choice("optimizer", self.optimizer, ("adam", "rmsprop"), owner=o)
        self.hidden = tuple(int(h) for h in self.hidden)


def dqn_targets(rewards, terminated, next_q_target, gamma, next_q_online=None):
    """y (N,) = r at terminal steps, else r + gamma * Q_target(s', a*), a* = argmax of the target net
    (DQN) or of the online net ``next_q_online`` (Double DQN). ``next_q_*`` are (N, A); ``gamma`` is a
    float or (N,) (gamma^m for n-step transitions)."""
    if next_q_online is None:
        best = next_q_target.max(dim=1).values
    else:
        best = next_q_target.gather(1, next_q_online.argmax(dim=1, keepdim=True)).squeeze(1)
    return rewards + gamma * (1.0 - terminated) * best


class DQN(BaseAlgorithm):
    """Deep Q-Network. ``DQN("MlpPolicy", "CartPole-v1", learning_rate=2.3e-3).learn(50_000)``."""

    config_class = DQNConfig
    algo_name = "dqn"

    def _setup(self) -> None:
        c = self.config
        self.n_actions = check_discrete_actions(self.env, "DQN")
        space = self.env.observation_space
        self.q_net = build_q_network(self.policy_name, space, self.n_actions, c.hidden)
        self.q_target = copy.deepcopy(self.q_net).requires_grad_(False)
        opt = torch.optim.Adam if c.optimizer == "adam" else torch.optim.RMSprop
        self.optimizer = opt(self.q_net.parameters(), lr=c.learning_rate)
        frames = space.dtype == np.uint8 and space.shape is not None and len(space.shape) == 3
        if frames and c.n_step > 1:
            raise ParameterError(f"DQN n_step={c.n_step} needs vector observations; the Atari frame memory "
                                 "stores one-step transitions only. Use n_step=1 for image observations.")
        if frames:
            self.replay = FrameReplayBuffer(c.buffer_size, space.shape, seed=self.seed)
        else:
            shape = () if space.shape is None else space.shape
            dtype = np.int64 if not shape else np.float32
            self.replay = ReplayBuffer(c.buffer_size, shape, dtype, seed=self.seed)
        self.accumulator = NStepAccumulator(c.n_step, c.gamma)
        self._total_timesteps = 0
        self.epsilon = c.exploration_initial_eps

    def exploration(self) -> LinearSchedule:
        c = self.config
        return LinearSchedule(c.exploration_initial_eps, c.exploration_final_eps,
                              int(c.exploration_fraction * self._total_timesteps))

    def _act(self, obs, deterministic):
        return self.q_net(obs).argmax(dim=1).numpy()

    def current_lr(self) -> float:
        c = self.config
        if c.lr_schedule == "constant" or not self._total_timesteps:
            return c.learning_rate
        left = max(self._progress_remaining(), 0.0)
        return c.learning_rate * (c.lr_final_fraction + (1.0 - c.lr_final_fraction) * left)

    def _update_target(self) -> None:
        tau = self.config.tau
        if tau >= 1.0:
            self.q_target.load_state_dict(self.q_net.state_dict())
            return
        with torch.no_grad():
            for t, p in zip(self.q_target.parameters(), self.q_net.parameters(), strict=True):
                t.lerp_(p, tau)

    def _train_step(self) -> float:
        c = self.config
        b = self.replay.sample(c.batch_size)
        with torch.no_grad():
            next_q = self.q_target(b.next_obs)
            online = self.q_net(b.next_obs) if c.double_dqn else None
            gamma = c.gamma if b.horizons is None else c.gamma**b.horizons
            y = dqn_targets(b.rewards, b.terminated, next_q, gamma, online)
        q = self.q_net(b.obs).gather(1, b.actions[:, None]).squeeze(1)
        loss = nn.functional.smooth_l1_loss(q, y) if c.loss == "huber" else nn.functional.mse_loss(q, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if c.max_grad_norm > 0:
            nn.utils.clip_grad_norm_(self.q_net.parameters(), c.max_grad_norm)
        self.optimizer.step()
        self.num_updates += 1
        return float(loss.detach())

    def learn(self, total_timesteps: int, callback: EpisodeCallback | None = None,
              reset_num_timesteps: bool = True) -> DQN:
        """Interact for ``total_timesteps`` more environment steps (SB3 semantics); returns self."""
        c = self.config
        check_int("total_timesteps", total_timesteps, low=1, owner="DQN.learn")
        if reset_num_timesteps:
            self.num_timesteps = 0
        self._total_timesteps = self.num_timesteps + total_timesteps
        eps_schedule, start = self.exploration(), time.perf_counter()
        obs, ep_ret, ep_len, keep_going = self._reset_env(), 0.0, 0, True
        while keep_going and self.num_timesteps < self._total_timesteps:
            self.epsilon = eps_schedule(self.num_timesteps)
            if self.num_timesteps < c.learning_starts or self.rng.random() < self.epsilon:
                action = int(self.rng.integers(self.n_actions))
            else:
                with torch.no_grad():
                    action = int(self._act(torch.as_tensor(np.asarray(obs)[None]), True)[0])
            next_obs, reward, terminated, truncated, _ = self.env.step(action)
            r = float(np.sign(reward)) if c.clip_reward else float(reward)
            if isinstance(self.replay, FrameReplayBuffer):
                self.replay.add(obs, action, r, next_obs, terminated, episode_end=terminated or truncated)
            else:
                for t in self.accumulator.push(obs, action, r, next_obs, terminated, terminated or truncated):
                    self.replay.add(*t)
            self.num_timesteps += 1
            ep_ret, ep_len, obs = ep_ret + float(reward), ep_len + 1, next_obs
            if self.num_timesteps > c.learning_starts and self.num_timesteps % c.train_freq == 0:
                for group in self.optimizer.param_groups:
                    group["lr"] = self.current_lr()
                for _ in range(c.gradient_steps):
                    self._train_step()
            if self.num_timesteps % c.target_update_interval == 0:
                self._update_target()
            if terminated or truncated:
                keep_going = self._episode_done(ep_ret, ep_len, callback, start)
                if keep_going:  # a stopped run resets on its next learn (so a resume is exact)
                    obs, ep_ret, ep_len = self._reset_env(), 0.0, 0
        for t in self.accumulator.flush(obs):  # a mid-episode stop: the next learn starts a new episode
            self.replay.add(*t)
        self.elapsed_s += time.perf_counter() - start
        return self

    def modules(self):
        return {"q_net": self.q_net, "q_target": self.q_target}

    def optimizers(self):
        return {"optimizer": self.optimizer}

    def extra_tensors(self):
        return {f"replay.{k}": v for k, v in self.replay.state_dict()["arrays"].items()}

    def state(self):
        tensors, meta = super().state()
        sd = self.replay.state_dict()
        meta["replay"] = {k: v for k, v in sd.items() if k != "arrays"}
        meta["replay_rng"] = generator_state(self.replay.rng)
        meta["total_timesteps"] = self._total_timesteps
        return tensors, meta

    def load_extra_tensors(self, tensors, meta):
        arrays = {k[len("replay."):]: v for k, v in tensors.items() if k.startswith("replay.")}
        stored = len(next(iter(arrays.values()))) if arrays else 0
        if stored > self.replay.capacity:
            raise ParameterError(f"The checkpoint's replay memory holds {stored} entries, more than "
                                 f"buffer_size={self.replay.capacity}; resume with the same --buffer-size.")
        self.replay.load_state_dict({"arrays": arrays, **meta["replay"]})
        self.replay.rng = generator_from_state(meta["replay_rng"])
        self._total_timesteps = int(meta.get("total_timesteps", 0))
