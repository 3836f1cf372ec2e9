"""Building blocks shared by the model families (the classifier head, drop-path, stochastic depth, SE, Fire,
Inception, LRN)."""

from visrec.torch_nn.blocks.drop import DropPath, StochasticDepth, drop_path, linear_survival_probs
from visrec.torch_nn.blocks.fire import Fire
from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.torch_nn.blocks.inception import BasicConv2d, ConvReLU, Inception, InceptionAux, InceptionNaive
from visrec.torch_nn.blocks.lrn import LocalResponseNorm
from visrec.torch_nn.blocks.se import SqueezeExcite

__all__ = [
    "BasicConv2d",
    "ClassifierHead",
    "ConvReLU",
    "DropPath",
    "Fire",
    "Inception",
    "InceptionAux",
    "InceptionNaive",
    "LocalResponseNorm",
    "SqueezeExcite",
    "StochasticDepth",
    "drop_path",
    "linear_survival_probs",
]
