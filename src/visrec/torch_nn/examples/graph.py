"""E1/E2 (seed L9161-9392): one computational graph, gradients by hand in NumPy and by PyTorch autograd.

a = x * y;  b = a + z;  c = sum(b)
dc/db = 1,  dc/da = dc/db,  dc/dz = dc/db,  dc/dx = dc/da * y,  dc/dy = dc/da * x
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["graph_numpy", "graph_autograd"]


def graph_numpy(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """Forward and hand-written backward. x, y, z : ndarray of shape (N, D). Returns c and its gradients."""
    a = x * y
    b = a + z
    c = np.sum(b)
    grad_c = 1.0
    grad_b = grad_c * np.ones_like(b)
    grad_a = grad_b.copy()
    grad_z = grad_b.copy()
    grad_x = grad_a * y
    grad_y = grad_a * x
    return float(c), {"x": grad_x, "y": grad_y, "z": grad_z}


def graph_autograd(x, y, z, device: str | torch.device = "cpu") -> tuple[float, dict[str, np.ndarray]]:
    """The same graph in PyTorch: ``requires_grad=True`` and ``c.backward()``; runs on ``device``."""
    tx, ty, tz = (torch.tensor(v, device=device, requires_grad=True) for v in (x, y, z))
    a = tx * ty
    b = a + tz
    c = torch.sum(b)
    c.backward()
    return float(c.detach()), {
        "x": tx.grad.cpu().numpy(),
        "y": ty.grad.cpu().numpy(),
        "z": tz.grad.cpu().numpy(),
    }
