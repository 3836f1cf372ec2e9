"""Figures: grids, nearest training images, manifold / traversal / interpolation codes, latent arithmetic."""

import numpy as np
import pytest
import torch
from PIL import Image

from visrec.generative._errors import ParameterError
from visrec.generative.figures import (
    generator_losses_figure,
    interpolations,
    latent_arithmetic,
    manifold_grid,
    nearest_neighbours,
    samples_with_neighbours,
    tile,
    traversals,
)
from visrec.generative.latents import codes_of_class, parse_arithmetic


class CodeImages:
    """A stand-in model whose decoding of z (N, 2) is a 1 x 2 image holding z itself (shifted to uint8)."""

    name, image_shape, latent_dim, modules = "vae", (1, 1, 2), 2, {}

    def __init__(self):
        self.decoded = []

    def decode(self, z):
        self.decoded.append(z.clone())
        return (z * 10 + 128).clamp(0, 255).round().to(torch.uint8).numpy().reshape(len(z), 1, 2, 1)

    def prior(self, n, generator=None):
        return torch.randn(n, 2, generator=generator)


def test_tile_places_images_row_major():
    imgs = np.arange(6, dtype=np.uint8).reshape(6, 1, 1, 1)
    m = tile(imgs, ncol=4, pad=1, fill=9)
    assert m.shape == (2 * 2 + 1, 4 * 2 + 1, 1)
    assert m[1, 1, 0] == 0 and m[1, 7, 0] == 3 and m[3, 1, 0] == 4 and m[3, 5, 0] == 9


def test_nearest_neighbours_match_brute_force(tmp_path):
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (50, 4, 4, 1), dtype=np.uint8)
    samples = rng.integers(0, 256, (7, 4, 4, 1), dtype=np.uint8)
    d = ((samples[:, None].astype(float) - train[None].astype(float)) ** 2).reshape(7, 50, -1).sum(-1)
    np.testing.assert_array_equal(nearest_neighbours(samples, train), d.argmin(1))
    path = samples_with_neighbours(samples, train, tmp_path / "nn.png", pairs_per_row=7)
    assert Image.open(path).size[0] > Image.open(path).size[1]


def test_latent_arithmetic_averages_three_codes(tmp_path):
    m = CodeImages()
    za, zb, zc = torch.randn(3, 2), torch.randn(3, 2), torch.randn(3, 2)
    path, result = latent_arithmetic(m, za, zb, zc, tmp_path / "a.png")
    torch.testing.assert_close(result, (za.mean(0) - zb.mean(0) + zc.mean(0))[None])
    torch.testing.assert_close(m.decoded[0][3], za.mean(0))  # the 4th column of row a is a's mean
    assert path.is_file()
    with pytest.raises(ParameterError, match="three codes"):
        latent_arithmetic(m, za[:2], zb, zc, tmp_path / "b.png")
    assert parse_arithmetic("7-1+4") == (7, 1, 4)
    with pytest.raises(ParameterError, match="a-b\\+c"):
        parse_arithmetic("7+1")


def test_manifold_traversal_and_interpolation_codes(tmp_path):
    m = CodeImages()
    manifold_grid(m, tmp_path / "m.png", n=5)
    z = m.decoded[-1]  # (25, 2): columns sweep z_0 upwards, rows sweep z_1 downwards
    assert torch.all(z[1:5, 0] > z[0:4, 0]) and torch.all(z[5::5, 1] < z[0:20:5, 1])
    traversals(m, tmp_path / "t.png", dims=2, steps=4, span=2.0)
    z = m.decoded[-1]
    torch.testing.assert_close(z[:4, 0], torch.linspace(-2, 2, 4))
    torch.testing.assert_close(z[4:, 1], torch.linspace(-2, 2, 4))
    assert torch.all(z[:4, 1] == z[0, 1])
    interpolations(m, tmp_path / "i.png", pairs=2, steps=3)
    z = m.decoded[-1].view(2, 3, 2)
    torch.testing.assert_close(z[:, 1], (z[:, 0] + z[:, 2]) / 2)


def test_codes_of_class_picks_confident_samples():
    class Clf:  # class 1 when the first pixel is bright
        def probe(self, images):
            p1 = (images[:, 0, 0, 0] > 128).astype(float)
            return np.stack([1 - p1, p1], 1), None

    z = codes_of_class(CodeImages(), Clf(), 1, n=3)
    assert z.shape == (3, 2) and torch.all(z[:, 0] > 0)


def test_generator_losses_figure(tmp_path):
    assert Image.open(generator_losses_figure(tmp_path / "g.png")).size[0] > 100
