"""Adversarial examples (Szegedy et al. 2014; Goodfellow et al. 2015; Madry et al. 2018), in pixel space.

Every attack takes pixels x (N, C, H, W) in [0, 1] and returns x_adv in [0, 1] with ||x_adv - x|| <= eps in
the attack's norm (L-inf: per pixel; L2: per image).

- :func:`fooling_image`: the lecture's recipe, ascend the target class's unnormalized score with
  L2-normalized steps until the network predicts it (no epsilon; the change is just small);
- :func:`fgsm`: one step ``x + eps * sign(grad loss)``;
- :func:`pgd`: projected gradient descent, L-inf or L2, with a random start;
- :func:`success_rate`: fraction of correctly classified images an attack flips, per epsilon;
- :func:`adversarial_training_step`: one step of Madry et al.'s training on PGD examples.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from visrec.explain._errors import ParameterError
from visrec.explain.attribution._common import pick, target_index
from visrec.explain.generate._common import positive

__all__ = ["fgsm", "pgd", "fooling_image", "success_rate", "adversarial_training_step", "ATTACKS"]


def _loss_grad(model, x, labels, targeted: bool):
    """Gradient of the loss to *increase*: CE(y) untargeted, -CE(target) targeted; (N, C, H, W)."""
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), labels, reduction="sum")
    (g,) = torch.autograd.grad(-loss if targeted else loss, x)
    return g


def fgsm(model, x: torch.Tensor, y, eps: float, targeted: bool = False) -> torch.Tensor:
    """Fast gradient sign method: ``clip(x + eps * sign(dL/dx), 0, 1)``.

    Parameters
    ----------
    y : int or (N,) labels; with ``targeted=True`` the classes to reach instead.
    eps : L-inf radius in pixel units ([0, 1]; 8/255 is the usual CIFAR-10 budget).
    """
    eps = positive("eps", eps, zero_ok=True)
    labels = target_index(y, x.shape[0], _num_classes(model, x), x.device)
    g = _loss_grad(model, x, labels, targeted)
    return (x.detach() + eps * g.sign()).clamp(0, 1)


def _num_classes(model, x) -> int:
    k = getattr(model, "num_classes", 0)
    if k:
        return int(k)
    with torch.no_grad():
        return int(model(x[:1]).shape[1])


def _project(delta: torch.Tensor, eps: float, norm: str) -> torch.Tensor:
    if norm == "linf":
        return delta.clamp(-eps, eps)
    n = delta.flatten(1).norm(dim=1).clamp_min(1e-12).reshape(-1, 1, 1, 1)
    return delta * torch.clamp(eps / n, max=1.0)


def pgd(
    model,
    x: torch.Tensor,
    y,
    eps: float,
    alpha: float | None = None,
    steps: int = 10,
    norm: str = "linf",
    random_start: bool = True,
    targeted: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Projected gradient descent (Madry et al. 2018).

    Each step moves ``alpha`` along sign(g) (L-inf) or g / ||g||_2 (L2), then projects onto the eps ball
    around ``x`` and onto [0, 1]. ``alpha`` defaults to 2.5 eps / steps.
    """
    if norm not in ("linf", "l2"):
        raise ParameterError(f"norm (--norm) must be one of 'linf', 'l2'; got {norm!r}.")
    eps = positive("eps", eps, zero_ok=True)
    steps = positive("steps", steps, integer=True)
    alpha = 2.5 * eps / steps if alpha is None else positive("alpha", alpha)
    labels = target_index(y, x.shape[0], _num_classes(model, x), x.device)
    x0 = x.detach()
    delta = torch.zeros_like(x0)
    if random_start and eps > 0:
        if norm == "linf":
            delta = (torch.rand(x0.shape, generator=generator, dtype=x0.dtype) * 2 - 1).to(x0.device) * eps
        else:
            d = torch.randn(x0.shape, generator=generator, dtype=x0.dtype).to(x0.device)
            r = torch.rand(len(x0), generator=generator, dtype=x0.dtype).to(x0.device).reshape(-1, 1, 1, 1)
            delta = d / d.flatten(1).norm(dim=1).reshape(-1, 1, 1, 1) * eps * r
        delta = (x0 + delta).clamp(0, 1) - x0
    for _ in range(steps):
        g = _loss_grad(model, x0 + delta, labels, targeted)
        if norm == "linf":
            step = alpha * g.sign()
        else:
            step = alpha * g / g.flatten(1).norm(dim=1).clamp_min(1e-12).reshape(-1, 1, 1, 1)
        delta = _project(delta + step, eps, norm)
        delta = (x0 + delta).clamp(0, 1) - x0
    return x0 + delta


def fooling_image(model, x: torch.Tensor, target, lr: float = 0.1, max_iter: int = 200):
    """The lecture's fooling image: ascend S_target by ``lr * g / ||g||_2`` until it is the prediction.

    Parameters
    ----------
    x : (1, C, H, W) pixels in [0, 1]
    target : the class to fool the network into

    Returns
    -------
    x_fool : (1, C, H, W) in [0, 1]
    iterations : int, steps taken (``max_iter`` when it did not succeed)
    """
    if x.shape[0] != 1:
        raise ParameterError(f"fooling_image works on one image (1, C, H, W); got {tuple(x.shape)}.")
    lr = positive("lr", lr)
    t = int(target_index(target, 1, _num_classes(model, x), x.device)[0])
    max_iter = positive("max_iter", max_iter, integer=True)
    img = x.detach().clone()
    for it in range(max_iter + 1):
        img.requires_grad_(True)
        scores = model(img)
        if int(scores.argmax(1)) == t or it == max_iter:
            return img.detach(), it
        (g,) = torch.autograd.grad(pick(scores, t).sum(), img)
        img = (img.detach() + lr * g / g.norm().clamp_min(1e-12)).clamp(0, 1)
    raise AssertionError("unreachable")


ATTACKS = {
    "fgsm": lambda model, x, y, eps, **kw: fgsm(model, x, y, eps),
    "pgd": lambda model, x, y, eps, **kw: pgd(model, x, y, eps, norm="linf", **kw),
    "pgd_l2": lambda model, x, y, eps, **kw: pgd(model, x, y, eps, norm="l2", **kw),
}


def success_rate(
    model, x: torch.Tensor, y: torch.Tensor, eps_values, attack: str = "fgsm", batch: int = 256, **kw
) -> dict:
    """For each eps: the fraction of the correctly classified images the (untargeted) attack misclassifies.

    Returns ``{"eps": [...], "success": [...], "clean_acc": float, "adv_acc": [...]}``.
    """
    if attack not in ATTACKS:
        raise ParameterError(f"attack (--method) must be one of {sorted(ATTACKS)}; got {attack!r}.")
    with torch.no_grad():
        clean = torch.cat([model(x[i : i + batch]).argmax(1) for i in range(0, len(x), batch)]) == y
    out = {"eps": [], "success": [], "adv_acc": [], "clean_acc": float(clean.float().mean())}
    for eps in eps_values:
        preds = []
        for i in range(0, len(x), batch):
            xa = ATTACKS[attack](model, x[i : i + batch], y[i : i + batch], float(eps), **kw)
            with torch.no_grad():
                preds.append(model(xa).argmax(1))
        correct = torch.cat(preds) == y
        flipped = (clean & ~correct).sum().item() / max(1, clean.sum().item())
        out["eps"].append(float(eps))
        out["success"].append(float(flipped))
        out["adv_acc"].append(float(correct.float().mean()))
    return out


def adversarial_training_step(
    model, optimizer, x, y, eps: float, steps: int = 5, alpha: float | None = None, norm: str = "linf"
) -> float:
    """One step of adversarial training (Madry et al.): minimize the loss on PGD examples of the batch."""
    was_training = model.training
    model.eval()  # craft the attack with fixed BN statistics
    x_adv = pgd(model, x, y, eps, alpha=alpha, steps=steps, norm=norm)
    model.train(was_training)
    loss = F.cross_entropy(model(x_adv), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss.detach())
