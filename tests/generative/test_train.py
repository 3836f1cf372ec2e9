"""Training on the run layer: resume equals an uninterrupted run; every model overfits a tiny set."""

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from visrec.generative.config import GenerativeConfig
from visrec.generative.data import load_generative_data
from visrec.generative.gan import dcgan_discriminator, dcgan_generator, gan_iteration, sample_noise
from visrec.generative.train import evaluate_heldout, load_data, train
from visrec.generative.wrapper import load_generative

SMALL = dict(hidden=8, layers=2, kernel_size=3, width=8, latent_dim=4, noise_dim=8, progress=False, limit=10)


def cfg_of(model, out, **kw):
    return GenerativeConfig(model=model, out=str(out), **{**SMALL, **kw})


@pytest.mark.slow
@pytest.mark.parametrize("model,extra", [("vae", {}), ("dcgan", {"d_steps": 2}), ("pixelcnn", {})])
def test_resume_equals_an_uninterrupted_run(tmp_path, model, extra):
    straight, _ = train(cfg_of(model, tmp_path / "a", epochs=2, **extra))
    first, _ = train(cfg_of(model, tmp_path / "b", epochs=1, **extra))
    resumed, metrics = train(cfg_of(model, tmp_path / "b", epochs=2, **extra).replace(resume=str(first), out=None))
    a, b = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    hist_a = [json.loads(line) for line in (straight / "history.jsonl").read_text().splitlines()]
    hist_b = [json.loads(line) for line in (resumed / "history.jsonl").read_text().splitlines()]
    assert [r["step"] for r in hist_a] == [r["step"] for r in hist_b]
    for ra, rb in zip(hist_a, hist_b, strict=True):
        assert ra["train_loss"] == pytest.approx(rb["train_loss"], rel=1e-12)
    assert metrics["status"] == "completed"


@pytest.mark.slow
@pytest.mark.parametrize(
    "model,key,factor,extra",
    [
        ("pixelcnn", "nll", 0.4, {}),
        ("pixelcnn", "nll", 0.4, {"stacks": True}),
        ("pixelrnn", "nll", 0.4, {}),
        ("vae", "neg_elbo", 0.5, {}),
        ("ae", "l2", 0.2, {}),
    ],
)
def test_explicit_models_and_autoencoder_overfit_a_tiny_set(tmp_path, model, key, factor, extra):
    cfg = cfg_of(
        model,
        tmp_path / "r",
        **extra,
        overfit=16,
        batch_size=4,
        epochs=60,
        samples_every=0,
        limit=None,
        lr=3e-3,
        eval_size=16,
        hidden=32,
        width=16,
        latent_dim=8,
    )
    path, _ = train(cfg)
    hist = [json.loads(line) for line in (path / "history.jsonl").read_text().splitlines()]
    gm = load_generative(path)
    on_train = evaluate_heldout(gm, load_data(cfg).train)[key]  # the 16 training images themselves
    assert on_train < factor * hist[0]["train_loss"], (hist[0]["train_loss"], on_train)
    assert gm.sample(2, seed=0).shape == (2, 8, 8, 1)


def _distance_ratio(g, x, others, rng):
    """median over samples of (distance to the nearest training image / to the nearest other digit)."""
    g.eval()
    with torch.no_grad():
        s = g(sample_noise(64, g.noise_dim, rng)).flatten(1)
    g.train()
    d_train = torch.cdist(s, x.flatten(1)).min(1).values
    d_other = torch.cdist(s, others.flatten(1)).min(1).values
    return float((d_train / d_other).median())


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["dcgan", "lsgan", "wgan-gp"])
def test_gans_overfit_a_tiny_set(variant):
    """Trained on 4 digits, the generator's samples move closer to those 4 than to the other digits."""
    torch.manual_seed(0)
    data = load_generative_data("digits")
    x, others = data.train[:4].float() / 127.5 - 1, data.test[:200].float() / 127.5 - 1
    g = dcgan_generator(8, 1, 8, 32)
    d = dcgan_discriminator(1, 8, 32, "layer" if variant == "wgan-gp" else "batch")
    betas = (0.5, 0.9 if variant == "wgan-gp" else 0.999)
    opt_g, opt_d = (
        torch.optim.Adam(g.parameters(), 2e-3, betas=betas),
        torch.optim.Adam(d.parameters(), 2e-3, betas=betas),
    )
    rng = torch.Generator().manual_seed(0)
    before = _distance_ratio(g, x, others, rng)
    for _ in range(300):
        gan_iteration(g, d, opt_g, opt_d, [x], variant, rng)
    after = _distance_ratio(g, x, others, rng)
    assert after < 0.9 and after < before - 0.1, (before, after)
