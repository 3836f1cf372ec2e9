"""What PixelCNN and PixelRNN share: p(x) = prod_i p(x_i | x_<i), exact NLL, sequential sampling.

A subclass builds a network whose output at pixel i depends only on pixels before i (raster order, then
channel order inside a pixel) and implements ``network(x_float) -> logits``; ``forward`` scales integer
levels to [-1, 1] and calls it:

- ``output="softmax"``: ``levels``-way logits of shape (N, levels, C, H, W); x holds integers in
  [0, levels) (256 for 8-bit images);
- ``output="bernoulli"``: one logit per sub-pixel, shape (N, C, H, W); x holds 0/1 (binarized images).

Training is parallel (one forward pass scores every pixel at once); sampling is sequential, one sub-pixel
per forward pass, because pixel i must be drawn before it can condition pixel i + 1.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from visrec.generative._errors import ParameterError

__all__ = ["AutoregressiveImageModel"]

OUTPUTS = ("softmax", "bernoulli")


class AutoregressiveImageModel(nn.Module):
    """Base class: exact log-likelihood in nats, bits per dimension, and sequential sampling."""

    def __init__(self, in_channels: int, output: str, levels: int, image_size: int = 28):
        super().__init__()
        self.image_size = image_size  # the default side of ``sample``; the network takes any size
        if output not in OUTPUTS:
            raise ParameterError(f"output must be one of {OUTPUTS}; got {output!r}.")
        if in_channels < 1:
            raise ParameterError(f"in_channels must be >= 1; got {in_channels}.")
        if output == "softmax" and levels < 2:
            raise ParameterError(f"A softmax output needs levels >= 2; got {levels}.")
        self.in_channels = in_channels
        self.output = output
        self.levels = levels if output == "softmax" else 2

    # -------------------------------------------------------------------------------------- inputs
    def check_input(self, x: torch.Tensor) -> torch.Tensor:
        """Validate x of shape (N, C, H, W) holding integer levels; return it unchanged."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ParameterError(
                f"{type(self).__name__} expects images of shape (N, {self.in_channels}, H, W); got {tuple(x.shape)}."
            )
        if x.numel() and (x.min() < 0 or x.max() > self.levels - 1):
            raise ParameterError(
                f"{type(self).__name__} with output={self.output!r} expects values in "
                f"[0, {self.levels - 1}]; got values in [{float(x.min())}, {float(x.max())}]. "
                "Binarize (bernoulli) or keep uint8 levels (softmax)."
            )
        return x

    def scale_input(self, x: torch.Tensor) -> torch.Tensor:
        """Integer levels -> floats in [-1, 1], the network's input."""
        dtype = next(self.parameters()).dtype
        return x.to(dtype) * (2.0 / (self.levels - 1)) - 1.0

    def network(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x integer levels (N, C, H, W) -> logits (N, levels, C, H, W) (softmax) or (N, C, H, W)."""
        return self.network(self.scale_input(x))

    # --------------------------------------------------------------------------------- likelihood
    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) in nats: (N, C, H, W) integer levels -> (N,)."""
        self.check_input(x)
        logits = self(x)
        if self.output == "softmax":
            per_dim = -F.cross_entropy(logits, x.long(), reduction="none")  # (N, C, H, W)
        else:
            per_dim = -F.binary_cross_entropy_with_logits(logits, x.to(logits.dtype), reduction="none")
        return per_dim.flatten(1).sum(1)

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood in nats per image (a scalar; the training loss)."""
        return -self.log_prob(x).mean()

    def bits_per_dim(self, x: torch.Tensor) -> torch.Tensor:
        """NLL in bits per sub-pixel, per image: -log p(x) / (C H W ln 2), shape (N,)."""
        return -self.log_prob(x) / (x[0].numel() * math.log(2.0))

    # ----------------------------------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        image_size: tuple[int, int] | None = None,
        temperature: float = 1.0,
    ) -> torch.Tensor:
        """Draw n images pixel by pixel: returns integer levels of shape (N, C, H, W) (long).

        ``image_size`` (H, W) defaults to the size the model was built for (``self.image_size``). Row i of
        the output depends only on rows <= i, so each step runs the network on rows 0..i only.
        """
        if image_size is None:
            image_size = (self.image_size, self.image_size)
        if n < 1:
            raise ParameterError(f"n must be >= 1 to sample; got {n}.")
        if temperature <= 0:
            raise ParameterError(f"temperature must be > 0; got {temperature}.")
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        h, w = image_size
        x = torch.zeros(n, self.in_channels, h, w, dtype=torch.long, device=device)
        for i in range(h):
            for j in range(w):
                for c in range(self.in_channels):
                    logits = self(x[:, :, : i + 1])  # (N, levels, C, i+1, W) or (N, C, i+1, W)
                    if self.output == "softmax":
                        probs = F.softmax(logits[:, :, c, i, j] / temperature, dim=1)  # (N, levels)
                        x[:, c, i, j] = torch.multinomial(probs, 1, generator=generator)[:, 0]
                    else:
                        p = torch.sigmoid(logits[:, c, i, j] / temperature)  # (N,)
                        x[:, c, i, j] = (torch.rand(n, generator=generator, device=device) < p).long()
        self.train(was_training)
        return x
