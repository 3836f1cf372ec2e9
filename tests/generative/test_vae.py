"""VAE: closed-form KL vs Monte Carlo, ELBO <= log p(x) on a linear-Gaussian model, IWAE tightens with k."""

import math

import pytest
import torch
from torch import nn

from visrec.generative import VAE, conv_vae, gaussian_kl, log_normal, mlp_vae, reparameterize
from visrec.generative._errors import ParameterError


def test_kl_closed_form_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 4, generator=g, dtype=torch.float64)
    logvar = torch.randn(3, 4, generator=g, dtype=torch.float64)
    m = 50_000
    z = reparameterize(mu.expand(m, 3, 4), logvar.expand(m, 3, 4), g)  # (M, N, Z)
    log_q = log_normal(z, mu, 0.5 * logvar).sum(-1)
    log_p = log_normal(z, torch.zeros(()), torch.zeros(())).sum(-1)
    samples = log_q - log_p  # (M, N)
    mc, se = samples.mean(0), samples.std(0) / math.sqrt(m)
    closed = gaussian_kl(mu, logvar)
    assert torch.all((mc - closed).abs() < 4 * se), (mc, closed, se)
    # and against torch.distributions
    q = torch.distributions.Normal(mu, (0.5 * logvar).exp())
    ref = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(closed, ref)


class LinearGaussian:
    """p(z) = N(0, I_Z), p(x|z) = N(W z + b, s^2 I_D) with orthogonal columns of W, so the exact posterior is
    diagonal and log p(x) = log N(x; b, W W^T + s^2 I) is known exactly."""

    def __init__(self, d=5, z=2, s=0.5, seed=0):
        g = torch.Generator().manual_seed(seed)
        q, _ = torch.linalg.qr(torch.randn(d, z, generator=g, dtype=torch.float64))
        self.w = q * torch.tensor([2.0, 0.7], dtype=torch.float64)  # (D, Z), W^T W diagonal
        self.b = torch.randn(d, generator=g, dtype=torch.float64)
        self.s = s
        self.d, self.z = d, z
        self.x = (torch.randn(6, z, generator=g, dtype=torch.float64) @ self.w.T + self.b) + s * torch.randn(
            6, d, generator=g, dtype=torch.float64
        )

    def log_px(self, x):
        cov = self.w @ self.w.T + self.s**2 * torch.eye(self.d, dtype=torch.float64)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x)

    def posterior(self):
        """Exact q*(z|x) = N(A (x - b), diag(v)): A = V W^T / s^2, V = (I + W^T W / s^2)^-1."""
        v = torch.linalg.inv(torch.eye(self.z, dtype=torch.float64) + self.w.T @ self.w / self.s**2)
        return v @ self.w.T / self.s**2, torch.diagonal(v)

    def vae(self, mean_shift=0.0, logvar_shift=0.0):
        a, v = self.posterior()
        enc = nn.Linear(self.d, 2 * self.z).double()
        dec = nn.Linear(self.z, self.d).double()
        with torch.no_grad():
            enc.weight.zero_()
            enc.weight[: self.z] = a
            enc.bias[: self.z] = -a @ self.b + mean_shift
            enc.bias[self.z :] = v.log() + logvar_shift
            dec.weight.copy_(self.w)
            dec.bias.copy_(self.b)
        return VAE(enc, dec, self.z, "gaussian", log_sigma=math.log(self.s), learn_sigma=False).double()


def mc_mean(fn, x, reps=4000):
    """Mean and standard error over ``reps`` independent draws of fn, run as one batch of R copies of x."""
    with torch.no_grad():
        vals = fn(x.repeat(reps, 1)).view(reps, len(x))  # (R, N)
    return vals.mean(0), vals.std(0) / math.sqrt(reps)


def test_elbo_never_exceeds_exact_log_likelihood():
    lg = LinearGaussian()
    exact = lg.log_px(lg.x)
    g = torch.Generator().manual_seed(1)
    for shift in [(0.0, 0.0), (0.5, 0.0), (0.0, 1.0), (-1.0, -1.0)]:
        vae = lg.vae(*shift)
        elbo, se = mc_mean(lambda x, v=vae: v.elbo(x, g), lg.x)
        assert torch.all(elbo <= exact + 4 * se + 1e-9), (shift, elbo, exact)
        if shift == (0.0, 0.0):  # the exact posterior: the bound is tight
            torch.testing.assert_close(elbo, exact, atol=float(5 * se.max()), rtol=0)
        else:  # and the gap is KL(q || p(z|x)) > 0, computed in closed form
            a, v = lg.posterior()
            mu_post = (lg.x - lg.b) @ a.T
            mu_q, logvar_q = vae.encode(lg.x)
            p = torch.distributions.Normal(mu_post, v.sqrt())
            q = torch.distributions.Normal(mu_q, (0.5 * logvar_q).exp())
            gap = torch.distributions.kl_divergence(q, p).sum(1).detach()
            torch.testing.assert_close(exact - elbo, gap, atol=float(5 * se.max()), rtol=0)
            assert torch.all(gap > 0.05)


def test_iwae_tightens_with_k_and_is_exact_at_the_posterior():
    lg = LinearGaussian()
    exact = lg.log_px(lg.x)
    g = torch.Generator().manual_seed(2)
    vae = lg.vae(0.8, 0.7)
    means = []
    for k in (1, 5, 50):
        m, se = mc_mean(lambda x, k=k: vae.iwae(x, k, g), lg.x, reps=2000)
        assert torch.all(m <= exact + 4 * se + 1e-9)
        means.append(m)
    assert torch.all(means[0] < means[1]) and torch.all(means[1] < means[2])
    assert torch.all(exact - means[2] < 0.5 * (exact - means[0]))
    torch.testing.assert_close(lg.vae().iwae(lg.x, 3, g), exact)  # every weight equals p(x)


def test_reparameterization_carries_gradients():
    mu = torch.zeros(2, 3, requires_grad=True)
    logvar = torch.zeros(2, 3, requires_grad=True)
    reparameterize(mu, logvar, torch.Generator().manual_seed(0)).sum().backward()
    assert torch.all(mu.grad == 1) and logvar.grad.abs().sum() > 0


@pytest.mark.parametrize("build", [conv_vae, mlp_vae])
def test_vae_overfits_a_tiny_set(build):
    torch.manual_seed(0)
    x = (torch.rand(8, 1, 8, 8) < 0.3).float()
    vae = build(1, 8, 4, 32)
    opt = torch.optim.Adam(vae.parameters(), lr=3e-3)
    g = torch.Generator().manual_seed(0)
    start = float(vae.loss(x, g).detach())
    for _ in range(150):
        opt.zero_grad()
        loss = vae.loss(x, g)
        loss.backward()
        opt.step()
    assert float(vae.loss(x, g).detach()) < 0.5 * start
    assert vae.sample(3, g).shape == (3, 1, 8, 8)


def test_latent_size_zero_is_a_clear_error():
    with pytest.raises(ParameterError, match="latent-dim"):
        conv_vae(latent_dim=0)
    with pytest.raises(ParameterError, match="multiple of 4"):
        conv_vae(image_size=30)
