"""What every attribution method shares: the target index per sample and the scores it picks."""

from __future__ import annotations

import torch

from visrec.explain._errors import ParameterError


def target_index(target, n: int, k: int, device) -> torch.Tensor:
    """``target`` (int, sequence of N ints, or Tensor (N,)) -> LongTensor (N,), each in [0, K)."""
    if target is None:
        raise ParameterError("Pass target= (the class index to explain), e.g. target=3 or the prediction.")
    t = torch.as_tensor(target, device=device).long().reshape(-1)
    if t.numel() == 1:
        t = t.expand(n)
    if t.numel() != n:
        raise ParameterError(f"target must be one int or N={n} ints; got {t.numel()} values.")
    bad = t[(t < 0) | (t >= k)]
    if bad.numel():
        raise ParameterError(
            f"Class index {int(bad[0])} (target) is out of range: the model has {k} classes (0..{k - 1})."
        )
    return t


def pick(scores: torch.Tensor, target) -> torch.Tensor:
    """scores (N, K) -> the unnormalized score of each sample's target class, shape (N,)."""
    t = target_index(target, scores.shape[0], scores.shape[1], scores.device)
    return scores.gather(1, t[:, None])[:, 0]


def input_grad(forward, inputs: torch.Tensor, target) -> torch.Tensor:
    """d score_target / d inputs, summed over the batch (each sample's score depends on itself only)."""
    x = inputs.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(pick(forward(x), target).sum(), x)
    return grad
