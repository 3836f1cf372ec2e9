"""Building blocks shared by the model families (drop-path, stochastic depth, SE, Fire, Inception, LRN)."""

from visrec.torch_nn.blocks.drop import DropPath, StochasticDepth, drop_path, linear_survival_probs
from visrec.torch_nn.blocks.se import SqueezeExcite

__all__ = ["DropPath", "StochasticDepth", "drop_path", "linear_survival_probs", "SqueezeExcite"]
