"""The two Inception modules of the GoogLeNet slides, registered as "block" entries for ``visrec summary``.

On a 28x28x256 input:

- ``inception_naive_module``: 1x1 (128), 3x3 (192), 5x5 (96), 3x3 max pool -> 28x28x672, 854,196,224
  conv multiply-adds (the slide's "854M ops").
- ``inception_reduced_module``: 1x1 (128); 1x1 (64) -> 3x3 (192); 1x1 (64) -> 5x5 (96); pool -> 1x1 (64)
  -> 28x28x480, 271,351,808 conv multiply-adds. ⚠ The slide's total says "358M ops"; its own six terms sum
  to 271,351,808 (arithmetic wins).

``visrec summary inception_naive_module --input 256x28x28`` prints the per-branch table.
"""

from __future__ import annotations

from torch import nn

from visrec.torch_nn.blocks.inception import ConvReLU, Inception, InceptionNaive
from visrec.torch_nn.registry import register_model

__all__ = ["inception_naive_module", "inception_reduced_module"]


@register_model(kind="block", family="googlenet")
def inception_naive_module(
    in_ch: int = 256, ch1x1: int = 128, ch3x3: int = 192, ch5x5: int = 96
) -> nn.Module:
    """The naive Inception module of the slides (input 28x28x256 -> 28x28x672)."""
    module = InceptionNaive(in_ch, ch1x1, ch3x3, ch5x5, conv_block=ConvReLU)
    module.input_size = (in_ch, 28, 28)
    return module


@register_model(kind="block", family="googlenet")
def inception_reduced_module(in_ch: int = 256) -> nn.Module:
    """The dimension-reduced Inception module of the slides (28x28x256 -> 28x28x480)."""
    module = Inception(in_ch, 128, 64, 192, 64, 96, 64, conv_block=ConvReLU, kernel5=5)
    module.input_size = (in_ch, 28, 28)
    return module
