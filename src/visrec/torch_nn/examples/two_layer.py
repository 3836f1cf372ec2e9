"""E3-E11 (seed L9418-10661): the slides' two-layer ReLU network, step by step.

Every function trains ``y_pred = relu(x w1) w2`` (N, D_in, H, D_out = 64, 1000, 100, 10 in the slides) on
random data and returns the list of losses, so tests can check that each version learns (and that the
hand-written, autograd and custom-Function versions take *identical* steps).
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset

__all__ = [
    "MyReLU",
    "my_relu",
    "TwoLayerNet",
    "ParallelBlock",
    "RandomRegression",
    "train_raw_tensors",
    "train_autograd",
    "train_module",
    "train_parallel_blocks",
    "train_dataloader",
]


def _data(n, d_in, h, d_out, seed, device="cpu", dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d_in, generator=g, dtype=dtype).to(device)
    y = torch.randn(n, d_out, generator=g, dtype=dtype).to(device)
    w1 = torch.randn(d_in, h, generator=g, dtype=dtype).to(device)
    w2 = torch.randn(h, d_out, generator=g, dtype=dtype).to(device)
    return x, y, w1, w2


def train_raw_tensors(
    steps=500, n=64, d_in=1000, h=100, d_out=10, lr=1e-6, seed=0, device="cpu", dtype=torch.float32
):
    """E3: tensors only, forward and backward written by hand (like the NumPy version, on ``device``)."""
    x, y, w1, w2 = _data(n, d_in, h, d_out, seed, device, dtype)
    losses = []
    for _ in range(steps):
        hid = x.mm(w1)  # (N, H)
        h_relu = hid.clamp(min=0)
        y_pred = h_relu.mm(w2)  # (N, D_out)
        loss = (y_pred - y).pow(2).sum()
        losses.append(float(loss.detach()))
        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[hid < 0] = 0
        grad_w1 = x.t().mm(grad_h)
        w1 -= lr * grad_w1
        w2 -= lr * grad_w2
    return losses


class MyReLU(torch.autograd.Function):
    """E5: a new autograd function; ``ctx.save_for_backward`` is the cache of the NumPy layer pairs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_y):
        (x,) = ctx.saved_tensors
        grad_input = grad_y.clone()
        grad_input[x < 0] = 0
        return grad_input


def my_relu(x: torch.Tensor) -> torch.Tensor:
    return MyReLU.apply(x)


def train_autograd(
    steps=500, n=64, d_in=1000, h=100, d_out=10, lr=1e-6, seed=0, relu=None, dtype=torch.float32
):
    """E4 (and E5 with ``relu=my_relu``): autograd computes the gradients; updates under no_grad."""
    relu = relu or (lambda t: t.clamp(min=0))
    x, y, w1, w2 = _data(n, d_in, h, d_out, seed, dtype=dtype)
    w1.requires_grad_(True)
    w2.requires_grad_(True)
    losses = []
    for _ in range(steps):
        y_pred = relu(x.mm(w1)).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(float(loss.detach()))
        loss.backward()
        with torch.no_grad():
            w1 -= lr * w1.grad
            w2 -= lr * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    return losses


class TwoLayerNet(torch.nn.Module):
    """E9: a Module holding two Linear layers: x (N, D_in) -> (N, D_out)."""

    def __init__(self, d_in: int, h: int, d_out: int):
        super().__init__()
        self.linear1 = torch.nn.Linear(d_in, h)
        self.linear2 = torch.nn.Linear(h, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)


class ParallelBlock(torch.nn.Module):
    """E10: two Linear layers side by side, multiplied then rectified: (N, D_in) -> (N, D_out)."""

    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        self.linear1 = torch.nn.Linear(d_in, d_out)
        self.linear2 = torch.nn.Linear(d_in, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.linear1(x) * self.linear2(x)).clamp(min=0)


def _fit(model, x, y, optimizer, steps):
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(model(x), y)
        losses.append(float(loss.detach()))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return losses


def train_module(steps=500, n=64, d_in=1000, h=100, d_out=10, lr=1e-4, seed=0, kind="sequential"):
    """E6/E7/E9: nn.Sequential with SGD (``kind="sequential"``), with Adam ("adam"), or TwoLayerNet."""
    torch.manual_seed(seed)
    x, y, _, _ = _data(n, d_in, h, d_out, seed)
    if kind == "module":
        model = TwoLayerNet(d_in, h, d_out)
    else:
        model = torch.nn.Sequential(torch.nn.Linear(d_in, h), torch.nn.ReLU(), torch.nn.Linear(h, d_out))
    opt_cls = torch.optim.Adam if kind == "adam" else torch.optim.SGD
    return _fit(model, x, y, opt_cls(model.parameters(), lr=lr), steps)


def train_parallel_blocks(steps=500, n=64, d_in=1000, h=100, d_out=10, lr=1e-4, seed=0):
    """E10: custom modules mixed with containers, trained with Adam; returns (losses, model)."""
    torch.manual_seed(seed)
    x, y, _, _ = _data(n, d_in, h, d_out, seed)
    model = torch.nn.Sequential(ParallelBlock(d_in, h), ParallelBlock(h, h), torch.nn.Linear(h, d_out))
    return _fit(model, x, y, torch.optim.Adam(model.parameters(), lr=lr), steps), model


class RandomRegression(Dataset):
    """E11: a custom Dataset: item i is (x_i (D_in,), y_i (D_out,)) of a seeded random regression."""

    def __init__(self, n=64, d_in=1000, d_out=10, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, d_in, generator=g)
        self.y = torch.randn(n, d_out, generator=g)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def train_dataloader(epochs=20, n=64, d_in=1000, h=100, d_out=10, lr=1e-2, batch_size=8, seed=0, workers=0):
    """E11: a DataLoader does the minibatching, shuffling and (with workers) multi-process loading."""
    torch.manual_seed(seed)
    loader = DataLoader(
        RandomRegression(n, d_in, d_out, seed),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        generator=torch.Generator().manual_seed(seed),
    )
    model = TwoLayerNet(d_in, h, d_out)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    epoch_losses = []
    for _ in range(epochs):
        total = 0.0
        for x_batch, y_batch in loader:
            loss = torch.nn.functional.mse_loss(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += float(loss.detach()) * len(x_batch)
        epoch_losses.append(total / n)
    return epoch_losses
