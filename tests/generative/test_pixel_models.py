"""PixelCNN / PixelRNN likelihoods are normalised (sum over every image = 1) and sampling draws from them."""

import itertools
import math

import pytest
import torch

from visrec.generative import PixelCNN, PixelRNN
from visrec.generative._errors import ParameterError
from visrec.generative.gated_pixelcnn import GatedPixelCNN


def all_images(c, h, w, levels):
    grid = list(itertools.product(range(levels), repeat=c * h * w))
    return torch.tensor(grid).view(-1, c, h, w)


def randomized(model, std=0.7):
    torch.manual_seed(3)
    for p in model.parameters():
        torch.nn.init.normal_(p, std=std)
    return model.double().eval()


@pytest.mark.parametrize(
    "model,shape,levels",
    [
        (PixelCNN(1, 4, 1, 3, output="bernoulli"), (1, 2, 2), 2),
        (PixelCNN(1, 4, 1, 3, output="softmax", levels=3), (1, 2, 2), 3),
        (PixelCNN(3, 6, 1, 3, output="softmax", levels=3, gated=True), (3, 1, 2), 3),
        (PixelRNN(hidden=3, layers=1, output="bernoulli"), (1, 2, 3), 2),
        (GatedPixelCNN(hidden=3, layers=2, kernel_size=3, output="bernoulli"), (1, 2, 3), 2),
        (GatedPixelCNN(hidden=3, layers=2, kernel_size=3, output="softmax", levels=3), (1, 2, 2), 3),
        (PixelRNN(hidden=3, layers=1, output="softmax", levels=3), (1, 2, 2), 3),
    ],
)
def test_likelihood_sums_to_one_over_every_image(model, shape, levels):
    model = randomized(model)
    x = all_images(*shape, levels)
    with torch.no_grad():
        total = torch.logsumexp(model.log_prob(x), 0)
    assert float(total) == pytest.approx(0.0, abs=1e-9)


def test_sampling_draws_from_the_model_distribution():
    model = randomized(PixelCNN(1, 4, 1, 3, output="bernoulli"), std=1.0)
    x = all_images(1, 2, 2, 2)
    with torch.no_grad():
        p = model.log_prob(x).exp()  # (16,)
    g = torch.Generator().manual_seed(0)
    s = model.sample(20000, g, (2, 2))  # (N, 1, 2, 2)
    codes = (s.view(len(s), -1) * torch.tensor([8, 4, 2, 1])).sum(1)
    freq = torch.bincount(codes, minlength=16).double() / len(s)
    se = (p * (1 - p) / len(s)).sqrt()
    assert torch.all((freq - p).abs() < 5 * se + 1e-3), (freq, p)


def test_bits_per_dim_and_input_checks():
    model = PixelCNN(1, 4, 1, 3, output="softmax", levels=256)
    x = torch.randint(0, 256, (2, 1, 4, 4))
    torch.testing.assert_close(model.bits_per_dim(x), -model.log_prob(x) / (16 * math.log(2)))
    torch.testing.assert_close(model.bits_per_dim(x).mean(), model.nll(x) / (16 * math.log(2)))
    with pytest.raises(ParameterError, match=r"\[0, 255\]"):
        model.nll(x + 256)
    with pytest.raises(ParameterError, match=r"\(N, 1, H, W\)"):
        model.nll(torch.zeros(2, 3, 4, 4, dtype=torch.long))
    with pytest.raises(ParameterError, match="multiple"):
        PixelCNN(3, 4)
