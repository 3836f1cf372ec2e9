"""Weights, activations, maximally activating patches and the feature space."""

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestNeighbors

from _explain_nets import twins
from visrec.explain import ParameterError
from visrec.explain.inspect import (
    activation_grid,
    embed_2d,
    feature_vectors,
    filter_grid,
    first_conv,
    grid_assignment,
    image_grid,
    layer_activations,
    layer_weights_grid,
    max_activating_patches,
    nearest_neighbors,
    receptive_box,
)


@pytest.fixture
def net():
    model = twins()["module"].float()
    with torch.no_grad():
        model.net.conv1.bias.fill_(10.0)  # every first-layer unit on: the receptive field is the full window
    return model


def test_filter_grid_shows_each_filter_scaled(net):
    name, conv = first_conv(net)
    assert name == "conv1" and conv.weight.shape == (6, 3, 3, 3)
    grid = filter_grid(conv.weight)  # 6 tiles in 3 columns x 2 rows, 1 px borders
    assert grid.shape == (2 * 4 - 1, 3 * 4 - 1, 3)
    tile0 = grid[:3, :3]
    w0 = conv.weight[0].permute(1, 2, 0).detach().double().numpy()
    np.testing.assert_allclose(tile0, (w0 - w0.min()) / (w0.max() - w0.min()))
    assert layer_weights_grid(net, "conv2").shape == (8 * 4 - 1, 6 * 4 - 1, 1)
    with pytest.raises(ParameterError, match="1 or 3 input channels"):
        filter_grid(net.net.conv2.weight)
    with pytest.raises(ParameterError, match="Conv2d"):
        layer_weights_grid(net, "act1")


def test_activations_are_the_layer_output(net):
    x = torch.rand(2, 3, 8, 8)
    acts = layer_activations(net, x, "act2")
    torch.testing.assert_close(acts, torch.relu(net.net.conv2(torch.relu(net.net.conv1(net.normalize(x))))))
    assert activation_grid(acts[0]).shape == (3 * 9 - 1, 3 * 9 - 1, 1)


def test_receptive_box_of_two_3x3_convs(net):
    x = torch.rand(1, 3, 8, 8)
    assert receptive_box(net, x, "conv2", 0, 4, 4) == (2, 2, 7, 7)  # 5 x 5 around (4, 4)
    assert receptive_box(net, x, "conv2", 0, 0, 7) == (0, 5, 3, 8)  # rows -2..2, cols 5..9, clipped
    assert receptive_box(net, x, "conv1", 0, 3, 3) == (2, 2, 5, 5)


def test_max_activating_patches_are_the_top_units(net):
    torch.manual_seed(0)
    x = torch.rand(20, 3, 8, 8)
    patches = max_activating_patches(net, x, "conv2", channel=2, k=4)
    acts = layer_activations(net, x, "conv2")[:, 2]
    top = acts.flatten(1).max(1).values.sort(descending=True).values[:4]
    torch.testing.assert_close(torch.tensor([p.activation for p in patches]), top)
    for p in patches:
        assert float(acts[p.index, p.y, p.x]) == pytest.approx(p.activation)
        t, lft, b, r = p.box
        assert p.crop.shape == (3, b - t, r - lft) and b - t <= 5 and r - lft <= 5
    with pytest.raises(ParameterError, match=r"8 channels \(0..7\)"):
        max_activating_patches(net, x, "conv2", channel=8)


def test_feature_neighbours_match_sklearn(digits_model):
    model, x, y = digits_model
    feats = feature_vectors(model, x)
    assert feats.shape == (len(x), 32)
    ours = nearest_neighbors(feats[:10], feats, k=3)
    ref = NearestNeighbors(n_neighbors=3).fit(feats).kneighbors(feats[:10], return_distance=False)
    np.testing.assert_array_equal(ours, ref)
    fn = nearest_neighbors(feats, feats, k=1, exclude_self=True)[
        :, 0
    ]  # feature-space neighbours share labels
    assert (y.numpy()[fn] == y.numpy()).mean() > 0.9


def test_tsne_grid_places_every_point_once(digits_model):
    model, x, y = digits_model
    feats = feature_vectors(model, x[:64])
    for method in ("pca", "tsne"):
        xy = embed_2d(feats, method=method)
        assert xy.shape == (64, 2) and np.isfinite(xy).all()
    assign = grid_assignment(xy, 8, 8)
    assert sorted(assign.ravel().tolist()) == list(range(64))
    imgs = (x[:64].permute(0, 2, 3, 1).numpy() * 255).astype(np.uint8)
    assert image_grid(imgs, assign).shape == (64, 64, 1)
    with pytest.raises(ParameterError, match="'pca' or 'tsne'"):
        embed_2d(feats, method="umap")
