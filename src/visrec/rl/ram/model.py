"""The Recurrent Attention Model (Mnih, Heess, Graves, Kavukcuoglu 2014, "Recurrent Models of Visual
Attention") for classification.

At each of T steps the model looks at a glimpse around l_{t-1}, updates its RNN state
h_t = ReLU(W_h h_{t-1} + g_t), and picks the next location l_t ~ N(tanh(W_l h_t), sigma^2) (a stochastic,
non-differentiable action). After the last glimpse it classifies from h_T. Training (:func:`ram_loss`):

- classifier, core, glimpse network: backprop on the cross-entropy;
- location network: REINFORCE with reward R = 1 if the classification is correct (else 0),
  loss -sum_t log pi(l_t | h_t) (R - b_t);
- baseline b_t = Linear(h_t) (detached input), regressed on R (variance reduction, as in the lecture).

>>> import torch
>>> model = RecurrentAttention(glimpses=3)
>>> out = model(torch.rand(2, 1, 28, 28))
>>> out.logits.shape, out.locations.shape, out.log_pi.shape, out.baselines.shape
(torch.Size([2, 10]), torch.Size([2, 4, 2]), torch.Size([2, 3]), torch.Size([2, 3]))
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

from visrec.rl.ram.glimpse import GlimpseNetwork

__all__ = ["RecurrentAttention", "RAMOutput", "ram_loss"]


class RAMOutput(NamedTuple):
    logits: torch.Tensor  # (N, K)
    locations: torch.Tensor  # (N, T + 1, 2): l_0 (the first glimpse), ..., l_T (unused after the last)
    log_pi: torch.Tensor  # (N, T): log pi(l_t | h_t) of the locations chosen after glimpses 1..T
    baselines: torch.Tensor  # (N, T)


class RecurrentAttention(nn.Module):
    """RAM. Input (N, C, H, W) floats in [0, 1]."""

    def __init__(self, num_classes=10, channels=1, patch=8, scales=3, glimpses=6, hidden=256, std=0.15,
                 learn_locations: bool = True):
        super().__init__()
        self.glimpses, self.std, self.hidden = glimpses, std, hidden
        self.learn_locations = learn_locations  # False: uniformly random glimpses (the ablation baseline)
        self.glimpse_net = GlimpseNetwork(patch, scales, channels, out=hidden)
        self.core = nn.Linear(hidden, hidden)
        self.location = nn.Linear(hidden, 2)
        self.baseline = nn.Linear(hidden, 1)
        self.classifier = nn.Linear(hidden, num_classes)

    def forward(self, x: torch.Tensor, deterministic: bool = False, first_location=None) -> RAMOutput:
        N = x.shape[0]
        h = torch.zeros(N, self.hidden)
        loc = (torch.rand(N, 2) * 2 - 1) if first_location is None else first_location.expand(N, 2)
        if deterministic and first_location is None:
            loc = torch.zeros(N, 2)
        locations, log_pis, baselines = [loc], [], []
        for _ in range(self.glimpses):
            h = F.relu(self.core(h) + self.glimpse_net(x, loc))
            mean = torch.tanh(self.location(h.detach()))  # the location net learns by REINFORCE only
            dist = torch.distributions.Normal(mean, self.std)
            loc = mean if deterministic else dist.sample()
            log_pis.append(dist.log_prob(loc).sum(dim=1))
            if not self.learn_locations:
                loc, log_pis[-1] = torch.rand(N, 2) * 2 - 1, torch.zeros(N)
            loc = loc.clamp(-1.0, 1.0)
            locations.append(loc)
            baselines.append(self.baseline(h.detach()).squeeze(1))
        return RAMOutput(self.classifier(h), torch.stack(locations, 1), torch.stack(log_pis, 1),
                         torch.stack(baselines, 1))

    @torch.no_grad()
    def predict(self, x: torch.Tensor, samples: int = 1) -> torch.Tensor:
        """Class indices (N,); ``samples`` > 1 averages the softmax over stochastic glimpse paths."""
        if samples == 1:
            return self(x, deterministic=True).logits.argmax(1)
        probs = sum(F.softmax(self(x).logits, 1) for _ in range(samples))
        return probs.argmax(1)


def ram_loss(out: RAMOutput, labels: torch.Tensor) -> tuple[torch.Tensor, dict]:
    """Hybrid loss: cross-entropy + baseline MSE + REINFORCE on the locations (reward 1 if correct)."""
    nll = F.cross_entropy(out.logits, labels)
    reward = (out.logits.argmax(1) == labels).float()  # (N,)
    R = reward[:, None].expand_as(out.baselines)  # the reward arrives at the end; every step gets it
    baseline_loss = F.mse_loss(out.baselines, R)
    advantage = (R - out.baselines).detach()
    reinforce = -(out.log_pi * advantage).sum(1).mean()
    total = nll + baseline_loss + reinforce
    return total, {"nll": float(nll.detach()), "reward": float(reward.mean()),
                   "baseline_loss": float(baseline_loss.detach()), "reinforce": float(reinforce.detach())}
