"""The RL networks in the registry: Q-networks act greedily or epsilon-greedily, actor-critics sample pi."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("gymnasium")

from visrec.torch_nn import create_model, list_models  # noqa: E402
from visrec.torch_nn.interfaces import Policy  # noqa: E402


def test_every_policy_builds_and_satisfies_the_protocol():
    assert list_models(kind="policy") == ["atari_actor_critic", "atari_q_network", "mlp_actor_critic",
                                          "mlp_q_network"]
    for name in ("mlp_q_network", "mlp_actor_critic"):
        assert isinstance(create_model(name, obs_dim=4, n_actions=3), Policy)
    frames = torch.zeros(2, 4, 84, 84, dtype=torch.uint8)
    assert create_model("atari_q_network", n_actions=6)(frames).shape == (2, 6)
    assert create_model("atari_actor_critic", n_actions=6).act(frames).shape == (2,)


def test_q_network_act_is_argmax_and_epsilon_explores_uniformly():
    torch.manual_seed(0)
    q = create_model("mlp_q_network", obs_dim=4, n_actions=3, hidden=(16,))
    obs = torch.randn(4000, 4)
    greedy = q(obs).argmax(1)
    assert torch.equal(q.act(obs, deterministic=True), greedy)
    q.epsilon = 0.0
    assert torch.equal(q.act(obs), greedy)
    q.epsilon = 1.0
    counts = torch.bincount(q.act(obs), minlength=3).double() / len(obs)
    torch.testing.assert_close(counts, torch.full((3,), 1 / 3, dtype=torch.float64), atol=0.03, rtol=0)


def test_actor_critic_act_samples_pi_and_its_mode_when_deterministic():
    torch.manual_seed(0)
    ac = create_model("mlp_actor_critic", obs_dim=2, n_actions=3, hidden=(8,))
    with torch.no_grad():
        ac.actor[-1].bias.copy_(torch.tensor([2.0, 0.0, -1.0]))
        ac.actor[-1].weight.zero_()
    obs = torch.randn(20000, 2)
    probs = torch.softmax(torch.tensor([2.0, 0.0, -1.0]), 0).double()
    freq = torch.bincount(ac.act(obs), minlength=3).double() / len(obs)
    torch.testing.assert_close(freq, probs, atol=0.01, rtol=0)
    assert (ac.act(obs, deterministic=True) == 0).all()
    logits, value = ac(obs[:5])
    assert logits.shape == (5, 3) and value.shape == (5,)
