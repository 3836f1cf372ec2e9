"""Experience replay (Lin 1992; Mnih et al. 2013): a memory of capacity N, sampled uniformly.

Two memories with one interface, ``add(obs, action, reward, next_obs, terminated)`` and
``sample(batch_size) -> ReplayBatch``, and :class:`NStepAccumulator`, which turns one-step transitions into
n-step ones before they are stored:

- :class:`ReplayBuffer` stores observations as given (float32 vectors for CartPole), with ``next_obs``
  beside them: 2 x N x obs bytes.
- :class:`FrameReplayBuffer` stores Atari frame stacks as single uint8 frames: each step writes only the
  newest 84x84 frame, and a stack is rebuilt from the frames before it. An episode's first observation
  writes its whole stack once (``stack`` frames, not sampled), so a stack never mixes two episodes and is
  rebuilt exactly, whatever the padding at reset. Memory: N x 84 x 84 bytes (7 KB per step, 8x less than
  storing obs and next_obs stacks), fixed at construction.

- :class:`NStepAccumulator` (Sutton 1988; Hessel et al. 2018): ``(s_t, a_t, R, s_{t+m}, terminated, m)`` with
  ``R = sum_{k<m} gamma^k r_{t+k}``, m = n, or fewer at the end of an episode; the target then bootstraps
  with ``gamma^m`` (``ReplayBatch.horizons`` holds m).

``terminated`` is a true terminal state (the target is y = r there); a time-limit truncation is not, so the
next observation is stored and bootstrapped from.

>>> buf = ReplayBuffer(capacity=3, obs_shape=(2,))
>>> for t in range(5):
...     buf.add([t, t], 0, 1.0, [t + 1, t + 1], False)
>>> len(buf), sorted(buf.obs[:, 0].tolist())
(3, [2.0, 3.0, 4.0])
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np
import torch

from visrec.rl.common.errors import ParameterError

__all__ = ["ReplayBatch", "ReplayBuffer", "FrameReplayBuffer", "NStepAccumulator"]


class ReplayBatch(NamedTuple):
    """A minibatch of transitions: obs (N, *obs_shape), actions (N,), rewards (N,), next_obs, terminated (N,)
    and horizons (N,), the steps m between obs and next_obs (None: all 1)."""

    obs: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_obs: torch.Tensor
    terminated: torch.Tensor
    horizons: torch.Tensor | None = None


class ReplayBuffer:
    """Uniform replay memory of ``capacity`` transitions (the oldest are overwritten first)."""

    def __init__(self, capacity: int, obs_shape: tuple[int, ...], obs_dtype=np.float32, seed=None):
        if capacity < 1:
            raise ParameterError(f"The replay capacity (--buffer-size) must be >= 1; got {capacity}.")
        self.capacity = int(capacity)
        self.obs = np.zeros((capacity, *obs_shape), dtype=obs_dtype)
        self.next_obs = np.zeros_like(self.obs)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.horizons = np.ones(capacity, dtype=np.float32)
        self.pos, self.full = 0, False
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.capacity if self.full else self.pos

    @property
    def nbytes(self) -> int:
        arrays = (self.obs, self.next_obs, self.actions, self.rewards, self.terminated, self.horizons)
        return sum(a.nbytes for a in arrays)

    def add(self, obs, action, reward, next_obs, terminated, horizon: int = 1) -> None:
        i = self.pos
        self.obs[i], self.next_obs[i] = obs, next_obs
        self.actions[i], self.rewards[i], self.terminated[i] = action, reward, float(terminated)
        self.horizons[i] = horizon
        self.pos = (self.pos + 1) % self.capacity
        self.full = self.full or self.pos == 0

    def _batch(self, idx, obs, next_obs) -> ReplayBatch:
        return ReplayBatch(
            torch.as_tensor(obs), torch.as_tensor(self.actions[idx]), torch.as_tensor(self.rewards[idx]),
            torch.as_tensor(next_obs), torch.as_tensor(self.terminated[idx]),
            None if self.horizons is None else torch.as_tensor(self.horizons[idx]),
        )

    def sample(self, batch_size: int) -> ReplayBatch:
        if len(self) == 0:
            raise ParameterError("Cannot sample from an empty replay memory; add transitions first.")
        idx = self.rng.integers(0, len(self), size=batch_size)
        return self._batch(idx, self.obs[idx], self.next_obs[idx])

    def state_dict(self) -> dict:
        n = len(self)
        keys = ("obs", "next_obs", "actions", "rewards", "terminated", "horizons")
        arrays = {k: getattr(self, k)[:n] for k in keys}
        return {"arrays": arrays, "pos": self.pos, "full": self.full}

    def load_state_dict(self, state: dict) -> None:
        for k, v in state["arrays"].items():
            getattr(self, k)[: len(v)] = v
        self.pos, self.full = int(state["pos"]), bool(state["full"])


class FrameReplayBuffer(ReplayBuffer):
    """Replay memory that stores uint8 frame stacks (S, H, W) as single frames (bounded memory).

    ``capacity`` counts frames; each episode also spends ``S`` frames on its first stack.
    """

    def __init__(self, capacity: int, obs_shape: tuple[int, int, int], seed=None):
        if capacity < 1:
            raise ParameterError(f"The replay capacity (--buffer-size) must be >= 1; got {capacity}.")
        self.stack = int(obs_shape[0])
        if capacity <= 2 * self.stack:
            raise ParameterError(
                f"A frame replay memory needs more than {2 * self.stack} frames; got {capacity}.")
        self.capacity = int(capacity)
        self.frames = np.zeros((capacity, *obs_shape[1:]), dtype=np.uint8)
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.is_step = np.zeros(capacity, dtype=bool)  # False: a frame of an episode's first stack
        self.horizons = None  # one-step transitions only
        self.total = 0  # frames ever written
        self._expect_start = True
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        """Number of transitions that can be sampled."""
        return int(self.is_step[: min(self.total, self.capacity)].sum())

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.frames, self.actions, self.rewards, self.terminated, self.is_step))

    def _write(self, frame, is_step, action=0, reward=0.0, terminated=False) -> None:
        i = self.total % self.capacity
        self.frames[i], self.is_step[i] = frame, is_step
        self.actions[i], self.rewards[i], self.terminated[i] = action, reward, float(terminated)
        self.total += 1

    def add(self, obs, action, reward, next_obs, terminated, episode_end: bool | None = None) -> None:
        """Add one transition. ``episode_end`` (terminated or truncated) tells the memory that the next
        ``add`` starts a new episode; it defaults to ``terminated``."""
        if self._expect_start:
            for frame in np.asarray(obs, dtype=np.uint8):
                self._write(frame, False)
            self._expect_start = False
        self._write(np.asarray(next_obs, dtype=np.uint8)[-1], True, action, reward, terminated)
        self._expect_start = bool(terminated if episode_end is None else episode_end)

    def stack_at(self, last: np.ndarray) -> np.ndarray:
        """Frame stacks (N, S, H, W) ending at absolute frame indices ``last`` (N,)."""
        offsets = np.arange(-self.stack + 1, 1)
        return self.frames[(last[:, None] + offsets) % self.capacity]

    def sample(self, batch_size: int) -> ReplayBatch:
        oldest = max(0, self.total - self.capacity)
        low = oldest + self.stack  # a transition at absolute index j needs frames j - S .. j in memory
        if len(self) == 0 or low >= self.total:
            raise ParameterError("Cannot sample from an empty replay memory; add transitions first.")
        # rejection sampling: uniform over stored transitions, skipping the frames of first stacks
        j = self.rng.integers(low, self.total, size=batch_size)
        bad = ~self.is_step[j % self.capacity]
        for _ in range(20):
            if not bad.any():
                break
            j[bad] = self.rng.integers(low, self.total, size=int(bad.sum()))
            bad = ~self.is_step[j % self.capacity]
        if bad.any():  # tiny memories: draw from the explicit list instead
            valid = np.arange(low, self.total)
            valid = valid[self.is_step[valid % self.capacity]]
            if len(valid) == 0:
                raise ParameterError("The replay memory holds no complete transition yet; add more steps.")
            j = valid[self.rng.integers(0, len(valid), size=batch_size)]
        idx = j % self.capacity
        return self._batch(idx, self.stack_at(j - 1), self.stack_at(j))

    def state_dict(self) -> dict:
        arrays = {k: getattr(self, k) for k in ("frames", "actions", "rewards", "terminated", "is_step")}
        return {"arrays": arrays, "total": self.total, "expect_start": self._expect_start}

    def load_state_dict(self, state: dict) -> None:
        for k, v in state["arrays"].items():
            getattr(self, k)[:] = v
        self.total, self._expect_start = int(state["total"]), bool(state["expect_start"])


class NStepAccumulator:
    """Turns one-step transitions into n-step ones (``n`` = 1 passes them through).

    ``push`` takes one step and returns the transitions ready to store, ``(obs, action, R, next_obs,
    terminated, m)``: the oldest pending one once ``n`` steps are pending, and all of them at an episode's
    end (terminal: no bootstrap; truncated: they bootstrap from the last observation). ``flush`` ends the
    pending ones at ``next_obs`` without a terminal (a ``learn`` call that stops mid-episode).

    >>> acc = NStepAccumulator(n=2, gamma=0.5)
    >>> acc.push("s0", 0, 1.0, "s1", False, False)
    []
    >>> [(t[0], t[2], t[3], t[5]) for t in acc.push("s1", 1, 2.0, "s2", True, True)]
    [('s0', 2.0, 's2', 2), ('s1', 2.0, 's2', 1)]
    """

    def __init__(self, n: int, gamma: float):
        if n < 1:
            raise ParameterError(f"n_step must be >= 1; got {n}.")
        self.n, self.gamma = int(n), float(gamma)
        self.pending: deque = deque()

    def __len__(self) -> int:
        return len(self.pending)

    def _emit(self, next_obs, terminated) -> tuple:
        ret = 0.0
        for k, (_, _, r) in enumerate(self.pending):
            ret += self.gamma**k * r
        m = len(self.pending)
        obs, action, _ = self.pending.popleft()
        return obs, action, ret, next_obs, terminated, m

    def push(self, obs, action, reward, next_obs, terminated, episode_end) -> list[tuple]:
        self.pending.append((obs, action, float(reward)))
        out = []
        if len(self.pending) == self.n:
            out.append(self._emit(next_obs, terminated))
        if episode_end:
            out.extend(self.flush(next_obs, terminated))
        return out

    def flush(self, next_obs, terminated: bool = False) -> list[tuple]:
        out = []
        while self.pending:
            out.append(self._emit(next_obs, terminated))
        return out
