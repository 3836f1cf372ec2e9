"""Looking at the network: weights, activations, maximally activating patches, and the feature space."""

from visrec.explain.inspect.activations import activation_grid, layer_activations
from visrec.explain.inspect.embedding import (
    embed_2d,
    feature_vectors,
    grid_assignment,
    image_grid,
    nearest_neighbors,
)
from visrec.explain.inspect.filters import filter_grid, first_conv, layer_weights_grid, tile
from visrec.explain.inspect.patches import Patch, max_activating_patches, receptive_box

__all__ = [
    "first_conv",
    "filter_grid",
    "layer_weights_grid",
    "tile",
    "layer_activations",
    "activation_grid",
    "Patch",
    "max_activating_patches",
    "receptive_box",
    "feature_vectors",
    "nearest_neighbors",
    "embed_2d",
    "grid_assignment",
    "image_grid",
]
