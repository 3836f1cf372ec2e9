"""The Atari preprocessing of Mnih et al. (2013): grayscale, downsample, crop, stack the last 4 frames.

One wrapper does all of it with preallocated buffers (the hot loop of every Atari run):

1. optional frame skipping (repeat the action ``frame_skip`` times, sum the rewards, take the pixel-wise
   max of the last two frames to remove sprite flicker) for ``NoFrameskip`` / ``frameskip=1`` envs;
2. grayscale (taken from ALE directly when the env was made with ``obs_type="grayscale"``);
3. downsample 210x160 -> 110x84 (area interpolation) and crop the 84x84 playing area (``crop="mnih"``,
   the paper's choice), or resize straight to 84x84 (``crop="resize"``, what most libraries do now);
4. a stack of the last ``stack`` frames, observation uint8 of shape (4, 84, 84) (channels first for torch);
   at reset the stack is filled with copies of the first frame.

Optionally ``noop_max`` random no-ops at reset and reward clipping to {-1, 0, +1} (the paper clips rewards
during training only; evaluation uses the raw score, so clipping lives in the algorithm's config).
"""

from __future__ import annotations

import cv2
import gymnasium as gym
import numpy as np
from gymnasium import spaces

__all__ = ["AtariPreprocessing", "preprocess_frame"]

_CROP_TOP = 18  # rows of the 110x84 image above the playing area (score bar); 18 + 84 = 102


def preprocess_frame(frame: np.ndarray, size: int = 84, crop: str = "mnih") -> np.ndarray:
    """One frame (H, W) gray or (H, W, 3) RGB uint8 -> (size, size) uint8."""
    if frame.ndim == 3:
        frame = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if crop == "mnih":
        h = round(frame.shape[0] * size / frame.shape[1])  # 210x160 -> 110x84
        small = cv2.resize(frame, (size, h), interpolation=cv2.INTER_AREA)
        top = min(_CROP_TOP, h - size)
        return small[top:top + size]
    return cv2.resize(frame, (size, size), interpolation=cv2.INTER_AREA)


class AtariPreprocessing(gym.Wrapper):
    """Grayscale, downsample, crop and frame-stack an ALE environment; observations (stack, 84, 84) uint8.

    Parameters
    ----------
    env : gymnasium.Env
        An ALE environment (``ALE/Pong-v5`` style, made with ``obs_type="grayscale"`` ideally).
    frame_skip : int
        Action repeats done here (1 when the env already skips frames, as ``ALE/*-v5`` does with 4).
    stack : int
        Number of most recent frames stacked (4 in the paper).
    size : int
        Output side (84).
    crop : {"mnih", "resize"}
    noop_max : int
        At most this many random no-op actions after reset (0 = off).
    """

    def __init__(self, env, frame_skip=1, stack=4, size=84, crop="mnih", noop_max=0):
        super().__init__(env)
        self.frame_skip, self.stack, self.size = frame_skip, stack, size
        self.crop, self.noop_max = crop, noop_max
        self._frames = np.zeros((stack, size, size), dtype=np.uint8)  # ring of the last frames
        self._head = 0
        self._raw = None
        self.observation_space = spaces.Box(0, 255, shape=(stack, size, size), dtype=np.uint8)

    def _push(self, raw: np.ndarray) -> None:
        self._head = (self._head + 1) % self.stack
        self._frames[self._head] = preprocess_frame(raw, self.size, self.crop)

    def _observation(self) -> np.ndarray:
        order = (np.arange(1, self.stack + 1) + self._head) % self.stack  # oldest ... newest
        return self._frames[order]

    def reset(self, *, seed=None, options=None):
        raw, info = self.env.reset(seed=seed, options=options)
        if self.noop_max > 0:
            for _ in range(int(self.env.unwrapped.np_random.integers(1, self.noop_max + 1))):
                raw, _, term, trunc, info = self.env.step(0)
                if term or trunc:
                    raw, info = self.env.reset()
        frame = preprocess_frame(raw, self.size, self.crop)
        self._frames[:] = frame
        self._head = 0
        return self._observation(), info

    def step(self, action):
        total, previous = 0.0, None
        for i in range(self.frame_skip):
            raw, reward, terminated, truncated, info = self.env.step(action)
            total += float(reward)
            if terminated or truncated:
                break
            if i == self.frame_skip - 2:
                previous = raw
        if previous is not None and self.frame_skip > 1:
            raw = np.maximum(raw, previous)
        self._push(raw)
        return self._observation(), total, terminated, truncated, info
