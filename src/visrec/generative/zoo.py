"""The generative models in the torch model registry (kind "generator"), each satisfying
:class:`visrec.torch_nn.interfaces.Generator`: ``sample(n, generator=None)``, plus ``log_prob`` / ``nll`` for
the explicit ones.

>>> from visrec.torch_nn import create_model, list_models
>>> "pixelcnn" in list_models(kind="generator")
True
>>> create_model("dcgan_generator", noise_dim=4, image_size=8, width=4).sample(2).shape
torch.Size([2, 1, 8, 8])
"""

from __future__ import annotations

from visrec.generative.gan.dcgan import DCGANGenerator
from visrec.generative.gan.dcgan import dcgan_generator as _dcgan_generator
from visrec.generative.gated_pixelcnn import GatedPixelCNN
from visrec.generative.pixelcnn import PixelCNN
from visrec.generative.pixelrnn import PixelRNN
from visrec.generative.vae import VAE
from visrec.generative.vae import conv_vae as _conv_vae
from visrec.generative.vae import mlp_vae as _mlp_vae
from visrec.torch_nn.registry import register_model

__all__ = ["pixelcnn", "gated_pixelcnn", "pixelrnn", "conv_vae", "mlp_vae", "dcgan_generator"]


@register_model(kind="generator", family="generative")
def pixelcnn(**kw) -> PixelCNN:
    """PixelCNN on masked convolutions (see :class:`visrec.generative.PixelCNN` for the options)."""
    return PixelCNN(**kw)


@register_model(kind="generator", family="generative")
def gated_pixelcnn(**kw) -> GatedPixelCNN:
    """Gated PixelCNN with vertical and horizontal stacks (grayscale)."""
    return GatedPixelCNN(**kw)


@register_model(kind="generator", family="generative")
def pixelrnn(**kw) -> PixelRNN:
    """PixelRNN with Row LSTM layers (grayscale)."""
    return PixelRNN(**kw)


@register_model(kind="generator", family="generative")
def conv_vae(**kw) -> VAE:
    """Convolutional VAE (Bernoulli or Gaussian decoder)."""
    return _conv_vae(**kw)


@register_model(kind="generator", family="generative")
def mlp_vae(**kw) -> VAE:
    """The original MLP VAE."""
    return _mlp_vae(**kw)


@register_model(kind="generator", family="generative")
def dcgan_generator(**kw) -> DCGANGenerator:
    """DCGAN generator (its discriminator: :func:`visrec.generative.gan.dcgan_discriminator`)."""
    return _dcgan_generator(**kw)
