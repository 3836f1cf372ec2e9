"""TwoLayerNet: affine - ReLU - affine - softmax (Lecture 4, L4297-4331; Lecture 6's babysitting net)."""

from __future__ import annotations

from visrec.numpy_nn.models.base import Model
from visrec.utils.validation import check_float, check_int


class TwoLayerNet(Model):
    """``scores = relu(X W1 + b1) W2 + b2``.

    Parameters
    ----------
    input_dim : int, D (inputs are (N, D); (N, C, H, W) arrays are stretched to rows)
    hidden_dim : int, H
    num_classes : int, K
    weight_scale : float, std of the Gaussian initial weights (the slides use 1e-4, L6455)
    reg : float, L2 strength (loss adds 0.5 * reg * sum W^2)
    """

    name = "twolayer"

    def __init__(
        self,
        input_dim: int = 3072,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
        dtype: str = "float64",
        seed: int | None = 0,
    ):
        super().__init__(reg, dtype, seed)
        check_int("input_dim", input_dim, low=1, owner="TwoLayerNet")
        check_int("hidden_dim", hidden_dim, low=1, owner="TwoLayerNet")
        check_int("num_classes", num_classes, low=2, owner="TwoLayerNet")
        check_float("weight_scale", weight_scale, low=0.0, owner="TwoLayerNet")
        self._kwargs = dict(
            input_dim=input_dim,
            hidden_dim=hidden_dim,
            num_classes=num_classes,
            weight_scale=weight_scale,
            reg=reg,
            dtype=str(self.dtype),
            seed=seed,
        )
        self._add_affine(1, input_dim, hidden_dim, "small", weight_scale)
        self._add_activation("relu")
        self._add_affine(2, hidden_dim, num_classes, "small", weight_scale)
        self._finish()
