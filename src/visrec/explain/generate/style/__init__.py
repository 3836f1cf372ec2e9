"""Texture synthesis, neural style transfer and fast style transfer (Lecture 13)."""

from visrec.explain.generate.style.fast import ConditionalInstanceNorm, TransformNet, train_fast_style
from visrec.explain.generate.style.features import VGG_LAYERS, FeatureExtractor, default_layers
from visrec.explain.generate.style.losses import (
    blend_grams,
    content_loss,
    gatys_layer_loss,
    gram_matrix,
    style_loss,
    tv_loss,
)
from visrec.explain.generate.style.transfer import (
    StyleResult,
    course_style_weights,
    style_targets,
    style_transfer,
)

__all__ = [
    "gram_matrix",
    "content_loss",
    "style_loss",
    "tv_loss",
    "gatys_layer_loss",
    "blend_grams",
    "FeatureExtractor",
    "default_layers",
    "VGG_LAYERS",
    "style_transfer",
    "style_targets",
    "StyleResult",
    "course_style_weights",
    "TransformNet",
    "ConditionalInstanceNorm",
    "train_fast_style",
]
