"""Evaluate a policy: the return of ``n_episodes`` complete episodes on a fresh environment."""

from __future__ import annotations

import numpy as np

from visrec.rl.common.env_factory import make_env

__all__ = ["evaluate_policy"]


def evaluate_policy(algo, env=None, n_episodes: int = 10, deterministic: bool = True, seed: int = 10_000,
                    max_steps: int | None = None) -> dict:
    """Mean and std of the undiscounted return over ``n_episodes`` (episode i reset with seed + i).

    ``env`` defaults to a new copy of the algorithm's environment (raw rewards, no clipping).
    Returns {"mean_return", "std_return", "returns", "lengths"}.
    """
    env = make_env(algo.env_name) if env is None else env
    returns, lengths = [], []
    for i in range(n_episodes):
        obs, _ = env.reset(seed=seed + i)
        total, steps, done = 0.0, 0, False
        while not done:
            action, _ = algo.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            total, steps = total + float(reward), steps + 1
            done = terminated or truncated or (max_steps is not None and steps >= max_steps)
        returns.append(total)
        lengths.append(steps)
    r = np.asarray(returns)
    return {"mean_return": float(r.mean()), "std_return": float(r.std()), "returns": returns,
            "lengths": lengths}
