"""The autoencoder: shapes, L2 loss by hand, and the few-label probe of its encoder's features."""

import pytest
import torch
from torch import nn

from visrec.generative import ConvAutoencoder, few_label_probe
from visrec.generative.data import load_generative_data, to_unit


def test_autoencoder_shapes_and_l2_loss():
    ae = ConvAutoencoder(in_channels=3, image_size=12, latent_dim=5, width=4)
    x = torch.rand(4, 3, 12, 12)
    z = ae.encode(x)
    assert z.shape == (4, 5) and ae.decode(z).shape == x.shape
    assert ae(x).min() >= 0 and ae(x).max() <= 1
    by_hand = sum(((ae(x)[i] - x[i]) ** 2).sum() for i in range(4)) / 4
    torch.testing.assert_close(ae.loss(x), by_hand)


@pytest.mark.slow
def test_few_label_probe_with_the_identity_encoder_equals_the_pixel_baseline():
    data = load_generative_data("digits")
    g = torch.Generator().manual_seed(0)
    idx = torch.randperm(len(data.train), generator=g)[:100]
    x_train, x_test = to_unit(data.train[idx], 256), to_unit(data.test, 256)
    out = few_label_probe(nn.Flatten(), x_train, data.train_labels[idx], x_test, data.test_labels)
    assert out["labels"] == 100
    assert out["encoder_acc"] == out["pixel_acc"] > 0.6  # 100 labels of 8x8 digits: well above chance
