"""Figures of a Grid World: state values V as a heat map with the greedy policy as arrows (the lecture's
random vs optimal policy figure)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.rl.envs.gridworld import ACTION_ARROWS, GridWorld

__all__ = ["plot_values_and_policy", "plot_random_vs_optimal"]


def _draw(ax, env: GridWorld, V: np.ndarray, policy: np.ndarray, title: str) -> None:
    """policy: (S,) ints, or (S, A) probabilities (every action with the maximal probability is drawn)."""
    grid = V.reshape(env.rows, env.cols)
    ax.imshow(grid, cmap="viridis")
    probs = np.eye(4)[policy] if policy.ndim == 1 else policy
    for s in range(env.n_states):
        r, c = divmod(s, env.cols)
        if env.terminal_mask[s]:
            ax.text(c, r, "T", ha="center", va="center", color="white", fontsize=14, weight="bold")
            continue
        arrows = "".join(ACTION_ARROWS[a] for a in np.flatnonzero(np.isclose(probs[s], probs[s].max())))
        ax.text(c, r - 0.15, arrows, ha="center", va="center", color="white", fontsize=12)
        ax.text(c, r + 0.25, f"{V[s]:.1f}", ha="center", va="center", color="white", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)


def plot_values_and_policy(env: GridWorld, V, policy, path: str | Path, title: str = "V* and greedy policy"):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1 + env.cols, 1 + env.rows))
    _draw(ax, env, np.asarray(V), np.asarray(policy), title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_random_vs_optimal(env: GridWorld, V_random, policy_random, V_opt, policy_opt, path: str | Path):
    """Side by side: the uniform random policy and its V^pi, and the optimal policy and V*."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(2 + 2 * env.cols, 1 + env.rows))
    _draw(axes[0], env, np.asarray(V_random), np.asarray(policy_random), "random policy, V^pi")
    _draw(axes[1], env, np.asarray(V_opt), np.asarray(policy_opt), "optimal policy, V*")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
