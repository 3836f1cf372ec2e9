"""Lecture 6's activation-statistics experiment (L6074-6117): how initialization shapes deep activations.

The slide's code, with rows as examples::

    D = np.random.randn(1000, 500)
    for i in range(10):                       # 10 layers of 500 units
        X = D if i == 0 else H[i - 1]
        W = np.random.randn(500, 500) * 0.01  # or / sqrt(fan_in) (Xavier), * sqrt(2 / fan_in) (He)
        H[i] = act(X @ W)                     # tanh or relu

Printed in the slides (L6121-6198): small init + tanh collapses (stds 0.213, 0.0476, 0.0106, ... -> 0);
Xavier + tanh decays slowly (0.628, 0.486, ..., 0.228); He + ReLU stays stable (mean ~0.55-0.62,
std ~0.81-0.89). No biases, as in the slides.
"""

from __future__ import annotations

import numpy as np

from visrec.numpy_nn.init import init_weight

_ACTS = {"tanh": np.tanh, "relu": lambda x: np.maximum(0.0, x), "sigmoid": lambda x: 1 / (1 + np.exp(-x))}


def activation_statistics(
    init: str = "xavier",
    activation: str = "tanh",
    num_layers: int = 10,
    width: int = 500,
    num_examples: int = 1000,
    weight_scale: float = 0.01,
    seed: int = 0,
    keep: bool = False,
) -> dict:
    """Run the experiment; return ``{"mean": (L,), "std": (L,), "layers": [H_1..H_L] if keep}``.

    ``init`` is "small" (``weight_scale * randn``, 0.01 in the slides; 1.0 for the saturated case),
    "xavier" or "he"; ``activation`` is tanh, relu or sigmoid.
    """
    if activation not in _ACTS:
        raise ValueError(f"activation must be one of {sorted(_ACTS)}; got {activation!r}.")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((num_examples, width))  # (N, D)
    means, stds, layers = [], [], []
    for _ in range(num_layers):
        w = init_weight((x.shape[1], width), init, weight_scale, rng)  # (D, D)
        x = _ACTS[activation](x @ w)  # (N, D)
        means.append(float(x.mean()))
        stds.append(float(x.std()))
        if keep:
            layers.append(x)
    return {
        "init": init,
        "activation": activation,
        "mean": np.array(means),
        "std": np.array(stds),
        "layers": layers,
    }
