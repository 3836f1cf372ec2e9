"""Generating images from a trained network: class visualization, adversarial examples, DeepDream,
feature inversion, and style transfer (in :mod:`visrec.explain.generate.style`)."""

from visrec.explain.generate.adversarial import (
    ATTACKS,
    adversarial_training_step,
    fgsm,
    fooling_image,
    pgd,
    success_rate,
)
from visrec.explain.generate.class_viz import class_visualization
from visrec.explain.generate.deepdream import deepdream, dream_step
from visrec.explain.generate.inversion import invert_features, layer_features, tv_regularizer

__all__ = [
    "fgsm",
    "pgd",
    "fooling_image",
    "success_rate",
    "adversarial_training_step",
    "ATTACKS",
    "class_visualization",
    "deepdream",
    "dream_step",
    "invert_features",
    "layer_features",
    "tv_regularizer",
]
