"""Training on the run layer: resume equals an uninterrupted run; every model overfits a tiny set."""

import json

import numpy as np
import pytest
from safetensors.numpy import load_file

from visrec.generative.config import GenerativeConfig
from visrec.generative.figures import nearest_neighbours
from visrec.generative.train import evaluate_heldout, load_data, train
from visrec.generative.wrapper import load_generative
from visrec.runs import load_predictor

SMALL = dict(hidden=8, layers=2, kernel_size=3, width=8, latent_dim=4, noise_dim=8, progress=False, limit=10)


def cfg_of(model, out, **kw):
    return GenerativeConfig(model=model, out=str(out), **{**SMALL, **kw})


@pytest.mark.slow
@pytest.mark.parametrize("model,extra", [("vae", {}), ("dcgan", {"d_steps": 2}), ("pixelcnn", {})])
def test_resume_equals_an_uninterrupted_run(tmp_path, model, extra):
    straight, _ = train(cfg_of(model, tmp_path / "a", epochs=2, **extra))
    first, _ = train(cfg_of(model, tmp_path / "b", epochs=1, **extra))
    resumed, metrics = train(
        cfg_of(model, tmp_path / "b", epochs=2, **extra).replace(resume=str(first), out=None)
    )
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
    "model,key,factor",
    [("pixelcnn", "nll", 0.4), ("pixelrnn", "nll", 0.4), ("vae", "neg_elbo", 0.5), ("ae", "l2", 0.2)],
)
def test_explicit_models_and_autoencoder_overfit_a_tiny_set(tmp_path, model, key, factor):
    cfg = cfg_of(
        model,
        tmp_path / "r",
        overfit=16,
        batch_size=16,
        epochs=200,
        samples_every=0,
        limit=None,
        lr=3e-3,
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


@pytest.mark.slow
@pytest.mark.parametrize("model", ["dcgan", "lsgan", "wgan-gp"])
def test_gans_overfit_a_tiny_set(tmp_path, model):
    """Trained on 4 digits, the generator's samples land near those 4 (closer than to other digits)."""
    cfg = cfg_of(
        model,
        tmp_path / "r",
        overfit=4,
        batch_size=4,
        epochs=300,
        samples_every=0,
        limit=None,
        lr=2e-3,
        width=16,
    )
    path, _ = train(cfg)
    gm = load_predictor(path)  # the run layer dispatches kind "generative" to load_generative
    samples = gm.sample(32, seed=1).astype(np.float32)
    data = load_data(cfg)
    train_imgs = data.train.permute(0, 2, 3, 1).numpy().astype(np.float32)
    others = data.test.permute(0, 2, 3, 1).numpy().astype(np.float32)
    d_train = np.linalg.norm(
        (samples - train_imgs[nearest_neighbours(samples, train_imgs)]).reshape(32, -1), axis=1
    )
    d_other = np.linalg.norm((samples - others[nearest_neighbours(samples, others)]).reshape(32, -1), axis=1)
    assert np.median(d_train) < 0.6 * np.median(d_other), (np.median(d_train), np.median(d_other))
