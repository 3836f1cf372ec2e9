"""Behaviour of the attribution methods beyond captum parity, and the errors a user can cause."""

import numpy as np
import pytest
import torch
from torch import nn

from _explain_nets import shapes_dataset, train_shapes_model, twins
from visrec.explain import ParameterError, find_layer, to_pixels
from visrec.explain.attribution import (
    GuidedBackprop,
    LayerGradCam,
    Saliency,
    grabcut_from_saliency,
    gradcam_map,
    guided_neuron,
    occlusion_map,
    saliency_map,
)


def _hand_net():
    """x (1, 1, 1, 3) -> h = W x (3) -> relu -> v . relu(h); weights chosen by hand."""
    lin1, lin2 = nn.Linear(3, 3, bias=False), nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        lin1.weight.copy_(torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
        lin2.weight.copy_(torch.tensor([[1.0, -2.0, 3.0]]))
    return nn.Sequential(nn.Flatten(), lin1, nn.ReLU(), lin2)


def test_guided_backprop_passes_only_positive_gradients():
    net = _hand_net()
    x = torch.tensor([1.0, 2.0, -1.0]).reshape(1, 1, 1, 3)  # h = (1, 2, -1): unit 3 is off
    plain = Saliency(net).attribute(x, target=0, abs=False).flatten()
    guided = GuidedBackprop(net).attribute(x, target=0).flatten()
    torch.testing.assert_close(plain, torch.tensor([1.0, -2.0, 0.0]))  # relu' * v
    torch.testing.assert_close(guided, torch.tensor([1.0, 0.0, 0.0]))  # the -2 is blocked too


def test_guided_blocks_negative_gradients_in_the_middle_of_the_chain():
    """Two ReLUs: the gradient reaching the first one is negative on one unit, so guided backprop stops it
    there although both units are active."""
    a, b, c = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False), nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        a.weight.copy_(torch.eye(2))
        b.weight.copy_(torch.tensor([[1.0, -1.0], [0.0, 0.5]]))
        c.weight.copy_(torch.tensor([[1.0, 1.0]]))
    net = nn.Sequential(nn.Flatten(), a, nn.ReLU(), b, nn.ReLU(), c)
    x = torch.tensor([3.0, 1.0]).reshape(1, 1, 1, 2)  # relu1 = (3, 1), relu2 = (2, 0.5): all active
    plain = Saliency(net).attribute(x, target=0, abs=False).flatten()
    guided = GuidedBackprop(net).attribute(x, target=0).flatten()
    torch.testing.assert_close(plain, torch.tensor([1.0, -0.5]))  # b^T (1, 1)
    torch.testing.assert_close(guided, torch.tensor([1.0, 0.0]))  # the -0.5 stops at relu1


@pytest.mark.slow
def test_gradcam_highlights_the_region_the_class_depends_on():
    model = train_shapes_model()
    x, y, boxes = shapes_dataset(200, seed=5)
    assert (model(x).argmax(1) == y).float().mean() > 0.95
    cam = gradcam_map(model, x, y)  # (N, 16, 16) in [0, 1]
    peak = cam.flatten(1).argmax(1)
    r, c = peak // 16, peak % 16
    hit = (r >= boxes[:, 0]) & (r < boxes[:, 2]) & (c >= boxes[:, 1]) & (c < boxes[:, 3])
    assert hit.float().mean() > 0.7  # chance: 25 / 256
    inside = torch.stack([cam[i, b[0] : b[2], b[1] : b[3]].sum() / cam[i].sum() for i, b in enumerate(boxes)])
    assert inside.mean() > 2 * 25 / 256
    occ = occlusion_map(model, x[:20], y[:20], window=5, stride=2)
    assert occ.shape == (20, 16, 16)
    peak = occ.flatten(1).argmax(1)
    r, c = peak // 16, peak % 16
    b = boxes[:20]
    near = (r >= b[:, 0] - 2) & (r < b[:, 2] + 2) & (c >= b[:, 1] - 2) & (c < b[:, 3] + 2)
    assert near.float().mean() > 0.7


def test_saliency_map_is_max_over_channels():
    model = twins()["module"]
    x = torch.rand(2, 3, 8, 8, dtype=torch.float64)
    full = Saliency(model).attribute(x, target=1)
    torch.testing.assert_close(saliency_map(model, x, 1), full.max(dim=1).values)


def test_guided_neuron_is_positive_part_of_one_unit():
    model = twins()["module"]
    x = torch.rand(1, 3, 8, 8, dtype=torch.float64)
    g = guided_neuron(model, x, "conv2", channel=3, y=4, x=4)
    assert g.shape == x.shape and g.abs().sum() > 0
    assert g[..., :, 7].abs().sum() == 0  # two 3x3 convs see 5x5 around (4, 4): column 7 is outside


def test_grabcut_segments_the_salient_square():
    img = np.full((40, 40, 3), 30.0)
    img[10:30, 12:32] = (220, 40, 40)
    img = np.clip(img + np.random.default_rng(1).normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[:40, :40]
    sal = np.exp(-((yy - 20) ** 2 + (xx - 22) ** 2) / (2 * 6.0**2))  # a blob inside the square only
    assert (sal > np.quantile(sal, 0.95)).sum() < 100
    mask = grabcut_from_saliency(img, sal)
    truth = np.zeros((40, 40), bool)
    truth[10:30, 12:32] = True
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou > 0.8


# ------------------------------------------------------------------------------- errors a user can cause
def test_unknown_layer_names_valid_choices():
    model = twins()["module"]
    with pytest.raises(ParameterError, match="conv2") as err:
        LayerGradCam(model, "conv3").attribute(torch.rand(1, 3, 8, 8, dtype=torch.float64), target=0)
    assert "Valid layer names" in str(err.value) and "act1" in str(err.value)
    with pytest.raises(ParameterError, match="Did you mean 'conv1'"):
        find_layer(model, "conv_1")


def test_class_index_out_of_range_names_the_range():
    model = twins()["module"]
    x = torch.rand(1, 3, 8, 8, dtype=torch.float64)
    for method in (Saliency(model), GuidedBackprop(model), LayerGradCam(model, "conv1")):
        with pytest.raises(ParameterError, match=r"5 classes \(0..4\)"):
            method.attribute(x, target=5)


def test_wrong_image_mode_names_the_valid_mode():
    model = twins(in_chans=1)["module"]
    rgb = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ParameterError, match="Valid image modes: L"):
        to_pixels(rgb, model)
    assert to_pixels(np.zeros((8, 8, 1), np.uint8), model).shape == (1, 1, 8, 8)
