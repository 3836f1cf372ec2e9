"""Tabular MDPs: value iteration against closed forms, policy iteration, Q-learning on a chain."""

import numpy as np
import pytest

from visrec.rl.envs import GridWorld
from visrec.rl.tabular import (
    QLearning,
    bellman_optimality_residual,
    plot_random_vs_optimal,
    policy_evaluation,
    policy_iteration,
    q_from_v,
    random_policy,
    value_iteration,
)


def _manhattan_to_terminal(env):
    d = np.full(env.n_states, np.inf)
    for t in env.terminal_states:
        tr, tc = divmod(t, env.cols)
        for s in range(env.n_states):
            r, c = divmod(s, env.cols)
            d[s] = min(d[s], abs(r - tr) + abs(c - tc))
    return d


@pytest.mark.parametrize("gamma", [1.0, 0.9, 0.5])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (1, 6)])
def test_value_iteration_equals_closed_form(shape, gamma):
    # r = -1 per move, deterministic: V*(s) = -sum_{k<d} gamma^k with d the Manhattan distance to a terminal
    env = GridWorld(*shape)
    V, policy = value_iteration(env.P, env.R, gamma=gamma)
    d = _manhattan_to_terminal(env)
    expected = -d if gamma == 1.0 else -(1 - gamma**d) / (1 - gamma)
    np.testing.assert_allclose(V, expected, atol=1e-8)
    # the greedy policy walks to a terminal in exactly d steps
    for s in np.flatnonzero(~env.terminal_mask):
        state, steps = s, 0
        while not env.terminal_mask[state]:
            state = int(np.argmax(env.P[state, policy[state]]))
            steps += 1
        assert steps == d[s]


def test_bellman_optimality_holds_and_policy_iteration_agrees():
    env = GridWorld(4, 5, slip=0.2)
    V, pi = value_iteration(env.P, env.R, gamma=0.95)
    assert bellman_optimality_residual(env.P, env.R, V, 0.95) < 1e-8
    # a constant shift c leaves a residual of exactly (1 - gamma) c
    assert bellman_optimality_residual(env.P, env.R, V + 0.1, 0.95) == pytest.approx(0.1 * 0.05, abs=1e-8)
    V2, pi2 = policy_iteration(env.P, env.R, gamma=0.95)
    np.testing.assert_allclose(V2, V, atol=1e-8)
    Q = q_from_v(env.P, env.R, V, 0.95)
    np.testing.assert_allclose(Q[np.arange(env.n_states), pi2], Q.max(axis=1), atol=1e-8)


def test_random_policy_values_match_sutton_barto_figure():
    # the 4x4 grid with two terminal corners, uniform random policy, gamma = 1 (Sutton & Barto, Fig. 4.1)
    env = GridWorld(4, 4)
    V = policy_evaluation(env.P, env.R, random_policy(16, 4), gamma=1.0)
    expected = [0, -14, -20, -22, -14, -18, -20, -20, -20, -20, -18, -14, -22, -20, -14, 0]
    np.testing.assert_allclose(V, expected, atol=1e-9)
    # and against iterative policy evaluation (an independent method)
    W = np.zeros(16)
    for _ in range(5000):
        W = q_from_v(env.P, env.R, W, 1.0).mean(axis=1)
    np.testing.assert_allclose(V, W, atol=1e-6)


def test_qlearning_converges_on_deterministic_chain():
    env_kwargs = dict(rows=1, cols=6, terminals=[(0, 5)])
    algo = QLearning("tabular", GridWorld(**env_kwargs), seed=0, learning_rate=1.0, gamma=0.9,
                     exploration_fraction=0.0, exploration_initial_eps=1.0, exploration_final_eps=1.0)
    algo.learn(3000)
    env = GridWorld(**env_kwargs)
    V, _ = value_iteration(env.P, env.R, gamma=0.9)
    Q_star = q_from_v(env.P, env.R, V, 0.9)
    live = ~env.terminal_mask
    np.testing.assert_allclose(algo.Q[live], Q_star[live], atol=1e-9)
    assert all(algo.predict(s)[0] == 0 for s in range(5))  # always "right"


def test_qlearning_rejects_continuous_observations():
    from visrec.rl.common.errors import ParameterError

    with pytest.raises(ParameterError, match="discrete observation space"):
        QLearning("tabular", "CartPole-v1")


def test_random_vs_optimal_figure(tmp_path):
    env = GridWorld(4, 4)
    Vr = policy_evaluation(env.P, env.R, random_policy(16, 4), gamma=1.0)
    Vo, po = value_iteration(env.P, env.R, gamma=1.0)
    path = plot_random_vs_optimal(env, Vr, random_policy(16, 4), Vo, po, tmp_path / "gw.png")
    assert path.stat().st_size > 5000
