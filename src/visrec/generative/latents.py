"""Latent-space figures of a trained VAE, autoencoder or GAN, written into one folder.

- ``interpolations.png``: rows decode (1 - t) z0 + t z1;
- ``traversals.png``: one latent dimension swept per row;
- ``manifold.png``: the 2-D latent manifold (VAE / autoencoder; the first two dims when Z > 2);
- ``arithmetic.png`` (with a digit classifier): mean(z of 3 "a") - mean(z of 3 "b") + mean(z of 3 "c"),
  each concept averaged over three samples as in the lecture (Radford et al., Fig. 7), e.g. "7-1+4".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from visrec.generative._errors import ParameterError
from visrec.generative.figures import interpolations, latent_arithmetic, manifold_grid, traversals

__all__ = ["codes_of_class", "parse_arithmetic", "write_latent_figures"]


def parse_arithmetic(text: str) -> tuple[int, int, int]:
    """ "7-1+4" -> (7, 1, 4): the classes a, b, c of a - b + c."""
    try:
        a, rest = text.split("-", 1)
        b, c = rest.split("+", 1)
        return int(a), int(b), int(c)
    except ValueError:
        raise ParameterError(f"--arithmetic expects 'a-b+c' with class numbers, e.g. 7-1+4; got {text!r}.") from None


def codes_of_class(gm, classifier, cls: int, n: int = 3, seed: int = 0, pool: int = 512) -> torch.Tensor:
    """n latent codes whose decodings the classifier assigns to ``cls`` most confidently: (n, Z)."""
    z = gm.prior(pool, torch.Generator().manual_seed(seed + 7919 * cls)).cpu()
    probs, _ = classifier.probe(gm.decode(z))
    order = np.argsort(-probs[:, cls])[:n]
    if probs[order[-1], cls] < 0.5:
        raise ParameterError(
            f"Fewer than {n} of {pool} samples look like class {cls} to the classifier; train the model "
            "longer or pick other classes for --arithmetic."
        )
    return z[torch.from_numpy(order)]


def write_latent_figures(
    gm, out: str | Path, seed: int = 0, classifier=None, arithmetic: str | None = None, real=None
) -> list[Path]:
    """Write the figures that apply to ``gm`` into ``out``; returns the list of paths.

    ``real`` (uint8 (N, H, W, C) held-out images) gives the autoencoder its interpolation end points and
    traversal base (its codes follow no prior); the VAE and the GANs draw them from their prior.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    codes = None
    if gm.name == "ae":
        if real is None or len(real) < 13:
            raise ParameterError("The autoencoder's latent figures need >= 13 real images to encode.")
        codes = gm.encode(real[:13]).cpu()
    paths = [
        interpolations(gm, out / "interpolations.png", seed=seed, codes=codes),
        traversals(gm, out / "traversals.png", seed=seed, codes=codes),
    ]
    if gm.name in ("vae", "ae") and gm.latent_dim >= 2:
        paths.append(manifold_grid(gm, out / "manifold.png"))
    if arithmetic:
        if classifier is None:
            raise ParameterError("--arithmetic needs --classifier RUN (a `visrec generate classifier` run).")
        a, b, c = parse_arithmetic(arithmetic)
        za, zb, zc = (codes_of_class(gm, classifier, k, seed=seed) for k in (a, b, c))
        path, _ = latent_arithmetic(gm, za, zb, zc, out / "arithmetic.png")
        paths.append(path)
    return paths
