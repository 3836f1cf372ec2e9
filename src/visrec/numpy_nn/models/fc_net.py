"""FullyConnectedNet: {affine - [norm] - act - [dropout]} x (L - 1) - affine - softmax (Lectures 6-7)."""

from __future__ import annotations

from visrec.numpy_nn.layers.modules import ACTIVATION_LAYERS
from visrec.numpy_nn.models.base import Model
from visrec.utils.validation import check_choice, check_float, check_int


class FullyConnectedNet(Model):
    """A multi-layer perceptron with optional batch/layer normalization and inverted dropout.

    Parameters
    ----------
    hidden_dims : list of int, the hidden layer widths (L - 1 of them)
    input_dim : int, D
    num_classes : int, K
    dropout_keep : float in (0, 1] or None, the KEEP probability p of Lecture 7 (None or 1: no dropout)
    normalization : None | "batch" | "layer", inserted after each hidden affine, before the activation
    activation : relu | leaky_relu | tanh | sigmoid | elu
    init : "small" (weight_scale * randn) | "xavier" | "he"
    weight_scale : float, used by init="small"
    reg : float, L2 strength
    """

    name = "fc"

    def __init__(
        self,
        hidden_dims=(100, 100),
        input_dim: int = 3072,
        num_classes: int = 10,
        dropout_keep: float | None = None,
        normalization: str | None = None,
        activation: str = "relu",
        init: str = "he",
        weight_scale: float = 1e-2,
        reg: float = 0.0,
        dtype: str = "float64",
        seed: int | None = 0,
    ):
        super().__init__(reg, dtype, seed)
        hidden_dims = [check_int("hidden_dims[i]", h, low=1, owner="FullyConnectedNet") for h in hidden_dims]
        check_int("input_dim", input_dim, low=1, owner="FullyConnectedNet")
        check_int("num_classes", num_classes, low=2, owner="FullyConnectedNet")
        check_choice("normalization", normalization, [None, "batch", "layer"], owner="FullyConnectedNet")
        check_choice("activation", activation, list(ACTIVATION_LAYERS), owner="FullyConnectedNet")
        check_choice("init", init, ["small", "xavier", "he"], owner="FullyConnectedNet")
        if dropout_keep is not None:
            dropout_keep = check_float(
                "dropout_keep", dropout_keep, low=0.0, high=1.0, closed="right", owner="FullyConnectedNet"
            )
        self._kwargs = dict(
            hidden_dims=hidden_dims,
            input_dim=input_dim,
            num_classes=num_classes,
            dropout_keep=dropout_keep,
            normalization=normalization,
            activation=activation,
            init=init,
            weight_scale=weight_scale,
            reg=reg,
            dtype=str(self.dtype),
            seed=seed,
        )
        dims = [input_dim, *hidden_dims]
        for i in range(1, len(dims)):
            self._add_affine(i, dims[i - 1], dims[i], init, weight_scale)
            if normalization is not None:
                self._add_norm(i, "batchnorm" if normalization == "batch" else "layernorm", dims[i])
            self._add_activation(activation)
            if dropout_keep is not None and dropout_keep < 1.0:
                self._add_dropout(dropout_keep)
        last = len(dims)
        # the output layer keeps the small/xavier scale (He's factor 2 is for a ReLU that follows)
        self._add_affine(last, dims[-1], num_classes, "xavier" if init == "he" else init, weight_scale)
        self._finish()
