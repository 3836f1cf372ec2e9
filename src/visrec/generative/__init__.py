"""Lecture 12: generative models on torch: PixelCNN / PixelRNN, autoencoders, VAEs and GANs.

Explicit models expose ``log_prob(x)`` / ``nll(x)`` in nats and ``sample(n, ...)``; GANs are a
``generator``, a ``discriminator`` and the loss functions of :mod:`visrec.generative.gan.losses`.
"""

from visrec.generative.autoregressive import AutoregressiveImageModel
from visrec.generative.masked_conv import MaskedConv2d, build_mask
from visrec.generative.pixelcnn import PixelCNN
from visrec.generative.pixelrnn import PixelRNN, RowLSTM

__all__ = [
    "AutoregressiveImageModel",
    "MaskedConv2d",
    "PixelCNN",
    "PixelRNN",
    "RowLSTM",
    "build_mask",
]
