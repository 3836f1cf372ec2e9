"""One object around any trained generative model: sample, decode latents, score held-out data.

:func:`load_generative` rebuilds it from a run directory (``model.json`` kind "generative"); it is what
``visrec.runs.load_predictor`` returns for such a run. Images come out as uint8 (N, H, W, C), like every
dataset of the project.

>>> import torch
>>> from visrec.generative.models import build_modules
>>> m = GenerativeModel("dcgan", build_modules("dcgan", dict(noise_dim=4, channels=1, image_size=8,
...     width=4, norm="batch")), (1, 8, 8), levels=256)
>>> m.sample(3, seed=0).shape, m.latent_dim
((3, 8, 8, 1), 4)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from visrec.generative._errors import DataError, ParameterError
from visrec.generative.data import to_tanh_range, to_unit
from visrec.generative.gan.losses import sample_noise
from visrec.generative.models import build_modules

__all__ = ["GenerativeModel", "load_generative", "model_input", "to_uint8_images"]


def model_input(model: str, x: torch.Tensor, levels: int, likelihood: str = "bernoulli") -> torch.Tensor:
    """uint8 levels (N, C, H, W) -> what ``model`` trains on (levels, 0/1 floats, [0, 1] or [-1, 1])."""
    if model in ("pixelcnn", "pixelrnn"):
        return x.long()
    if model == "vae" and likelihood == "bernoulli":
        return x.float()
    if model in ("vae", "ae"):
        return to_unit(x, levels)
    return to_tanh_range(x, levels)


def to_uint8_images(x: torch.Tensor, value_range: tuple[float, float]) -> np.ndarray:
    """Floats (N, C, H, W) in ``value_range`` -> uint8 (N, H, W, C)."""
    lo, hi = value_range
    unit = ((x.detach().float().cpu() - lo) / (hi - lo)).clamp(0, 1)
    return (unit * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


class GenerativeModel:
    """A trained model with its image shape (C, H, W) and number of levels (2 binarized, 256 8-bit)."""

    def __init__(
        self,
        model: str,
        modules: dict[str, nn.Module],
        image_shape,
        levels: int,
        likelihood: str = "bernoulli",
        meta: dict | None = None,
    ):
        self.name, self.modules = model, modules
        self.image_shape = tuple(int(s) for s in image_shape)
        self.levels, self.likelihood = levels, likelihood
        self.meta = meta or {}
        for m in modules.values():
            m.eval()

    @property
    def device(self) -> torch.device:
        return next(next(iter(self.modules.values())).parameters()).device

    @property
    def net(self) -> nn.Module:
        return self.modules.get("model") or self.modules["generator"]

    @property
    def latent_dim(self) -> int | None:
        """Size of z for latent-variable models (VAE, autoencoder, GANs); None for PixelCNN / PixelRNN."""
        if self.name in ("pixelcnn", "pixelrnn"):
            return None
        return self.net.noise_dim if "generator" in self.modules else self.net.latent_dim

    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z for sampling: uniform [-1, 1] (GANs, the course's ``sample_noise``) or N(0, I) (VAE; the
        autoencoder has no prior, so its "samples" from N(0, I) codes are not meant to look like data)."""
        if self.latent_dim is None:
            raise ParameterError(f"{self.name} has no latent space; interpolation needs a vae, ae or GAN run.")
        if "generator" in self.modules:
            return sample_noise(n, self.latent_dim, generator).to(self.device)
        return torch.randn(n, self.latent_dim, generator=generator).to(self.device)

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> np.ndarray:
        """Latents (N, Z) -> uint8 images (N, H, W, C)."""
        z = z.to(self.device)
        if "generator" in self.modules:
            return to_uint8_images(self.net(z), (-1.0, 1.0))
        if self.name == "vae":
            return to_uint8_images(self.net.decode_mean(z), (0.0, 1.0))
        return to_uint8_images(self.net.decode(z), (0.0, 1.0))

    @torch.no_grad()
    def encode(self, images: np.ndarray) -> torch.Tensor:
        """uint8 images (N, H, W, C) -> latent codes (N, Z): the posterior mean for the VAE."""
        if self.name not in ("vae", "ae"):
            raise ParameterError(f"{self.name} has no encoder; encode needs a vae or ae run.")
        x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2))).to(self.device)
        if self.levels == 2 and x.max() > 1:
            x = (x >= 128).to(torch.uint8)
        inp = model_input(self.name, x, self.levels, self.likelihood)
        return self.net.encode(inp)[0] if self.name == "vae" else self.net.encode(inp)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0, temperature: float = 1.0, binary: bool = False) -> np.ndarray:
        """n samples as uint8 (N, H, W, C): binary models give 0 / 255; the VAE gives its mean E[x|z], or
        with ``binary`` (Bernoulli decoder) a draw x ~ p(x|z), comparable with binarized real digits."""
        if n < 1:
            raise ParameterError(f"--n must be >= 1; got {n}.")
        g = torch.Generator().manual_seed(seed)
        if self.name in ("pixelcnn", "pixelrnn"):
            c, h, w = self.image_shape
            gd = torch.Generator(device=self.device).manual_seed(seed)
            x = self.net.sample(n, gd, (h, w), temperature=temperature)
            return to_uint8_images(x.float(), (0.0, self.levels - 1.0))
        if binary and self.name == "vae" and self.likelihood == "bernoulli":
            with torch.no_grad():
                p = self.net.decode_mean(self.prior(n, g)).cpu()
            return to_uint8_images((torch.rand(p.shape, generator=g) < p).float(), (0.0, 1.0))
        return self.decode(self.prior(n, g))

    def real_images(self, x: torch.Tensor) -> np.ndarray:
        """Data tensors (N, C, H, W) of this model's levels -> uint8 (N, H, W, C) on the 0..255 scale."""
        return to_uint8_images(x.float(), (0.0, self.levels - 1.0))


def load_generative(run_dir: str | Path, device: str = "cpu") -> GenerativeModel:
    """Rebuild the model saved in ``run_dir`` (model.json kind "generative", or its last checkpoint)."""
    from visrec.runs import RunDir

    run = RunDir(run_dir)
    if (run.path / "model.json").is_file():
        tensors, meta = run.load_model("pt")
    elif run.has_checkpoint("last"):
        tensors, meta = run.load_checkpoint("last", "pt")
        meta = meta["model_meta"]
    else:
        raise DataError(f"{run_dir} has neither model.json nor checkpoints/last.json; it holds no model.")
    if meta.get("kind") != "generative":
        raise DataError(
            f"{run_dir} holds a model of kind {meta.get('kind')!r}; expected a `visrec generate train` run."
        )
    modules = build_modules(meta["model"], meta["build"])
    for name, module in modules.items():
        prefix = f"{name}/"
        module.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)})
        module.to(device)
    return GenerativeModel(
        meta["model"], modules, meta["image_shape"], meta["levels"], meta.get("likelihood", "bernoulli"), meta
    )
