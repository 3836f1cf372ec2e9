"""Lecture 13: visualizing and understanding CNNs, adversarial examples, style transfer.

Every method works on any registered torch classifier wrapped as an :class:`ExplainModel` (pixels in
[0, 1] -> logits), built from a run directory or a torchvision weight file by :func:`load_explain_model`.
"""

from visrec.explain._errors import DataError, ParameterError
from visrec.explain.hooks import capture, find_layer, guided_relus, layer_names
from visrec.explain.model import ExplainModel, check_target, load_explain_model, to_pixels

__all__ = [
    "ExplainModel",
    "ParameterError",
    "DataError",
    "load_explain_model",
    "check_target",
    "to_pixels",
    "find_layer",
    "layer_names",
    "capture",
    "guided_relus",
]
