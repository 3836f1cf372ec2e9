"""Attacks stay in the epsilon ball and the pixel range, and fool a trained model."""

import pytest
import torch

from visrec.explain import ParameterError
from visrec.explain.generate import adversarial_training_step, fgsm, fooling_image, pgd, success_rate


@pytest.mark.parametrize("eps", [0.0, 0.03, 0.2])
def test_fgsm_respects_ball_and_range(digits_model, eps):
    model, x, y = digits_model
    xa = fgsm(model, x[:50], y[:50], eps)
    assert (xa - x[:50]).abs().max() <= eps + 1e-6
    assert xa.min() >= 0 and xa.max() <= 1
    if eps > 0:  # pixels not pushed against the range move by exactly eps
        inner = (x[:50] > eps) & (x[:50] < 1 - eps) & ((xa - x[:50]).abs() > 0)
        torch.testing.assert_close((xa - x[:50])[inner].abs(), torch.full_like((xa - x[:50])[inner], eps))


@pytest.mark.parametrize("norm,eps", [("linf", 0.1), ("l2", 0.5)])
def test_pgd_respects_ball_and_range(digits_model, norm, eps):
    model, x, y = digits_model
    xa = pgd(model, x[:50], y[:50], eps, steps=5, norm=norm, generator=torch.Generator().manual_seed(0))
    d = (xa - x[:50]).flatten(1)
    size = d.abs().amax(1) if norm == "linf" else d.norm(dim=1)
    assert size.max() <= eps + 1e-5
    assert xa.min() >= 0 and xa.max() <= 1


def test_attacks_fool_the_trained_model(digits_model):
    model, x, y = digits_model
    assert (model(x).argmax(1) == y).float().mean() > 0.9
    res = success_rate(model, x[:100], y[:100], [0.02, 0.3], attack="fgsm")
    assert res["success"][1] > 0.8 and res["success"][1] > res["success"][0]
    strong = success_rate(model, x[:100], y[:100], [0.3], attack="pgd", steps=10)
    assert strong["success"][0] > 0.95
    l2 = success_rate(model, x[:100], y[:100], [2.0], attack="pgd_l2", steps=10)
    assert l2["success"][0] > 0.9
    t = (y[:20] + 1) % 10  # targeted PGD reaches the chosen class
    xa = pgd(model, x[:20], t, 0.4, steps=20, targeted=True)
    assert (model(xa).argmax(1) == t).float().mean() > 0.8


def test_fooling_image_reaches_the_target_with_a_small_change(digits_model):
    model, x, y = digits_model
    for i in range(3):
        target = (int(y[i]) + 3) % 10
        img, iters = fooling_image(model, x[i : i + 1], target, lr=0.05, max_iter=300)
        assert int(model(img).argmax(1)) == target and iters < 300
        assert (img - x[i : i + 1]).norm() < 0.5 * x[i].norm()
        assert img.min() >= 0 and img.max() <= 1


def test_bad_attack_options_name_the_choices(digits_model):
    model, x, y = digits_model
    with pytest.raises(ParameterError, match="'linf', 'l2'"):
        pgd(model, x[:2], y[:2], 0.1, norm="l1")
    with pytest.raises(ParameterError, match=r"10 classes \(0..9\)"):
        fgsm(model, x[:2], 12, 0.1)
    with pytest.raises(ParameterError, match="eps"):
        fgsm(model, x[:2], y[:2], -0.1)


@pytest.mark.slow
def test_adversarial_training_makes_the_model_robust(digits_model):
    from _explain_nets import train_digits_model
    from visrec.data.digits import load_digits

    clean_model, x_test, y_test = digits_model
    robust, _, _ = train_digits_model(epochs=3, seed=0)  # warm start, then PGD training
    ds = load_digits()
    x = torch.from_numpy(ds.images[:1500]).permute(0, 3, 1, 2).float() / 255.0
    y = torch.from_numpy(ds.labels[:1500])
    opt = torch.optim.Adam(robust.parameters(), lr=5e-3)
    torch.manual_seed(0)
    for _ in range(5):
        robust.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 100):
            idx = perm[i : i + 100]
            adversarial_training_step(robust, opt, x[idx], y[idx], eps=0.15, steps=3)
    robust.eval()
    before = success_rate(clean_model, x_test, y_test, [0.15], attack="pgd", steps=5)
    after = success_rate(robust, x_test, y_test, [0.15], attack="pgd", steps=5)
    assert after["clean_acc"] > 0.8
    assert after["adv_acc"][0] > before["adv_acc"][0] + 0.3
