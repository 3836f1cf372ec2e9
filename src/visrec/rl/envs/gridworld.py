"""The lecture's Grid World as a gymnasium environment.

A rectangular grid; the agent moves right / left / up / down, every transition costs r = -1, and an episode
ends in one of the terminal cells (two opposite corners by default, as in the slide). Moves into a wall leave
the agent in place (still r = -1). The dynamics are deterministic by default; ``slip`` > 0 makes the agent
move in a uniformly random direction with that probability.

The full model is exposed as arrays so that dynamic programming can use it:
``P`` of shape (S, A, S) (transition probabilities) and ``R`` of shape (S, A) (expected reward).

>>> env = GridWorld(rows=3, cols=4)
>>> obs, info = env.reset(seed=0)
>>> env.P.shape, env.R.shape
((12, 4, 12), (12, 4))
>>> int(env.observation_space.n), int(env.action_space.n)
(12, 4)
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from visrec.rl.common.errors import ParameterError

__all__ = ["GridWorld", "ACTIONS", "ACTION_ARROWS"]

ACTIONS = ("right", "left", "up", "down")
ACTION_ARROWS = ("\u2192", "\u2190", "\u2191", "\u2193")
_MOVES = np.array([(0, 1), (0, -1), (-1, 0), (1, 0)])  # (d_row, d_col) per action


class GridWorld(gym.Env):
    """Grid World of Lecture 14: r = -1 per move, episodes end in the terminal cells.

    Parameters
    ----------
    rows, cols : int
        Grid size; states are numbered row-major, ``s = row * cols + col``.
    terminals : sequence of (row, col), optional
        Terminal cells (default: the top-left and bottom-right corners).
    slip : float
        Probability that the move is replaced by a uniformly random one (0 = deterministic).
    max_steps : int
        Episodes are truncated after this many moves.
    render_mode : {"rgb_array", "ansi", None}
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 4}

    def __init__(self, rows=4, cols=4, terminals=None, slip=0.0, max_steps=100, render_mode=None):
        if rows < 1 or cols < 1 or rows * cols < 2:
            raise ParameterError(f"GridWorld needs at least 2 cells; got rows={rows}, cols={cols}.")
        if not 0.0 <= slip <= 1.0:
            raise ParameterError(f"GridWorld slip must be a probability in [0, 1]; got {slip}.")
        self.rows, self.cols, self.slip, self.max_steps = int(rows), int(cols), float(slip), int(max_steps)
        cells = [(0, 0), (rows - 1, cols - 1)] if terminals is None else [tuple(t) for t in terminals]
        for r, c in cells:
            if not (0 <= r < rows and 0 <= c < cols):
                raise ParameterError(f"GridWorld terminal cell {(r, c)} lies outside the {rows}x{cols} grid.")
        self.terminal_states = sorted({r * cols + c for r, c in cells})
        self.terminal_mask = np.zeros(rows * cols, dtype=bool)
        self.terminal_mask[self.terminal_states] = True
        self.observation_space = spaces.Discrete(rows * cols)
        self.action_space = spaces.Discrete(len(ACTIONS))
        self.render_mode = render_mode
        self.P, self.R = self._model()
        self.state = 0
        self._steps = 0

    @property
    def n_states(self) -> int:
        return self.rows * self.cols

    def _next_state(self, s: int, a: int) -> int:
        r, c = divmod(s, self.cols)
        nr = min(max(r + _MOVES[a, 0], 0), self.rows - 1)
        nc = min(max(c + _MOVES[a, 1], 0), self.cols - 1)
        return int(nr * self.cols + nc)

    def _model(self) -> tuple[np.ndarray, np.ndarray]:
        """P (S, A, S) and R (S, A); terminal states are absorbing with zero reward."""
        S, A = self.n_states, len(ACTIONS)
        P = np.zeros((S, A, S))
        R = np.full((S, A), -1.0)
        for s in range(S):
            if self.terminal_mask[s]:
                P[s, :, s] = 1.0
                R[s] = 0.0
                continue
            for a in range(A):
                P[s, a, self._next_state(s, a)] += 1.0 - self.slip
                for b in range(A):
                    P[s, a, self._next_state(s, b)] += self.slip / A
        return P, R

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        start = None if options is None else options.get("start")
        if start is None:
            free = np.flatnonzero(~self.terminal_mask)
            start = int(self.np_random.choice(free))
        self.state, self._steps = int(start), 0
        return self.state, {}

    def step(self, action):
        a = int(action)
        if self.slip > 0 and self.np_random.random() < self.slip:
            a = int(self.np_random.integers(len(ACTIONS)))
        self.state = self._next_state(self.state, a)
        self._steps += 1
        terminated = bool(self.terminal_mask[self.state])
        truncated = not terminated and self._steps >= self.max_steps
        return self.state, -1.0, terminated, truncated, {}

    def render(self):
        if self.render_mode == "ansi":
            rows = []
            for r in range(self.rows):
                line = ""
                for c in range(self.cols):
                    s = r * self.cols + c
                    line += "T" if self.terminal_mask[s] else ("A" if s == self.state else ".")
                rows.append(line)
            return "\n".join(rows)
        if self.render_mode == "rgb_array":
            cell = 32
            img = np.full((self.rows * cell, self.cols * cell, 3), 255, dtype=np.uint8)
            img[::cell, :] = 0
            img[:, ::cell] = 0
            for s in self.terminal_states:
                r, c = divmod(s, self.cols)
                img[r * cell + 1:(r + 1) * cell, c * cell + 1:(c + 1) * cell] = (150, 150, 150)
            r, c = divmod(self.state, self.cols)
            img[r * cell + 8:(r + 1) * cell - 8, c * cell + 8:(c + 1) * cell - 8] = (200, 30, 30)
            return img
        return None
