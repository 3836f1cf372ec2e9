"""Lecture 12: generative models on torch: PixelCNN / PixelRNN, autoencoders, VAEs and GANs.

Explicit models expose ``log_prob(x)`` / ``nll(x)`` in nats and ``sample(n, ...)``; GANs are a
``generator``, a ``discriminator`` and the loss functions of :mod:`visrec.generative.gan.losses`.
"""

from visrec.generative.autoencoder import ConvAutoencoder, few_label_probe
from visrec.generative.autoregressive import AutoregressiveImageModel
from visrec.generative.backbones import ConvDecoder, ConvEncoder
from visrec.generative.data import GenerativeData, binarize_images, load_generative_data
from visrec.generative.gated_pixelcnn import GatedPixelCNN
from visrec.generative.masked_conv import MaskedConv2d, build_mask
from visrec.generative.pixelcnn import PixelCNN
from visrec.generative.pixelrnn import PixelRNN, RowLSTM
from visrec.generative.vae import VAE, conv_vae, gaussian_kl, log_normal, mlp_vae, reparameterize

__all__ = [
    "AutoregressiveImageModel",
    "ConvAutoencoder",
    "ConvDecoder",
    "ConvEncoder",
    "GatedPixelCNN",
    "GenerativeData",
    "VAE",
    "binarize_images",
    "conv_vae",
    "few_label_probe",
    "gaussian_kl",
    "load_generative_data",
    "log_normal",
    "mlp_vae",
    "reparameterize",
    "MaskedConv2d",
    "PixelCNN",
    "PixelRNN",
    "RowLSTM",
    "build_mask",
]
