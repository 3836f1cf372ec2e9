"""The PyTorch side (Lectures 8-9): a model registry, the architecture zoo, weight loading, summaries.

>>> from visrec.torch_nn import create_model
>>> create_model("resnet20", num_classes=10).default_cfg["input_size"]
(3, 32, 32)
"""

from visrec.torch_nn.models.base import ClassifierBase
from visrec.torch_nn.registry import create_model, is_model, list_models, model_entry, register_model
from visrec.torch_nn.weights import LoadReport, load_weights, read_state_dict, save_weights

_LAZY = {  # the training side, imported on first use (keeps `import visrec.torch_nn` light)
    "train": "visrec.torch_nn.trainer",
    "TrainConfig": "visrec.torch_nn.train_config",
    "load_predictor": "visrec.torch_nn.predictor",
    "export_onnx": "visrec.torch_nn.export",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'visrec.torch_nn' has no attribute {name!r}")


__all__ = [
    "ClassifierBase",
    "TrainConfig",
    "export_onnx",
    "load_predictor",
    "train",
    "LoadReport",
    "create_model",
    "is_model",
    "list_models",
    "load_weights",
    "model_entry",
    "read_state_dict",
    "register_model",
    "save_weights",
]
