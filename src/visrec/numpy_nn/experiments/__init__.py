"""Lecture experiments of the NumPy engine (numbers and arrays only; ``visrec lab`` draws them)."""

from visrec.numpy_nn.experiments.activations import activation_statistics
from visrec.numpy_nn.experiments.babysit import loss_at_init, lr_extremes, overfit_small, synthetic_images
from visrec.numpy_nn.experiments.optimizers import SURFACES, lr_sweep, trajectories

__all__ = [
    "SURFACES",
    "activation_statistics",
    "loss_at_init",
    "lr_extremes",
    "lr_sweep",
    "overfit_small",
    "synthetic_images",
    "trajectories",
]
