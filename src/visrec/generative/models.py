"""Build each model of ``visrec generate train --model`` from its config, and rebuild it from model.json.

Every builder returns a dict of named modules: ``{"model": ...}`` for PixelCNN, PixelRNN, the VAE and the
autoencoder; ``{"generator": ..., "discriminator": ...}`` for the GANs. The generators are also in the torch
model registry (kind "generator") when it has that kind; :data:`GENERATIVE_MODELS` is the local table.
"""

from __future__ import annotations

from torch import nn

from visrec.generative.autoencoder import ConvAutoencoder
from visrec.generative.gan.dcgan import dcgan_discriminator, dcgan_generator
from visrec.generative.gated_pixelcnn import GatedPixelCNN
from visrec.generative.pixelcnn import PixelCNN
from visrec.generative.pixelrnn import PixelRNN
from visrec.generative.vae import conv_vae, mlp_vae

__all__ = ["GENERATIVE_MODELS", "build_modules", "architecture"]


def architecture(cfg, image_shape: tuple[int, int, int], levels: int) -> dict:
    """The keyword arguments that rebuild ``cfg.model`` (stored in model.json as "build")."""
    c, h, w = image_shape
    if cfg.model in ("pixelcnn", "pixelrnn"):
        arch = dict(
            in_channels=c,
            hidden=cfg.hidden,
            layers=cfg.layers,
            output=cfg.resolved_output(),
            levels=levels,
            image_size=h,
        )
        if cfg.model == "pixelcnn":
            arch.update(kernel_size=cfg.kernel_size, gated=cfg.gated, stacks=cfg.stacks)
        return arch
    if cfg.model == "vae":
        return dict(
            arch=cfg.arch,
            in_channels=c,
            image_size=h,
            latent_dim=cfg.latent_dim,
            width=cfg.width,
            likelihood=cfg.likelihood,
        )
    if cfg.model == "ae":
        return dict(in_channels=c, image_size=h, latent_dim=cfg.latent_dim, width=cfg.width)
    norm = "layer" if cfg.model == "wgan-gp" else "batch"
    return dict(noise_dim=cfg.noise_dim, channels=c, image_size=h, width=cfg.width, norm=norm)


def _pixelcnn(stacks: bool = False, gated: bool = False, **kw) -> dict[str, nn.Module]:
    """PixelCNN on masked convolutions (optionally gated units), or the two-stack Gated PixelCNN."""
    return {"model": GatedPixelCNN(**kw) if stacks else PixelCNN(gated=gated, **kw)}


def _pixelrnn(**kw) -> dict[str, nn.Module]:
    return {"model": PixelRNN(**kw)}


def _vae(arch="conv", width=32, **kw) -> dict[str, nn.Module]:
    return {"model": conv_vae(width=width, **kw) if arch == "conv" else mlp_vae(hidden=width * 8, **kw)}


def _ae(**kw) -> dict[str, nn.Module]:
    return {"model": ConvAutoencoder(**kw)}


def _gan(noise_dim, channels, image_size, width, norm) -> dict[str, nn.Module]:
    return {
        "generator": dcgan_generator(noise_dim, channels, image_size, width),
        "discriminator": dcgan_discriminator(channels, image_size, width, norm),
    }


GENERATIVE_MODELS = {
    "pixelcnn": _pixelcnn,
    "pixelrnn": _pixelrnn,
    "vae": _vae,
    "ae": _ae,
    "dcgan": _gan,
    "lsgan": _gan,
    "wgan-gp": _gan,
}


def build_modules(model: str, build: dict) -> dict[str, nn.Module]:
    """``GENERATIVE_MODELS[model](**build)``."""
    return GENERATIVE_MODELS[model](**build)
