"""The from-scratch NumPy deep-learning engine (Lectures 4-7).

- ``visrec.numpy_nn.layers``: forward/backward pairs with an explicit cache (the gate API of Lecture 4).
- ``visrec.numpy_nn.shapes``: conv/pool geometry (output sizes, padding, parameter counts).
- ``visrec.numpy_nn.init``: weight initializations (small random, Xavier, He).
- ``visrec.numpy_nn.graph``: ``Sequential`` and ``ComputationalGraph`` with the gates of Lecture 4.
- ``visrec.numpy_nn.gradcheck``: numeric gradients and model gradient checks.

The layer pairs are re-exported here, so ``from visrec.numpy_nn import affine_forward`` works.
"""

from visrec.numpy_nn.ema import EMA
from visrec.numpy_nn.ensemble import Ensemble, snapshot_ensemble
from visrec.numpy_nn.graph import *  # noqa: F403
from visrec.numpy_nn.graph import __all__ as _graph_names
from visrec.numpy_nn.layers import *  # noqa: F403
from visrec.numpy_nn.layers import __all__ as _layer_names
from visrec.numpy_nn.lbfgs import lbfgs_train
from visrec.numpy_nn.models import ConvNet, FullyConnectedNet, ThreeLayerConvNet, TwoLayerNet, build_model
from visrec.numpy_nn.optim import Optimizer, clip_grad_norm
from visrec.numpy_nn.persist import load_predictor
from visrec.numpy_nn.schedules import make_schedule
from visrec.numpy_nn.search import Param, random_search
from visrec.numpy_nn.shapes import (
    conv_output_shape,
    conv_output_size,
    conv_param_count,
    pool_output_shape,
    pool_output_size,
    same_padding,
)
from visrec.numpy_nn.solver import Solver

__all__ = [
    *_layer_names,
    *_graph_names,
    "conv_output_size",
    "pool_output_size",
    "conv_output_shape",
    "pool_output_shape",
    "conv_param_count",
    "same_padding",
    "EMA",
    "Ensemble",
    "snapshot_ensemble",
    "lbfgs_train",
    "ConvNet",
    "FullyConnectedNet",
    "ThreeLayerConvNet",
    "TwoLayerNet",
    "build_model",
    "Optimizer",
    "clip_grad_norm",
    "load_predictor",
    "make_schedule",
    "Solver",
    "Param",
    "random_search",
]
