"""REINFORCE on a two-armed bandit, GAE against brute force, the actor-critic update signs, PPO's clip."""

import gymnasium as gym
import numpy as np
import pytest
import torch

from visrec.rl.a2c import A2C, actor_critic_loss
from visrec.rl.common.rollout import compute_gae
from visrec.rl.ppo import PPO, clipped_surrogate
from visrec.rl.reinforce import REINFORCE, discounted_returns, reinforce_surrogate


class TwoArmedBandit(gym.Env):
    """One-step episodes; arm 1 pays 1, arm 0 pays 0."""

    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        return 0, float(action == 1), True, False, {}


def test_reinforce_estimate_is_the_true_gradient_on_a_bandit():
    # pi = softmax(theta); J = sum_a pi_a r_a; the Monte-Carlo surrogate's gradient averages to grad J
    torch.manual_seed(0)
    theta = torch.tensor([0.3, -0.2], dtype=torch.float64, requires_grad=True)
    r = torch.tensor([0.0, 1.0], dtype=torch.float64)
    exact = torch.autograd.grad((torch.softmax(theta, 0) * r).sum(), theta)[0]
    dist = torch.distributions.Categorical(logits=theta)
    actions = dist.sample((200_000,))
    surrogate = reinforce_surrogate(dist.log_prob(actions), r[actions]) / len(actions)
    estimate = -torch.autograd.grad(surrogate, theta)[0]
    torch.testing.assert_close(estimate, exact, atol=3e-3, rtol=0)
    assert estimate[1] > 0 > estimate[0]  # ascent raises the paying arm's logit


@pytest.mark.parametrize("baseline", ["none", "moving_average", "value"])
def test_reinforce_moves_probability_to_the_paying_arm(baseline):
    algo = REINFORCE("MlpPolicy", TwoArmedBandit(), seed=0, baseline=baseline, learning_rate=0.05,
                     episodes_per_update=8, hidden=(8,))
    def p_pay():
        with torch.no_grad():
            return torch.softmax(algo.policy(torch.zeros(1, dtype=torch.long))[0], 1)[0, 1].item()
    before = p_pay()
    algo.learn(400)
    assert p_pay() > max(before, 0.9)
    assert algo.predict(0)[0] == 1


def test_discounted_reward_to_go():
    G = discounted_returns([1.0, 0.0, 2.0], 0.9)
    np.testing.assert_allclose(G, [1 + 0.81 * 2, 0.9 * 2, 2.0])


def _gae_brute_force(rewards, values, dones, last_values, gamma, lam):
    T, N = rewards.shape
    adv = np.zeros((T, N))
    for n in range(N):
        for t in range(T):
            total, discount = 0.0, 1.0
            for k in range(t, T):
                next_v = last_values[n] if k == T - 1 else values[k + 1, n]
                delta = rewards[k, n] + gamma * next_v * (1 - dones[k, n]) - values[k, n]
                total += discount * delta
                if dones[k, n]:
                    break
                discount *= gamma * lam
            adv[t, n] = total
    return adv


@pytest.mark.parametrize("lam", [1.0, 0.95, 0.0])
def test_gae_matches_brute_force(lam):
    rng = np.random.default_rng(0)
    T, N = 7, 3
    r, v = rng.normal(size=(T, N)), rng.normal(size=(T, N))
    d = (rng.random((T, N)) < 0.25).astype(float)
    last = rng.normal(size=N)
    adv, ret = compute_gae(*(torch.tensor(x) for x in (r, v, d, last)), gamma=0.9, gae_lambda=lam)
    np.testing.assert_allclose(adv.numpy(), _gae_brute_force(r, v, d, last, 0.9, lam), atol=1e-12)
    np.testing.assert_allclose(ret.numpy(), adv.numpy() + v)
    if lam == 1.0:  # the slide's A_t = sum gamma^(t'-t) r_t' - V(s_t), bootstrapped at the rollout's end
        t, n = 0, 0
        G, disc = 0.0, 1.0
        for k in range(T):
            G += disc * r[k, n]
            if d[k, n]:
                break
            disc *= 0.9
        else:
            G += disc * last[n]
        assert adv[t, n].item() == pytest.approx(G - v[t, n])


def test_actor_critic_update_signs():
    # one SGD step on the combined loss: theta ascends J (log pi of a positive-advantage action rises),
    # phi descends the value error (V moves towards the return)
    torch.manual_seed(0)
    logits = torch.zeros(1, 3, requires_grad=True)
    value = torch.zeros(1, requires_grad=True)
    for adv_sign in (+1.0, -1.0):
        logits.grad = value.grad = None
        dist = torch.distributions.Categorical(logits=logits)
        lp = dist.log_prob(torch.tensor([2]))
        loss, _, _ = actor_critic_loss(lp, torch.tensor([adv_sign]), value, torch.tensor([5.0]),
                                       dist.entropy(), vf_coef=0.5, ent_coef=0.0)
        loss.backward()
        with torch.no_grad():
            new_lp = torch.log_softmax(logits - 0.1 * logits.grad, 1)[0, 2]
            new_v = value - 0.1 * value.grad
        assert (new_lp - lp.detach()).item() * adv_sign > 0
        assert abs(5.0 - new_v.item()) < 5.0


def test_ppo_clip_stops_the_gradient_outside_the_trust_region():
    old = torch.zeros(4)
    new = torch.tensor([0.5, -0.5, 0.05, 0.5], requires_grad=True)  # ratios e^0.5, e^-0.5, ~1.05, e^0.5
    adv = torch.tensor([1.0, -1.0, 1.0, -1.0])
    loss = clipped_surrogate(new, old, adv, clip_range=0.2)
    loss.backward()
    g = new.grad
    assert g[0] == 0 and g[1] == 0  # clipped: no incentive to move further
    assert g[2] < 0 and g[3] > 0  # inside the region, or a harmful move being undone: gradient flows
    torch.testing.assert_close(g[2], -torch.exp(torch.tensor(0.05)) / 4)


ON_POLICY = [(A2C, dict(n_envs=2, n_steps=5)), (PPO, dict(n_envs=2, n_steps=16, batch_size=8, n_epochs=2))]


@pytest.mark.parametrize("cls,kw", ON_POLICY)
def test_on_policy_algorithms_run_and_count_steps(cls, kw):
    episodes = []
    algo = cls("MlpPolicy", "CartPole-v1", seed=0, hidden=(16,), **kw).learn(
        200, callback=lambda a, rec: episodes.append(rec))
    per_update = kw["n_envs"] * kw["n_steps"]
    assert algo.num_timesteps == -(-200 // per_update) * per_update
    assert episodes and all(e["episode_length"] >= 1 for e in episodes)
    assert isinstance(algo.predict(np.zeros(4, np.float32))[0], int)


@pytest.mark.slow
def test_ppo_with_the_zoo_preset_learns_cartpole():
    from visrec.rl.common.evaluation import evaluate_policy
    from visrec.rl.presets import preset

    torch.set_num_threads(1)
    algo = PPO("MlpPolicy", "CartPole-v1", seed=0, **preset("CartPole-v1", "ppo")).learn(8192)
    assert evaluate_policy(algo, n_episodes=5)["mean_return"] > 150  # random play averages about 22


class CountingEnv(gym.Env):
    """Observation = steps taken; reward 1 per step; truncated (time limit, not terminal) after 3 steps."""

    observation_space = gym.spaces.Box(0, 10, shape=(1,), dtype=np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1, np.float32), {}

    def step(self, action):
        self.t += 1
        return np.full(1, self.t, np.float32), 1.0, False, self.t >= 3, {}


def test_truncation_bootstraps_from_the_value_of_the_final_observation():
    envs = gym.vector.SyncVectorEnv([CountingEnv], autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    algo = A2C("MlpPolicy", envs, seed=0, n_envs=1, n_steps=6, learning_rate=1e-12, gamma=0.9, hidden=(8,))
    algo.learn(6)
    with torch.no_grad():
        v_final = algo.policy(torch.full((1, 1), 3.0))[1].item()
    rewards, dones = algo.rollout.rewards[:, 0], algo.rollout.dones[:, 0]
    assert dones.tolist() == [0, 0, 1, 0, 0, 1]
    assert rewards[2].item() == pytest.approx(1 + 0.9 * v_final, abs=1e-5)
    assert rewards[0].item() == 1.0


def test_async_environments_step_the_same_episodes_as_sync_ones():
    from visrec.rl.ppo import PPO

    runs = {}
    for mode in ("sync", "async"):
        torch.manual_seed(0)
        algo = PPO("MlpPolicy", "CartPole-v1", seed=3, n_envs=2, n_steps=16, batch_size=32, n_epochs=1,
                   vec_env=mode)
        episodes = []

        def record(a, rec, episodes=episodes):
            episodes.append((rec["episode_return"], a.num_timesteps))
            return True

        algo.learn(256, callback=record)
        algo.close()
        runs[mode] = (episodes, [p.detach().clone() for p in algo.policy.parameters()])
    assert runs["sync"][0] == runs["async"][0] and len(runs["sync"][0]) > 2
    for a, b in zip(runs["sync"][1], runs["async"][1], strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_unknown_vec_env_is_refused():
    from visrec.rl.common.errors import ParameterError
    from visrec.rl.ppo import PPO

    with pytest.raises(ParameterError, match="vec_env"):
        PPO("MlpPolicy", "CartPole-v1", vec_env="threads")
