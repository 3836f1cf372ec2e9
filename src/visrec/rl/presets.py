"""Tuned hyperparameters per (environment, algorithm), applied by ``visrec rl train`` before the user's own.

``ZOO`` holds the RL Zoo's tuned CartPole-v1 values (rl-baselines3-zoo ``hyperparams/dqn.yml``,
``ppo.yml``; ``lin_`` values become linear schedules), what ``benchmarks/rl_cartpole.py`` gives
stable-baselines3. visrec's PPO preset is the Zoo's; its DQN preset starts from the Zoo's and adds what
the benchmark measured to stop the collapse after solving that the Zoo's values show on some seeds (in
both libraries), Double DQN and a learning rate decaying linearly to 0 (a shorter exploration phase
solved sooner but collapsed more often), and 3-step returns, which halved the steps to solve with no
collapse (see BENCHMARKS.md). Atari's DQN values are Mnih et al. (2015) /
the Zoo's ``atari`` entry, with a smaller replay memory and fewer warm-up steps so that a CPU run shows
learning within an hour. Everything else uses the algorithm's dataclass defaults.
"""

from __future__ import annotations

__all__ = ["PRESETS", "ZOO", "preset", "zoo", "default_timesteps"]

_ATARI_DQN = dict(learning_rate=1e-4, buffer_size=100_000, learning_starts=10_000, batch_size=32,
                  train_freq=4, gradient_steps=1, target_update_interval=1000, exploration_fraction=0.1,
                  exploration_final_eps=0.01, clip_reward=True)

# visrec's additions to the Zoo's CartPole DQN values (measured in benchmarks/rl_cartpole.py)
DQN_STABLE = dict(double_dqn=True, lr_schedule="linear", n_step=3)

ZOO: dict[str, dict[str, dict]] = {
    "CartPole-v1": {
        "dqn": dict(learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1000,
                    gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
                    exploration_fraction=0.16, exploration_final_eps=0.04, hidden=(256, 256)),
        "ppo": dict(n_envs=8, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                    ent_coef=0.0, learning_rate=1e-3, lr_schedule="linear", clip_range=0.2,
                    clip_schedule="linear"),
    },
}

PRESETS: dict[str, dict[str, dict]] = {
    "CartPole-v1": {
        "dqn": {**ZOO["CartPole-v1"]["dqn"], **DQN_STABLE},
        "ppo": dict(ZOO["CartPole-v1"]["ppo"]),
        "a2c": dict(n_envs=8, ent_coef=0.0),
        "reinforce": dict(learning_rate=1e-2, episodes_per_update=4, baseline="value"),
    },
    "gridworld": {"qlearn": dict(learning_rate=0.5, gamma=1.0, exploration_fraction=0.5)},
    "atari": {"dqn": _ATARI_DQN,
              "ppo": dict(n_envs=8, n_steps=128, n_epochs=4, batch_size=256, learning_rate=2.5e-4,
                          lr_schedule="linear", clip_range=0.1, clip_schedule="linear", ent_coef=0.01)},
}

_TIMESTEPS = {("CartPole-v1", "dqn"): 50_000, ("CartPole-v1", "ppo"): 100_000,
              ("CartPole-v1", "a2c"): 500_000, ("CartPole-v1", "reinforce"): 100_000,
              ("gridworld", "qlearn"): 20_000}


def preset(env: str, algo: str, atari: bool = False) -> dict:
    """The tuned hyperparameters for ``env`` and ``algo`` (an empty dict when there are none)."""
    table = PRESETS.get("atari" if atari else env, {})
    return dict(table.get(algo, {}))


def zoo(env: str, algo: str) -> dict:
    """The RL Zoo's tuned hyperparameters for ``env`` and ``algo`` (what the benchmark gives SB3)."""
    return dict(ZOO.get(env, {}).get(algo, {}))


def default_timesteps(env: str, algo: str, atari: bool = False) -> int:
    if atari:
        return 1_000_000
    return _TIMESTEPS.get((env, algo), 100_000)
