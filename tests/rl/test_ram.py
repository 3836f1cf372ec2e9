"""Recurrent Attention Model: the glimpse sensor against a loop reference, gradient routing, training."""

import json

import numpy as np
import pytest
import torch

from visrec.rl.ram import RecurrentAttention, glimpse_sensor, ram_loss


def _reference_glimpse(img, cx, cy, patch, scales):
    """Loops: crop side = patch * 2^k around pixel (cy, cx) with zero padding, then average k x k blocks."""
    H, W = img.shape
    out = []
    for k in range(scales):
        side, f = patch * 2**k, 2**k
        crop = np.zeros((side, side))
        for i in range(side):
            for j in range(side):
                r, c = cy - side // 2 + i, cx - side // 2 + j
                if 0 <= r < H and 0 <= c < W:
                    crop[i, j] = img[r, c]
        out.append(crop.reshape(patch, f, patch, f).mean(axis=(1, 3)))
    return np.stack(out)


@pytest.mark.parametrize("loc", [(0.0, 0.0), (-1.0, -1.0), (0.5, -0.25), (1.0, 0.9)])
def test_glimpse_sensor_matches_loop_reference(loc):
    rng = np.random.default_rng(0)
    img = rng.random((28, 28))
    g = glimpse_sensor(torch.tensor(img)[None, None], torch.tensor([loc]), patch=4, scales=3)[0].numpy()
    cx, cy = int(round((loc[0] + 1) * 14)), int(round((loc[1] + 1) * 14))
    np.testing.assert_allclose(g, _reference_glimpse(img, cx, cy, 4, 3), atol=1e-12)


def test_location_net_learns_only_by_reinforce_and_classifier_by_backprop():
    torch.manual_seed(0)
    model = RecurrentAttention(glimpses=3, hidden=32)
    x, y = torch.rand(16, 1, 28, 28), torch.randint(0, 10, (16,))
    out = model(x)
    torch.nn.functional.cross_entropy(out.logits, y).backward()
    assert model.location.weight.grad is None and model.baseline.weight.grad is None
    assert model.classifier.weight.grad.abs().sum() > 0 and model.glimpse_net.fc_g.weight.grad.abs().sum() > 0
    model.zero_grad(set_to_none=True)
    out = model(x)
    loss, parts = ram_loss(out, y)
    loss.backward()
    assert model.location.weight.grad.abs().sum() > 0  # through log pi only (inputs are detached)
    assert 0.0 <= parts["reward"] <= 1.0


@pytest.mark.parametrize("correct", [True, False])
def test_reinforce_term_raises_log_pi_of_rewarded_locations(correct):
    # R = 1 (correct) with baseline 0: descent on ram_loss makes the sampled locations more likely;
    # R = 0 with baseline 0.5 (advantage -0.5): less likely
    from visrec.rl.ram.model import RAMOutput

    torch.manual_seed(0)
    mean = torch.zeros(4, 3, 2, requires_grad=True)
    locs = torch.distributions.Normal(mean.detach(), 0.2).sample()
    log_pi = torch.distributions.Normal(mean, 0.2).log_prob(locs).sum(-1)  # (N, T)
    logits = torch.eye(10)[:4] * 5
    labels = torch.arange(4) if correct else torch.arange(4) + 1
    baselines = torch.full((4, 3), 0.0 if correct else 0.5)
    out = RAMOutput(logits, torch.zeros(4, 4, 2), log_pi, baselines)
    loss, parts = ram_loss(out, labels)
    assert parts["reward"] == (1.0 if correct else 0.0)
    (grad,) = torch.autograd.grad(loss, mean)
    new_log_pi = torch.distributions.Normal(mean - 0.01 * grad, 0.2).log_prob(locs).sum()
    change = (new_log_pi - log_pi.sum()).item()
    assert change > 0 if correct else change < 0


@pytest.mark.slow
def test_ram_trains_above_chance_and_resumes(mnist_dir, tmp_path):
    from visrec.rl.ram.train import RAMConfig, train_ram

    torch.set_num_threads(1)
    common = dict(data=str(mnist_dir), train_size=1000, test_size=500, val_size=200, batch_size=50,
                  glimpses=4, hidden=64, progress=False)
    straight = train_ram(RAMConfig(out=str(tmp_path / "a"), epochs=2, **common))
    assert straight["test_acc"] > 0.3  # chance is 0.1
    train_ram(RAMConfig(out=str(tmp_path / "b"), epochs=1, **common))
    resumed = train_ram(RAMConfig(resume=str(tmp_path / "b"), epochs=2, **common))
    assert resumed["test_acc"] == straight["test_acc"]
    hist = [json.loads(line) for line in (tmp_path / "b" / "history.jsonl").read_text().splitlines()]
    assert [h["epoch"] for h in hist] == [1, 2]
    assert (tmp_path / "a" / "plots" / "glimpse_paths.png").stat().st_size > 3000
    from visrec.data.mnist import load_mnist
    from visrec.rl.ram.train import load_predictor

    digits = load_mnist(mnist_dir, "test")
    pred = load_predictor(tmp_path / "a")
    proba = pred.predict_proba(digits.images[:20])
    assert proba.shape == (20, 10) and np.allclose(proba.sum(1), 1, atol=1e-5)
