"""The model zoo of Lecture 9: importing this package registers every family with the registry.

One file per family; ``fast_cifar`` (the airbench-style net) is owned by the training side.
"""

from visrec.torch_nn.models import (  # noqa: F401  (imported for their registration side effects)
    alexnet,
    densenet,
    fast_cifar,
    fractalnet,
    googlenet,
    inception_modules,
    lenet,
    nin,
    preact_resnet,
    resnet,
    resnet_cifar,
    resnext_cifar,
    squeezenet,
    stride_cnn,
    tiny,
    twins,
    vgg,
    wide_resnet,
)
from visrec.torch_nn.models.base import ClassifierBase

__all__ = ["ClassifierBase"]
