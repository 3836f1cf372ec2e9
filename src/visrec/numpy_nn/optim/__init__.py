"""Optimizers of Lecture 7: pure update rules (``rules``) and a class that keeps per-parameter state."""

from visrec.numpy_nn.optim.optimizer import Optimizer, clip_grad_norm
from visrec.numpy_nn.optim.rules import RULES, adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd

__all__ = [
    "RULES",
    "Optimizer",
    "adagrad",
    "adam",
    "adamw",
    "clip_grad_norm",
    "momentum",
    "nesterov",
    "rmsprop",
    "sgd",
]
