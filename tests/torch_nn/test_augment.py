"""Invariants of the batch augmentations (plain torch, no torchvision)."""

from __future__ import annotations

import pytest
import torch

from visrec.torch_nn.augment import (
    BatchPipeline,
    color_jitter,
    cutout,
    hflip,
    pca_lighting,
    pca_lighting_stats,
    random_affine,
    random_crop,
    random_flip,
)


def _x(n=6, c=3, h=10, w=12, seed=0):
    return torch.rand(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def _g(seed=1):
    return torch.Generator().manual_seed(seed)


def test_flip_twice_is_identity_and_random_flip_mirrors_whole_images():
    x = _x()
    assert torch.equal(hflip(hflip(x)), x)
    assert torch.equal(hflip(x)[..., 0], x[..., -1])
    y = random_flip(x, _g())
    for i in range(len(x)):
        assert torch.equal(y[i], x[i]) or torch.equal(y[i], x[i].flip(-1))


def test_crop_with_zero_padding_is_identity_and_crop_is_a_translation():
    x = _x()
    assert torch.equal(random_crop(x, 0, _g()), x)
    y = random_crop(x, 2, _g())
    assert y.shape == x.shape
    for i in range(len(x)):  # each output equals the zero-padded input shifted by some (dy, dx)
        xp = torch.nn.functional.pad(x[i], (2, 2, 2, 2))
        assert any(torch.equal(y[i], xp[:, dy : dy + 10, dx : dx + 12]) for dy in range(5) for dx in range(5))


def test_cutout_zeroes_one_square_of_the_right_size():
    x = _x() + 1.0  # no zeros before
    y = cutout(x, 4, _g())
    zeros = y == 0  # (N, C, H, W)
    assert torch.equal(zeros[:, 0], zeros[:, 1]) and torch.equal(zeros[:, 0], zeros[:, 2])
    for i in range(len(x)):
        rows = zeros[i, 0].any(1).nonzero().flatten()
        cols = zeros[i, 0].any(0).nonzero().flatten()
        assert len(rows) == 4 and len(cols) == 4 and int(zeros[i, 0].sum()) == 16
        assert rows.diff().eq(1).all() and cols.diff().eq(1).all()
    assert torch.equal(y[~zeros], x[~zeros])


def test_pca_lighting_adds_a_per_image_constant_shift_in_the_eigenbasis():
    x = _x(n=50, h=8, w=8)
    x[:, 1] = 0.5 * x[:, 0] + 0.1 * x[:, 1]  # correlated channels
    eigval, eigvec = pca_lighting_stats(x)
    pixels = x.permute(0, 2, 3, 1).reshape(-1, 3).double()
    ref_val = torch.linalg.eigvalsh(torch.cov(pixels.T)).flip(0)
    torch.testing.assert_close(eigval.double(), ref_val.clamp_min(0), rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(eigvec.T @ eigvec, torch.eye(3), atol=1e-5, rtol=0)
    y = pca_lighting(x, eigval, eigvec, 0.1, _g())
    shift = y - x  # (N, 3, H, W): the same colour at every pixel of an image
    assert torch.allclose(shift, shift[:, :, :1, :1].expand_as(shift), atol=1e-6)
    coeff = shift[:, :, 0, 0] @ eigvec  # (N, 3) = alpha * eigval in the eigenbasis
    alpha = coeff / eigval.clamp_min(1e-12)
    assert alpha[:, 0].abs().max() < 0.6 and alpha[:, 0].std() > 0.02  # alpha ~ N(0, 0.1)


def test_color_jitter_stays_in_range_and_zero_strength_is_identity():
    x = _x()
    assert torch.allclose(color_jitter(x, 0.0, 0.0, 0.0, _g()), x, atol=1e-6)
    y = color_jitter(x, 0.4, 0.4, 0.4, _g())
    assert y.min() >= 0 and y.max() <= 1 and not torch.allclose(y, x)


def test_affine_identity_parameters_give_the_input_back():
    x = _x()
    y = random_affine(x, degrees=0.0, translate=0.0, scale=(1.0, 1.0), gen=_g())
    torch.testing.assert_close(y, x, atol=1e-5, rtol=0)
    z = random_affine(x, degrees=30.0, gen=_g())
    assert z.shape == x.shape and not torch.allclose(z, x)


def test_pipeline_normalizes_with_training_statistics_and_is_seeded():
    x = (torch.rand(8, 3, 6, 6, generator=_g()) * 255).to(torch.uint8)
    xf = x.float() / 255
    mean, std = xf.mean((0, 2, 3)), xf.std((0, 2, 3))
    pipe = BatchPipeline(mean, std, ["flip", "crop", "jitter", "affine", "cutout"], crop_padding=1)
    ev = pipe.eval(x)
    torch.testing.assert_close(ev.mean((0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    assert torch.equal(pipe.train(x, _g(5)), pipe.train(x, _g(5)))
    assert not torch.equal(pipe.train(x, _g(5)), pipe.train(x, _g(6)))
    with pytest.raises(ValueError, match="eigenbasis"):
        BatchPipeline(mean, std, ["pca"])
