"""NumPy models (Lectures 4-7): every model has ``loss(X, y=None)`` and a ``params`` dict.

``build_model({"name": "fc", "hidden_dims": [100], ...})`` rebuilds a model from its ``config()``.
"""

from __future__ import annotations

from visrec.numpy_nn.models.base import Model
from visrec.numpy_nn.models.convnet import ConvNet, ThreeLayerConvNet
from visrec.numpy_nn.models.fc_net import FullyConnectedNet
from visrec.numpy_nn.models.two_layer import TwoLayerNet

MODELS = {
    "twolayer": TwoLayerNet,
    "fc": FullyConnectedNet,
    "threelayer_convnet": ThreeLayerConvNet,
    "convnet3": ThreeLayerConvNet,
    "convnet": ConvNet,
}
CONV_MODELS = ("threelayer_convnet", "convnet3", "convnet")


def build_model(config: dict) -> Model:
    """Instantiate ``MODELS[config["name"]](**rest)``, with a clear error for unknown names or options."""
    config = dict(config)
    name = config.pop("name", None)
    if name not in MODELS:
        raise ValueError(f"Unknown NumPy model {name!r}; expected one of {sorted(MODELS)}.")
    try:
        return MODELS[name](**config)
    except TypeError as exc:
        raise TypeError(f"Bad options for NumPy model {name!r}: {exc}") from None


__all__ = [
    "CONV_MODELS",
    "MODELS",
    "ConvNet",
    "FullyConnectedNet",
    "Model",
    "ThreeLayerConvNet",
    "TwoLayerNet",
    "build_model",
]
