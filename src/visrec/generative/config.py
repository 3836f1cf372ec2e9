"""The typed config of ``visrec generate train``: the shared run settings plus each model's own.

>>> cfg = GenerativeConfig(model="vae", progress=False)
>>> cfg.resolved_binarize(), cfg.kind
('sample', 'generative')
>>> GenerativeConfig(model="gan")
Traceback (most recent call last):
...
visrec.utils.errors.ParameterError: The 'model' parameter of GenerativeConfig (--model) must be one of ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from visrec.generative._errors import ParameterError
from visrec.runs import TrainRunConfig

__all__ = ["GenerativeConfig", "MODELS", "GAN_MODELS", "EXPLICIT_MODELS"]

EXPLICIT_MODELS = ("pixelcnn", "pixelrnn", "vae")
GAN_MODELS = ("dcgan", "lsgan", "wgan-gp")
MODELS = ("pixelcnn", "pixelrnn", "vae", "ae", *GAN_MODELS)


@dataclass
class GenerativeConfig(TrainRunConfig):
    """Settings of one generative training run (the defaults suit MNIST / digits on a CPU).

    ``val_fraction`` is the held-out share of the seeded split (0.2: MNIST t10k -> 8,000 / 2,000).
    """

    kind: ClassVar[str] = "generative"
    engine: ClassVar[str] = "torch"

    model: str = "vae"
    binarize: str = "auto"  # auto | none | sample | threshold
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    # PixelCNN / PixelRNN
    output: str = "auto"  # auto | bernoulli | softmax
    hidden: int = 64
    layers: int = 5
    kernel_size: int = 7
    gated: bool = False
    stacks: bool = False  # Gated PixelCNN's vertical + horizontal stacks (no blind spot; grayscale)
    # autoencoder / VAE
    latent_dim: int = 20
    width: int = 32
    arch: str = "conv"  # conv | mlp (VAE)
    likelihood: str = "bernoulli"  # bernoulli | gaussian (VAE)
    iwae_k: int = 100
    # GANs
    noise_dim: int = 96
    d_steps: int = 1
    gp_weight: float = 10.0
    beta1: float = 0.5
    # evaluation / figures
    eval_size: int = 0  # held-out images scored each epoch (0 = all)
    samples_every: int = 1  # epochs between sample grids (0 = only at the end)

    def validate(self) -> None:
        super().validate()
        self.check("choice", "model", choices=MODELS)
        self.check("choice", "binarize", choices=("auto", "none", "sample", "threshold"))
        self.check("choice", "output", choices=("auto", "bernoulli", "softmax"))
        self.check("choice", "arch", choices=("conv", "mlp"))
        self.check("choice", "likelihood", choices=("bernoulli", "gaussian"))
        for name in ("hidden", "layers", "kernel_size", "width", "iwae_k", "d_steps"):
            self.check("int", name, low=1)
        self.check("int", "latent_dim", low=1)
        self.check("int", "noise_dim", low=1)
        self.check("int", "eval_size", low=0)
        self.check("int", "samples_every", low=0)
        self.check("float", "gp_weight", low=0.0)
        self.check("float", "beta1", low=0.0, high=1.0, closed="left")
        if self.kernel_size % 2 == 0:
            raise ParameterError(
                f"--kernel-size must be odd (a masked convolution has a centre); got {self.kernel_size}."
            )
        if not 0.0 < self.val_fraction < 1.0:
            raise ParameterError(f"--val-fraction (the held-out share) must be in (0, 1); got {self.val_fraction}.")
        for name in ("test_data", "val_size"):
            if getattr(self, name) is not None:
                raise ParameterError(
                    f"visrec generate holds out a seeded share of --data (--val-fraction); "
                    f"--{name.replace('_', '-')} is not supported here. Drop it."
                )
        if self.resolved_binarize() == "none" and self.bernoulli:
            raise ParameterError(
                f"--model {self.model} with a Bernoulli output needs binary data: pass --binarize sample or "
                "threshold (or --output softmax / --likelihood gaussian)."
            )

    @property
    def bernoulli(self) -> bool:
        """Whether the model's likelihood is Bernoulli (binary pixels)."""
        if self.model in ("pixelcnn", "pixelrnn"):
            return self.resolved_output() == "bernoulli"
        return self.model == "vae" and self.likelihood == "bernoulli"

    def resolved_output(self) -> str:
        if self.output != "auto":
            return self.output
        return "softmax" if self.binarize == "none" else "bernoulli"

    def resolved_binarize(self) -> str:
        """ "sample" for Bernoulli models unless told otherwise, "none" (8-bit levels) for the rest."""
        if self.binarize != "auto":
            return self.binarize
        return "sample" if self.bernoulli else "none"

    @property
    def is_gan(self) -> bool:
        return self.model in GAN_MODELS
