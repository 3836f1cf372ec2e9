"""The style-transfer losses equal the course's values, computed by hand on tiny tensors."""

import pytest
import torch

from visrec.explain.generate.inversion import tv_regularizer
from visrec.explain.generate.style import (
    blend_grams,
    content_loss,
    gatys_layer_loss,
    gram_matrix,
    style_loss,
    tv_loss,
)

# two channels, one row of two pixels: channel 0 = (1, 2), channel 1 = (3, 4)
F = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 1, 2)


def test_gram_matrix_by_hand():
    # F F^T = [[1+4, 3+8], [3+8, 9+16]]
    torch.testing.assert_close(gram_matrix(F, normalize=False), torch.tensor([[[5.0, 11.0], [11.0, 25.0]]]))
    # normalized by C*H*W = 2*1*2 = 4
    torch.testing.assert_close(gram_matrix(F), torch.tensor([[[1.25, 2.75], [2.75, 6.25]]]))


def test_content_loss_by_hand():
    # w * sum((F - 1)^2) = 0.5 * (0 + 1 + 4 + 9)
    assert float(content_loss(0.5, F, torch.ones_like(F))) == 7.0


def test_style_loss_by_hand():
    # w * sum((G - 0)^2) = 2 * (1.25^2 + 2 * 2.75^2 + 6.25^2) = 2 * 55.75
    a = torch.zeros(1, 2, 2)
    assert float(style_loss([F], [a], [2.0])) == pytest.approx(111.5)
    # two layers add up with their own weights; a perfect target gives 0
    assert float(style_loss([F, F], [gram_matrix(F), a], [7.0, 1.0])) == pytest.approx(55.75)


def test_gatys_layer_loss_by_hand():
    # 1 / (4 N^2 M^2) sum (G - 0)^2 with N = 2 channels, M = 2 pixels: (25 + 2 * 121 + 625) / 64
    assert float(gatys_layer_loss(F, torch.zeros(1, 2, 2))) == pytest.approx(892 / 64)


def test_tv_loss_by_hand():
    img = torch.tensor([[1.0, 2.0], [3.0, 5.0]]).reshape(1, 1, 2, 2)
    # vertical (3-1)^2 + (5-2)^2 = 13, horizontal (2-1)^2 + (5-3)^2 = 5
    assert float(tv_loss(img, 0.1)) == pytest.approx(1.8)
    # the inversion regularizer pairs differences at the same pixel: ((3-1)^2 + (2-1)^2)^(beta/2) = 5^(beta/2)
    assert float(tv_regularizer(img, beta=2.0)) == pytest.approx(5.0)
    assert float(tv_regularizer(img, beta=1.0)) == pytest.approx(5.0**0.5)


def test_blend_grams_is_the_weighted_average():
    g1, g2 = [torch.ones(1, 2, 2)], [torch.zeros(1, 2, 2) + 3.0]
    torch.testing.assert_close(blend_grams([g1, g2], [1.0, 3.0])[0], torch.full((1, 2, 2), 2.5))
    with pytest.raises(ValueError, match="one non-negative weight per style"):
        blend_grams([g1, g2], [1.0])
