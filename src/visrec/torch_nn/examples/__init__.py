"""Lecture 8's PyTorch examples (seed L9161-12439), runnable and tested (tests/torch_nn/test_lecture8.py).

- :mod:`.graph` : E1/E2 the computational graph ``c = sum(x * y + z)`` by hand in NumPy and by autograd
- :mod:`.two_layer` : E3-E11 the two-layer ReLU net of the slides, from raw tensors to nn.Module,
  optim, a custom autograd Function (MyReLU), the ParallelBlock module inside nn.Sequential, a DataLoader
- :mod:`.onnx_graph` : E20 exporting the Gemm -> Relu -> Gemm network to ONNX
"""

from visrec.torch_nn.examples.graph import graph_autograd, graph_numpy
from visrec.torch_nn.examples.onnx_graph import export_two_layer_onnx
from visrec.torch_nn.examples.two_layer import (
    MyReLU,
    ParallelBlock,
    RandomRegression,
    TwoLayerNet,
    my_relu,
    train_autograd,
    train_dataloader,
    train_module,
    train_parallel_blocks,
    train_raw_tensors,
)

__all__ = [
    "graph_numpy",
    "graph_autograd",
    "MyReLU",
    "my_relu",
    "TwoLayerNet",
    "ParallelBlock",
    "RandomRegression",
    "train_raw_tensors",
    "train_autograd",
    "train_module",
    "train_parallel_blocks",
    "train_dataloader",
    "export_two_layer_onnx",
]
