"""Our attributions equal captum's on the same models and inputs, in float64.

captum hooks ``nn.ReLU`` modules, so for the functional-ReLU net the reference is captum on the module twin
(same weights); captum's own answer on the functional net (the plain gradient) is shown to differ.
"""

import pytest
import torch
from captum.attr import GuidedBackprop as CGuidedBackprop
from captum.attr import GuidedGradCam as CGuidedGradCam
from captum.attr import LayerAttribution
from captum.attr import LayerGradCam as CLayerGradCam
from captum.attr import Occlusion as COcclusion
from captum.attr import Saliency as CSaliency

from _explain_nets import twins
from visrec.explain.attribution import (
    GuidedBackprop,
    GuidedGradCam,
    LayerGradCam,
    Occlusion,
    Saliency,
    upsample,
)

KINDS = ("module", "inplace", "functional")


@pytest.fixture(scope="module")
def nets():
    return twins(seed=0)


@pytest.fixture(scope="module")
def x():
    torch.manual_seed(1)
    return torch.rand(3, 3, 8, 8, dtype=torch.float64)


TARGET = [0, 3, 4]


@pytest.mark.parametrize("kind", KINDS)
def test_saliency_equals_captum(nets, x, kind):
    ours = Saliency(nets[kind]).attribute(x, target=TARGET)
    ref = CSaliency(nets["module"]).attribute(x.clone().requires_grad_(), target=TARGET)
    torch.testing.assert_close(ours, ref)
    signed = Saliency(nets[kind]).attribute(x, target=TARGET, abs=False)
    torch.testing.assert_close(signed.abs(), ref)
    assert (signed < 0).any()


@pytest.mark.parametrize("kind", KINDS)
def test_guided_backprop_equals_captum(nets, x, kind):
    ours = GuidedBackprop(nets[kind]).attribute(x, target=TARGET)
    ref = CGuidedBackprop(nets["module"]).attribute(x.clone().requires_grad_(), target=TARGET)
    torch.testing.assert_close(ours, ref)
    plain = CSaliency(nets["module"]).attribute(x.clone().requires_grad_(), target=TARGET, abs=False)
    assert not torch.allclose(ours, plain)  # guided differs from the plain gradient


def test_captum_misses_functional_relus(nets, x):
    """The care the hooks need: captum's GuidedBackprop on F.relu gives the plain gradient; ours does not."""
    theirs = CGuidedBackprop(nets["functional"]).attribute(x.clone().requires_grad_(), target=TARGET)
    plain = CSaliency(nets["functional"]).attribute(x.clone().requires_grad_(), target=TARGET, abs=False)
    torch.testing.assert_close(theirs, plain)
    ours = GuidedBackprop(nets["functional"]).attribute(x, target=TARGET)
    assert not torch.allclose(ours, plain)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layer", ["conv1", "conv2", "pool"])
@pytest.mark.parametrize("relu", [False, True])
def test_layer_gradcam_equals_captum(nets, x, kind, layer, relu):
    model = nets[kind]
    ours = LayerGradCam(model, layer).attribute(x, target=TARGET, relu_attributions=relu)
    ref_model = nets["module"]
    ref = CLayerGradCam(ref_model, ref_model.net.get_submodule(layer)).attribute(
        x, target=TARGET, relu_attributions=relu
    )
    torch.testing.assert_close(ours, ref)
    up = upsample(ours, x.shape[2:], "bilinear")
    torch.testing.assert_close(up, LayerAttribution.interpolate(ref, (8, 8), interpolate_mode="bilinear"))
    assert up.shape == (3, 1, 8, 8)


def test_gradcam_default_layer_is_forward_features(nets, x):
    model = nets["module"]
    ours = LayerGradCam(model).attribute(x, target=TARGET)
    ref = CLayerGradCam(model, model.net.pool).attribute(x, target=TARGET)
    torch.testing.assert_close(ours, ref)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_guided_gradcam_equals_captum(nets, x, kind, mode):
    ours = GuidedGradCam(nets[kind], "conv2").attribute(x, target=TARGET, interpolate_mode=mode)
    ref_model = nets["module"]
    ref = CGuidedGradCam(ref_model, ref_model.net.conv2).attribute(
        x.clone().requires_grad_(), target=TARGET, interpolate_mode=mode
    )
    torch.testing.assert_close(ours, ref)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "window,strides,baseline",
    [
        ((3, 3, 3), 1, 0.0),
        ((1, 2, 2), (1, 2, 2), 0.5),
        ((3, 3, 3), (3, 2, 2), 0.25),
        ((2, 5, 3), (1, 3, 2), 0.0),
    ],
)
def test_occlusion_equals_captum(nets, x, kind, window, strides, baseline):
    ours = Occlusion(nets[kind]).attribute(
        x,
        sliding_window_shapes=window,
        strides=strides,
        baselines=baseline,
        target=TARGET,
        perturbations_per_eval=5,
    )
    ref = COcclusion(nets["module"]).attribute(
        x, sliding_window_shapes=window, strides=strides, baselines=baseline, target=TARGET
    )
    assert ours.dtype == x.dtype  # captum accumulates in float32; we keep the input's dtype
    torch.testing.assert_close(ours.float(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["tiny_cnn", "resnet20", "vgg11_cifar"])
def test_registered_classifiers_equal_captum(name):
    """The zoo's own models (BN, in-place ReLUs, residual adds), through ExplainModel."""
    from visrec.explain import ExplainModel
    from visrec.torch_nn import create_model

    torch.manual_seed(0)
    model = ExplainModel(create_model(name, num_classes=10), mean=(0.5,) * 3, std=(0.25,) * 3).double().eval()
    x = torch.rand(2, 3, 32, 32, dtype=torch.float64)
    t = [1, 7]
    torch.testing.assert_close(
        GuidedBackprop(model).attribute(x, target=t), CGuidedBackprop(model).attribute(x.clone(), target=t)
    )
    ours = LayerGradCam(model).attribute(x, target=t)
    layer = [m for m in model.net.modules() if isinstance(m, torch.nn.Conv2d)][-1]
    torch.testing.assert_close(
        LayerGradCam(model, layer).attribute(x, target=t), CLayerGradCam(model, layer).attribute(x, target=t)
    )
    assert ours.shape[:2] == (2, 1)
