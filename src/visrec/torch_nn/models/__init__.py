"""The model zoo of Lecture 9: importing this package registers every family with the registry."""

from visrec.torch_nn.models import lenet, resnet_cifar, tiny  # noqa: F401  (registration side effects)
from visrec.torch_nn.models.base import ClassifierBase

__all__ = ["ClassifierBase"]
