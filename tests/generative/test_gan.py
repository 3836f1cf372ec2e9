"""GAN losses on fixed logits, the gradient penalty on known critics, DCGAN shapes/errors, the k:1 step."""

import math

import pytest
import torch
from torch import nn

from visrec.generative._errors import ParameterError
from visrec.generative.gan import (
    dcgan_discriminator,
    dcgan_generator,
    dcgan_plan,
    discriminator_loss,
    gan_iteration,
    generator_loss,
    generator_loss_saturating,
    gradient_penalty,
    ls_discriminator_loss,
    ls_generator_loss,
    sample_noise,
    wgan_critic_loss,
    wgan_generator_loss,
)

REAL = torch.tensor([2.0, -1.0, 0.5, 0.0], dtype=torch.float64)
FAKE = torch.tensor([-3.0, 1.0, 0.25], dtype=torch.float64)


def sig(v):
    return 1 / (1 + math.exp(-v))


def test_bce_gan_losses_by_hand():
    d_hand = -sum(math.log(sig(v)) for v in REAL.tolist()) / 4 - sum(math.log(1 - sig(v)) for v in FAKE.tolist()) / 3
    g_hand = -sum(math.log(sig(v)) for v in FAKE.tolist()) / 3
    sat_hand = sum(math.log(1 - sig(v)) for v in FAKE.tolist()) / 3
    assert float(discriminator_loss(REAL, FAKE)) == pytest.approx(d_hand, rel=1e-12)
    assert float(generator_loss(FAKE)) == pytest.approx(g_hand, rel=1e-12)
    assert float(generator_loss_saturating(FAKE)) == pytest.approx(sat_hand, rel=1e-12)
    bce = nn.BCELoss()  # torch's BCE on probabilities, mean over the batch
    ref = bce(torch.sigmoid(REAL), torch.ones(4, dtype=torch.float64)) + bce(
        torch.sigmoid(FAKE), torch.zeros(3, dtype=torch.float64)
    )
    torch.testing.assert_close(discriminator_loss(REAL, FAKE), ref)


def test_bce_losses_are_stable_for_extreme_logits():
    big = torch.tensor([200.0, -200.0])
    assert torch.isfinite(discriminator_loss(big, big)) and torch.isfinite(generator_loss(big))
    assert float(generator_loss(torch.tensor([-200.0]))) == pytest.approx(200.0)


def test_lsgan_and_wgan_losses_by_hand():
    ls_d = 0.5 * sum((v - 1) ** 2 for v in REAL.tolist()) / 4 + 0.5 * sum(v**2 for v in FAKE.tolist()) / 3
    ls_g = 0.5 * sum((v - 1) ** 2 for v in FAKE.tolist()) / 3
    assert float(ls_discriminator_loss(REAL, FAKE)) == pytest.approx(ls_d, rel=1e-12)
    assert float(ls_generator_loss(FAKE)) == pytest.approx(ls_g, rel=1e-12)
    assert float(wgan_critic_loss(REAL, FAKE)) == pytest.approx(FAKE.mean() - REAL.mean())
    assert float(wgan_generator_loss(FAKE)) == pytest.approx(-FAKE.mean())


def test_generator_losses_saturate_as_the_lecture_says():
    """At D(G(z)) near 0 the minimax loss's gradient is tiny, the non-saturating one's is large."""
    logit = torch.tensor([-6.0], requires_grad=True)
    (g_sat,) = torch.autograd.grad(generator_loss_saturating(logit), logit)
    (g_ns,) = torch.autograd.grad(generator_loss(logit), logit)
    assert abs(float(g_sat)) < 0.01 < 0.9 < abs(float(g_ns))


def test_sample_noise_is_uniform_in_minus_one_one():
    z = sample_noise(20000, 3, torch.Generator().manual_seed(0))
    assert z.shape == (20000, 3) and z.min() >= -1 and z.max() <= 1
    assert abs(float(z.mean())) < 0.02 and float(z.var()) == pytest.approx(1 / 3, abs=0.01)
    with pytest.raises(ParameterError, match="noise-dim"):
        sample_noise(4, 0)


def test_gradient_penalty_on_known_critics():
    g = torch.Generator().manual_seed(0)
    w = torch.tensor([[0.5, 0.0], [1.0, 2.0]], dtype=torch.float64)  # linear critic: grad = w everywhere
    real, fake = torch.randn(6, 2, 2, dtype=torch.float64), torch.randn(6, 2, 2, dtype=torch.float64)
    gp = gradient_penalty(lambda x: (x * w).flatten(1).sum(1), real, fake, g)
    assert float(gp.detach()) == pytest.approx((math.sqrt(0.25 + 1 + 4) - 1) ** 2, rel=1e-12)
    # quadratic critic D(x) = ||x||^2 / 2: grad = x_hat; with real == fake the interpolate is x itself
    x = torch.randn(5, 3, dtype=torch.float64)
    gp = gradient_penalty(lambda v: 0.5 * v.pow(2).sum(1), x, x.clone(), g)
    assert float(gp.detach()) == pytest.approx(float((x.norm(dim=1) - 1).pow(2).mean()), rel=1e-12)
    # a 1-Lipschitz critic with unit gradient norm has zero penalty
    u = torch.tensor([0.6, 0.8], dtype=torch.float64)
    assert float(gradient_penalty(lambda v: v @ u, real[:, 0], fake[:, 0], g).detach()) == pytest.approx(0.0, abs=1e-12)


def test_gradient_penalty_is_differentiable_in_the_critic():
    critic = nn.Linear(3, 1)
    gp = gradient_penalty(lambda v: critic(v)[:, 0], torch.randn(4, 3), torch.randn(4, 3))
    gp.backward()
    expected = 2 * (critic.weight.norm() - 1) * critic.weight / critic.weight.norm()
    torch.testing.assert_close(critic.weight.grad, expected.detach())


@pytest.mark.parametrize("size,plan", [(8, (4, 1)), (28, (7, 2)), (32, (4, 3)), (12, (6, 1))])
def test_dcgan_shapes(size, plan):
    assert dcgan_plan(size) == plan
    g, d = dcgan_generator(8, 3, size, width=4), dcgan_discriminator(3, size, width=4, norm="layer")
    x = g(torch.zeros(2, 8))
    assert x.shape == (2, 3, size, size) and x.abs().max() <= 1
    assert d(x).shape == (2,)


def test_dcgan_follows_the_guidelines():
    g, d = dcgan_generator(8, 1, 28, width=4), dcgan_discriminator(1, 28, width=4)
    kinds_g = {type(m) for m in g.modules()}
    kinds_d = {type(m) for m in d.modules()}
    assert nn.Linear not in kinds_g | kinds_d and nn.MaxPool2d not in kinds_g | kinds_d
    assert {nn.ConvTranspose2d, nn.BatchNorm2d, nn.ReLU, nn.Tanh} <= kinds_g
    assert {nn.Conv2d, nn.BatchNorm2d, nn.LeakyReLU} <= kinds_d and nn.ReLU not in kinds_d
    d_convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    g_convs = [m for m in g.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert all(m.stride == (2, 2) for m in d_convs[:-1]) and d_convs[-1].out_channels == 1
    assert all(m.stride == (2, 2) for m in g_convs[1:]) and g_convs[0].in_channels == 8


@pytest.mark.parametrize("size", [27, 33, 5, 7])
def test_dcgan_rejects_odd_image_sizes(size):
    with pytest.raises(ParameterError, match="image side"):
        dcgan_generator(8, 1, size)


def test_dcgan_rejects_a_latent_size_of_zero_and_wrong_inputs():
    with pytest.raises(ParameterError, match="noise-dim"):
        dcgan_generator(0, 1, 28)
    with pytest.raises(ParameterError, match=r"\(N, 1, 28, 28\)"):
        dcgan_discriminator(1, 28, width=4)(torch.zeros(2, 1, 32, 32))


class CountingD(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.d, self.calls = d, 0

    def forward(self, x):
        self.calls += 1
        return self.d(x)


@pytest.mark.parametrize("variant", ["dcgan", "lsgan", "wgan-gp"])
def test_k_discriminator_steps_per_generator_step(variant):
    torch.manual_seed(0)
    g = dcgan_generator(4, 1, 8, width=4)
    d = CountingD(dcgan_discriminator(1, 8, width=4, norm="layer" if variant == "wgan-gp" else "batch"))
    opt_g, opt_d = torch.optim.Adam(g.parameters(), 1e-3), torch.optim.Adam(d.parameters(), 1e-3)
    before = [p.clone() for p in g.parameters()]
    out = gan_iteration(g, d, opt_g, opt_d, [torch.rand(4, 1, 8, 8) * 2 - 1 for _ in range(3)], variant)
    per_d_step = 3 if variant == "wgan-gp" else 2  # real, fake (+ interpolates for the penalty)
    assert d.calls == 3 * per_d_step + 1
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert any(not torch.equal(a, b) for a, b in zip(before, g.parameters(), strict=True))
