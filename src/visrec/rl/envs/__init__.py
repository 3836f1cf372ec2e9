"""Environments defined by visrec (the lecture's Grid World)."""

from visrec.rl.envs.gridworld import ACTION_ARROWS, ACTIONS, GridWorld

__all__ = ["GridWorld", "ACTIONS", "ACTION_ARROWS"]
