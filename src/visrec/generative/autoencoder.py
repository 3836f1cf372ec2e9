"""A convolutional autoencoder with an L2 reconstruction loss, and the lecture's reuse of its encoder.

"Train the autoencoder on unlabeled data, throw the decoder away, and use the encoder's features to
initialise a supervised model": :func:`few_label_probe` fits a small softmax classifier on the frozen
codes z of a handful of labelled images and compares it with the same classifier on raw pixels.

>>> import torch
>>> ae = ConvAutoencoder(in_channels=1, image_size=8, latent_dim=4, width=4)
>>> ae.loss(torch.rand(3, 1, 8, 8)).ndim
0
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from visrec.generative.backbones import ConvDecoder, ConvEncoder, check_latent_dim

__all__ = ["ConvAutoencoder", "few_label_probe", "fit_softmax"]


class ConvAutoencoder(nn.Module):
    """x (N, C, H, W) in [0, 1] -> z (N, Z) -> x_hat (N, C, H, W) in [0, 1] (sigmoid output)."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, latent_dim: int = 32, width: int = 32):
        super().__init__()
        check_latent_dim(latent_dim)
        self.latent_dim = latent_dim
        self.encoder = ConvEncoder(in_channels, image_size, latent_dim, width)
        self.decoder = ConvDecoder(latent_dim, in_channels, image_size, width)
        self.config = dict(in_channels=in_channels, image_size=image_size, latent_dim=latent_dim, width=width)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        """L2 reconstruction ||x - x_hat||^2, summed over pixels, mean over the batch."""
        return (self(x) - x).pow(2).flatten(1).sum(1).mean()


def fit_softmax(
    features: torch.Tensor, labels: torch.Tensor, num_classes: int, reg: float = 1e-3, steps: int = 200
) -> nn.Linear:
    """A linear softmax classifier (N, D) -> K fitted by L-BFGS on standardised features."""
    torch.manual_seed(0)
    clf = nn.Linear(features.shape[1], num_classes)
    opt = torch.optim.LBFGS(clf.parameters(), max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(clf(features), labels) + reg * clf.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return clf


@torch.no_grad()
def _standardise(train: torch.Tensor, test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean, std = train.mean(0), train.std(0) + 1e-6
    return (train - mean) / std, (test - mean) / std


def few_label_probe(encoder: nn.Module, x_train, y_train, x_test, y_test, num_classes: int = 10) -> dict:
    """Accuracy of a softmax classifier on frozen codes vs on raw pixels, trained on the few given labels.

    x_* : (N, C, H, W) floats in [0, 1]; y_* : (N,) int64. Returns {"encoder_acc", "pixel_acc", "labels"}.
    """
    with torch.no_grad():
        f_train, f_test = _standardise(encoder(x_train), encoder(x_test))
    p_train, p_test = _standardise(x_train.flatten(1), x_test.flatten(1))
    out = {"labels": int(len(y_train))}
    for name, (a, b) in {"encoder_acc": (f_train, f_test), "pixel_acc": (p_train, p_test)}.items():
        clf = fit_softmax(a, y_train, num_classes)
        with torch.no_grad():
            out[name] = float((clf(b).argmax(1) == y_test).float().mean())
    return out
