"""The contracts of the registry's non-classifier kinds (Lectures 10-14), as runtime-checkable Protocols.

A builder registered with ``@register_model(kind=...)`` returns an ``nn.Module`` that satisfies the matching
protocol here; ``isinstance(model, Detector)`` checks that the methods exist (not their signatures), and the
tests of each package check the behaviour. Classifiers use :class:`visrec.torch_nn.ClassifierBase`.

========== ======================== ==============================================================
kind       protocol                 contract in one line
========== ======================== ==============================================================
detector   :class:`Detector`        torchvision's: train -> dict of losses, eval -> list of dicts
segmenter  :class:`Segmenter`       (N, C, H, W) -> per-pixel logits (N, K, H, W)
generator  :class:`Generator`       ``sample(n)``, and ``log_prob`` / ``nll`` where defined
sequence   :class:`SequenceModel`   batch_first (N, T, ...) -> (N, T, V) and the next (h, c) state
captioner  :class:`Captioner`       (images, captions) -> (N, T, V) logits; ``generate(images)``
policy     :class:`Policy`          ``forward(obs)`` -> action logits / values; ``act(obs)``
========== ======================== ==============================================================

>>> import torch
>>> from torch import nn
>>> class Coin(nn.Module):                      # the smallest generator: a learned Bernoulli
...     def __init__(self):
...         super().__init__()
...         self.logit = nn.Parameter(torch.zeros(1))
...     def sample(self, n, generator=None):
...         return torch.bernoulli(torch.sigmoid(self.logit).expand(n), generator=generator)
...     def log_prob(self, x):
...         bce = nn.functional.binary_cross_entropy_with_logits
...         return -bce(self.logit.expand_as(x), x, reduction="none")
...     def nll(self, x):
...         return -self.log_prob(x).mean()
>>> isinstance(Coin(), Generator), isinstance(Coin(), Policy)
(True, False)
>>> round(float(Coin().nll(torch.tensor([0.0, 1.0])).detach()), 4)  # log 2 nats per toss
0.6931
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

__all__ = ["Detector", "Segmenter", "Generator", "SequenceModel", "Captioner", "Policy", "PROTOCOLS"]


@runtime_checkable
class Detector(Protocol):
    """Object detector with torchvision's contract (``models/detection``).

    ``forward(images, targets=None)``:

    - images : list of N Tensors (C, H_i, W_i), float in [0, 1], sizes may differ;
    - training mode: ``targets`` is a list of N dicts with ``boxes`` (Tensor[M_i, 4], float, (x1, y1, x2, y2)
      in pixels) and ``labels`` (Tensor[M_i], int64, 1..K; 0 is the background); returns a dict of scalar
      losses (e.g. ``loss_classifier``, ``loss_box_reg``, ``loss_objectness``, ``loss_rpn_box_reg``), whose
      sum is minimized;
    - eval mode: returns a list of N dicts with ``boxes`` (Tensor[D_i, 4]), ``labels`` (Tensor[D_i]) and
      ``scores`` (Tensor[D_i], descending), in the input images' pixel coordinates.
    """

    def forward(self, images: list[torch.Tensor], targets: list[dict] | None = None): ...


@runtime_checkable
class Segmenter(Protocol):
    """Semantic segmenter: ``forward(x)`` with x (N, C, H, W) -> logits (N, K, H, W) at the input size
    (torchvision's FCN / DeepLab return ``{"out": ...}``; ours return the tensor)."""

    num_classes: int

    def forward(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class Generator(Protocol):
    """Generative model (PixelCNN, VAE, GAN generator, flows).

    - ``sample(n, generator=None)`` -> Tensor (n, ...) of samples in data space (images (n, C, H, W));
    - ``log_prob(x)`` -> Tensor (N,) of log-likelihoods in nats (exact for autoregressive models and flows,
      the ELBO for a VAE, which must say so in its docstring); models without a likelihood (GANs) raise
      ``NotImplementedError`` naming the reason;
    - ``nll(x)`` -> scalar, the mean negative log-likelihood in nats per sample (report bits per dimension
      as ``nll / (D * ln 2)``), the training loss where one exists.
    """

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...

    def log_prob(self, x: torch.Tensor) -> torch.Tensor: ...

    def nll(self, x: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class SequenceModel(Protocol):
    """Recurrent / autoregressive sequence model (char-RNN, LSTM language model, transformer LM).

    ``forward(x, state=None)`` with x (N, T) token ids (or (N, T, D) features) — always batch first — returns
    ``(logits, state)``: logits (N, T, V) and the state to pass on for the next chunk: ``h`` (L, N, H) for an
    RNN/GRU, the pair ``(h, c)`` for an LSTM (as ``nn.LSTM``), ``None`` for a model without state.
    ``init_state(batch_size)`` returns the zero state.
    """

    def forward(self, x: torch.Tensor, state=None) -> tuple[torch.Tensor, object]: ...

    def init_state(self, batch_size: int): ...


@runtime_checkable
class Captioner(Protocol):
    """Image captioner (CNN encoder + RNN / transformer decoder).

    ``forward(images, captions)``: images (N, C, H, W), captions (N, T) token ids starting with <start> ->
    logits (N, T, V) for the next tokens (teacher forcing); ``generate(images, max_len)`` -> list of N token
    id lists (greedy unless the model documents otherwise).
    """

    def forward(self, images: torch.Tensor, captions: torch.Tensor) -> torch.Tensor: ...

    def generate(self, images: torch.Tensor, max_len: int = 20) -> list[list[int]]: ...


@runtime_checkable
class Policy(Protocol):
    """Reinforcement-learning policy / value network (DQN, policy gradient, PPO actor-critic).

    ``forward(obs)`` with obs (N, *obs_shape) float -> the network's outputs: Q-values (N, A) for DQN,
    action logits (N, A) for a discrete policy, ``(logits_or_mean, value)`` for an actor-critic (document
    which). ``act(obs, deterministic=False)`` -> actions (N,) (or (N, A_dim) for continuous control) as a
    Tensor, without gradients: epsilon-greedy or sampling when not deterministic.
    """

    def forward(self, obs: torch.Tensor): ...

    def act(self, obs: torch.Tensor, deterministic: bool = False) -> torch.Tensor: ...


#: registry kind -> the protocol its models satisfy (classifier and block have no protocol here).
PROTOCOLS = {
    "detector": Detector,
    "segmenter": Segmenter,
    "generator": Generator,
    "sequence": SequenceModel,
    "captioner": Captioner,
    "policy": Policy,
}
