"""DQN: the target is r at terminal steps, Double DQN, the Mnih network, errors, exact resume."""

import copy

import numpy as np
import pytest
import torch

from visrec.rl.common.errors import ParameterError
from visrec.rl.common.policies import MnihQNetwork
from visrec.rl.common.replay import NStepAccumulator
from visrec.rl.dqn import DQN, dqn_targets


def test_target_is_reward_at_terminal_steps():
    r = torch.tensor([1.0, -2.0, 0.5])
    term = torch.tensor([1.0, 1.0, 0.0])
    next_q = torch.tensor([[100.0, 3.0], [7.0, 9.0], [2.0, 4.0]])
    y = dqn_targets(r, term, next_q, gamma=0.9)
    assert y.tolist() == pytest.approx([1.0, -2.0, 0.5 + 0.9 * 4.0])


def test_double_dqn_evaluates_the_online_argmax_with_the_target_net():
    r, term = torch.zeros(2), torch.zeros(2)
    target_q = torch.tensor([[1.0, 5.0], [3.0, 0.0]])
    online_q = torch.tensor([[9.0, 0.0], [0.0, 9.0]])
    assert dqn_targets(r, term, target_q, 1.0, online_q).tolist() == [1.0, 0.0]


def test_train_step_regresses_on_r_for_terminal_transitions():
    algo = DQN("MlpPolicy", "CartPole-v1", seed=0, learning_starts=0, batch_size=8, loss="mse",
               buffer_size=100, max_grad_norm=0.0, learning_rate=1e-3)
    obs = np.ones(4, np.float32)
    for _ in range(8):
        algo.replay.add(obs, 1, 3.0, obs * 100, True)  # terminal: next_obs must not matter
    q_before = algo.q_net(torch.as_tensor(obs)[None])[0, 1].item()
    params = copy.deepcopy(algo.q_net.state_dict())
    loss = algo._train_step()
    assert loss == pytest.approx((3.0 - q_before) ** 2, rel=1e-5)
    # the same update by hand: MSE towards y = r
    ref = copy.deepcopy(algo.q_net)
    ref.load_state_dict(params)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
    l_ref = (ref(torch.as_tensor(obs)[None].repeat(8, 1))[:, 1] - 3.0).pow(2).mean()
    opt.zero_grad()
    l_ref.backward()
    opt.step()
    for a, b in zip(ref.parameters(), algo.q_net.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_mnih_network_shapes_and_parameters():
    q = MnihQNetwork(n_actions=4)
    assert q(torch.zeros(3, 4, 84, 84, dtype=torch.uint8)).shape == (3, 4)
    convs = [m for m in q.modules() if isinstance(m, torch.nn.Conv2d)]
    layout = [(c.out_channels, c.kernel_size, c.stride) for c in convs]
    assert layout == [(16, (8, 8), (4, 4)), (32, (4, 4), (2, 2))]
    expected = (4 * 16 * 64 + 16) + (16 * 32 * 16 + 32) + (32 * 9 * 9 * 256 + 256) + (256 * 4 + 4)
    assert sum(p.numel() for p in q.parameters()) == expected


def test_continuous_action_space_is_refused():
    with pytest.raises(ParameterError, match="discrete action space"):
        DQN("MlpPolicy", "Pendulum-v1")


def test_unknown_env_suggests_close_matches():
    with pytest.raises(ParameterError, match="Did you mean 'CartPole-v1'"):
        DQN("MlpPolicy", "cartpole-v1")


def test_bad_hyperparameter_names_the_parameter():
    with pytest.raises(ValueError, match="'gamma' parameter of DQN"):
        DQN("MlpPolicy", "CartPole-v1", gamma=1.5)


def _small(seed=0):
    return DQN("MlpPolicy", "CartPole-v1", seed=seed, learning_starts=100, buffer_size=1000, batch_size=16,
               train_freq=2, target_update_interval=50, hidden=(16,), exploration_fraction=0.5)


@pytest.mark.slow
def test_resume_is_exact():
    total = 700
    straight = _small().learn(total)

    first = _small()
    first.learn(total, callback=lambda algo, rec: rec["step"] < 300)  # stop at the first episode end >= 300
    stopped_at = first.num_timesteps
    assert 300 <= stopped_at < total
    tensors, meta = first.state()
    tensors = {k: np.array(v) for k, v in tensors.items()}
    resumed = _small(seed=123)  # a different seed: everything must come from the checkpoint
    resumed.load_state(tensors, copy.deepcopy(meta))
    resumed.learn(total - stopped_at, reset_num_timesteps=False)

    assert resumed.num_timesteps == straight.num_timesteps == total
    for a, b in zip(straight.q_net.parameters(), resumed.q_net.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    np.testing.assert_array_equal(straight.replay.obs, resumed.replay.obs)


@pytest.mark.slow
def test_learns_something_on_cartpole_quickly():
    torch.set_num_threads(1)
    algo = DQN("MlpPolicy", "CartPole-v1", seed=0, learning_rate=2.3e-3, batch_size=64, buffer_size=10_000,
               learning_starts=500, target_update_interval=10, train_freq=64, gradient_steps=32,
               exploration_fraction=0.3, exploration_final_eps=0.04, hidden=(64, 64))
    returns = []
    algo.learn(6000, callback=lambda a, rec: returns.append(rec["episode_return"]))
    assert np.mean(returns[-5:]) > 2 * np.mean(returns[:10])


def test_linear_lr_schedule_decays_to_the_final_fraction():
    algo = DQN("MlpPolicy", "CartPole-v1", seed=0, learning_rate=1e-3, lr_schedule="linear",
               lr_final_fraction=0.1, learning_starts=10, train_freq=5, buffer_size=100)
    algo.learn(100)
    # the last update happened at step 100: progress 1, so lr = 0.1 x learning_rate
    assert algo.optimizer.param_groups[0]["lr"] == pytest.approx(1e-4)
    algo._total_timesteps, algo.num_timesteps = 100, 50
    assert algo.current_lr() == pytest.approx(1e-3 * (0.1 + 0.9 * 0.5))
    const = DQN("MlpPolicy", "CartPole-v1", seed=0, learning_rate=1e-3, learning_starts=10, buffer_size=100)
    const.learn(50)
    assert const.optimizer.param_groups[0]["lr"] == 1e-3


def test_soft_target_update_is_polyak_averaging():
    algo = DQN("MlpPolicy", "CartPole-v1", seed=0, tau=0.25, buffer_size=100)
    with torch.no_grad():
        for p in algo.q_net.parameters():
            p.add_(1.0)
    before = [t.clone() for t in algo.q_target.parameters()]
    algo._update_target()
    for b, t, p in zip(before, algo.q_target.parameters(), algo.q_net.parameters(), strict=True):
        torch.testing.assert_close(t, 0.75 * b + 0.25 * p)


@pytest.mark.parametrize("bad", [{"tau": 0.0}, {"tau": 1.5}, {"lr_schedule": "cosine"}, {"lr_final_fraction": 2.0}])
def test_bad_schedule_settings_are_refused(bad):
    with pytest.raises(ParameterError):
        DQN("MlpPolicy", "CartPole-v1", **bad)


def _brute_force_n_step(rewards, n, gamma, terminal):
    """(t, R, t + m, m) of every n-step transition of one episode of len(rewards) steps, from the sums."""
    T, out = len(rewards), []
    for t in range(T):
        m = min(n, T - t)
        out.append((t, sum(gamma**k * rewards[t + k] for k in range(m)), t + m, m, terminal and t + m == T))
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("terminal", [True, False])
def test_n_step_accumulator_matches_the_sums(n, terminal):
    rng = np.random.default_rng(n)
    rewards = rng.normal(size=7).tolist()
    acc, got = NStepAccumulator(n, gamma=0.9), []
    for t, r in enumerate(rewards):
        end = t == len(rewards) - 1
        got += acc.push(t, t % 2, r, t + 1, terminal and end, end)
    assert len(acc) == 0
    expected = _brute_force_n_step(rewards, n, 0.9, terminal)
    assert [(o, nxt, m, term) for o, _, _, nxt, term, m in got] == [(t, nx, m, tm) for t, _, nx, m, tm in expected]
    assert [g[1] for g in got] == [t % 2 for t, *_ in expected]
    np.testing.assert_allclose([g[2] for g in got], [e[1] for e in expected], rtol=1e-12)


def test_n_step_flush_bootstraps_a_stopped_episode():
    acc = NStepAccumulator(3, gamma=0.5)
    assert acc.push("s0", 0, 1.0, "s1", False, False) == []
    assert acc.push("s1", 0, 1.0, "s2", False, False) == []
    out = acc.flush("s2")
    assert [(o, r, nxt, term, m) for o, _, r, nxt, term, m in out] == [("s0", 1.5, "s2", False, 2),
                                                                          ("s1", 1.0, "s2", False, 1)]


def test_n_step_dqn_stores_n_step_returns_in_time_order():
    algo = DQN("MlpPolicy", "CartPole-v1", seed=0, learning_starts=10_000, buffer_size=5000, n_step=3,
               gamma=0.9, hidden=(8,))
    algo.learn(400)
    n, h = len(algo.replay), algo.replay.horizons[: len(algo.replay)]
    assert n == 400 and set(np.unique(h)) <= {1.0, 2.0, 3.0}
    # CartPole pays 1 per step: R = (1 - gamma^m) / (1 - gamma)
    np.testing.assert_allclose(algo.replay.rewards[:n], (1 - 0.9**h) / (1 - 0.9), rtol=1e-6)
    full = np.flatnonzero((h[:-3] == 3) & (algo.replay.terminated[: n - 3] == 0))  # s_{t+3} starts a step
    np.testing.assert_array_equal(algo.replay.next_obs[full], algo.replay.obs[full + 3])
    term = algo.replay.terminated[:n]
    ends = np.flatnonzero(term * (h == 1))  # an episode's last step; the two before it end there too
    assert len(ends) > 5 and np.all(term[ends - 1] * term[ends - 2] == 1)
    assert np.all(h[ends - 1] == 2) and np.all(h[ends - 2] == 3) and term.sum() == 3 * len(ends)


def test_n_step_train_step_bootstraps_with_gamma_to_the_m():
    algo = DQN("MlpPolicy", "CartPole-v1", seed=0, learning_starts=0, batch_size=4, loss="mse", n_step=3,
               buffer_size=10, max_grad_norm=0.0, gamma=0.5, hidden=(8,))
    obs, nxt = np.ones(4, np.float32), np.full(4, 2.0, np.float32)
    for _ in range(4):
        algo.replay.add(obs, 0, 1.75, nxt, False, horizon=3)
    with torch.no_grad():
        q = algo.q_net(torch.as_tensor(obs)[None])[0, 0].item()
        best_next = algo.q_target(torch.as_tensor(nxt)[None]).max().item()
    loss = algo._train_step()
    assert loss == pytest.approx((1.75 + 0.5**3 * best_next - q) ** 2, rel=1e-5)


def test_n_step_is_refused_for_atari_frames():
    pytest.importorskip("ale_py")
    with pytest.raises(ParameterError, match="n_step=3 needs vector observations"):
        DQN("CnnPolicy", "ALE/Pong-v5", n_step=3, buffer_size=100, learning_starts=10)


@pytest.mark.slow
def test_n_step_resume_is_exact():
    def small(seed=0):
        return DQN("MlpPolicy", "CartPole-v1", seed=seed, learning_starts=100, buffer_size=1000, batch_size=16,
                   train_freq=2, target_update_interval=50, hidden=(16,), exploration_fraction=0.5, n_step=3)

    straight = small().learn(600)
    first = small()
    first.learn(600, callback=lambda algo, rec: rec["step"] < 250)
    tensors, meta = first.state()
    resumed = small(seed=7)
    resumed.load_state({k: np.array(v) for k, v in tensors.items()}, copy.deepcopy(meta))
    resumed.learn(600 - first.num_timesteps, reset_num_timesteps=False)
    for a, b in zip(straight.q_net.parameters(), resumed.q_net.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    np.testing.assert_array_equal(straight.replay.horizons, resumed.replay.horizons)
