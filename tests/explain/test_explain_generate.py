"""Class visualization, DeepDream, feature inversion, style transfer and fast style transfer do what they
claim on small models (the objective moves the right way, outputs stay valid images)."""

import pytest
import torch

from _explain_nets import twins
from visrec.explain import ExplainModel, ParameterError
from visrec.explain.generate import class_visualization, deepdream, dream_step, invert_features
from visrec.explain.generate.style import (
    ConditionalInstanceNorm,
    FeatureExtractor,
    TransformNet,
    default_layers,
    gram_matrix,
    style_transfer,
    train_fast_style,
)
from visrec.torch_nn import create_model


@pytest.fixture(scope="module")
def rgb_model():
    torch.manual_seed(0)
    net = create_model("tiny_cnn", num_classes=4, width=8)
    return ExplainModel(net, mean=(0.5,) * 3, std=(0.25,) * 3).eval()


def _smooth(seed, size=32):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(1, 3, size // 4, size // 4, generator=g)
    return torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


def test_class_visualization_makes_the_target_win(digits_model):
    model = digits_model[0]
    for target in (0, 7):
        img = class_visualization(
            model, target, steps=60, lr=0.3, value_quantile=0.1, contribution_quantile=0.1
        )
        assert img.shape == (1, 1, 8, 8) and img.min() >= 0 and img.max() <= 1
        assert int(model(img).argmax(1)) == target
    with pytest.raises(ParameterError, match=r"0..9"):
        class_visualization(model, 10, steps=1)


def test_deepdream_gradient_is_the_activation_and_objective_rises(rgb_model):
    x = _smooth(1)
    # the gradient set at the layer is its activation: equals d(1/2 sum f^2)/dx by autograd
    from visrec.explain.hooks import capture

    xr = x.clone().requires_grad_(True)
    with capture(rgb_model, "features.2") as seen:
        rgb_model(xr)
    (ref,) = torch.autograd.grad(0.5 * seen.output.pow(2).sum(), xr)
    new, _ = dream_step(rgb_model, x, "features.2", step_size=1.5, jitter=0)
    torch.testing.assert_close(
        (new - x) * 255 / 1.5, (ref / ref.abs().mean()).where((new > 0) & (new < 1), new - x)
    )
    out, hist = deepdream(rgb_model, x, "features.2", steps=8, octaves=2, jitter=4)
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    assert hist[-1] > hist[8]  # rises within the last octave


def test_feature_inversion_reconstructs_from_an_early_layer(rgb_model):
    x = _smooth(2)
    rec, hist = invert_features(rgb_model, x, layer="features.2", steps=150, lr=0.05, tv_weight=1e-3)
    assert hist[-1] < 0.1 * hist[0]
    corr = torch.corrcoef(torch.stack([rec.flatten(), x.flatten()]))[0, 1]
    assert corr > 0.7
    with pytest.raises(ParameterError, match="Valid layer names"):
        invert_features(rgb_model, x, layer="features.99", steps=1)


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_style_transfer_lowers_the_loss(rgb_model, optimizer):
    content, style = _smooth(3), torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(4))
    res = style_transfer(
        rgb_model,
        content,
        style,
        optimizer=optimizer,
        steps=30,
        lr=0.05,
        style_weights=[1e4] * len(default_layers(rgb_model)[0]),
    )
    assert res.losses[-1] < 0.5 * res.losses[0]
    assert res.image.shape == content.shape and res.image.min() >= 0 and res.image.max() <= 1


def test_texture_synthesis_matches_the_style_grams(rgb_model):
    style = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(5))
    layers, _ = default_layers(rgb_model)
    res = style_transfer(
        rgb_model,
        _smooth(6),
        style,
        content_weight=0.0,
        tv_weight=0.0,
        init="noise",
        style_weights=[1e4] * len(layers),
        steps=60,
    )
    ext = FeatureExtractor(rgb_model, layers)
    with torch.no_grad():
        a, b, c = ext(res.image), ext(style), ext(_smooth(6))
    err = sum((gram_matrix(a[n]) - gram_matrix(b[n])).abs().sum() for n in layers)
    base = sum((gram_matrix(c[n]) - gram_matrix(b[n])).abs().sum() for n in layers)
    assert err < 0.2 * base


def test_blended_styles_sit_between_the_two(rgb_model):
    content = _smooth(7)
    s1, s2 = (
        torch.zeros(1, 3, 32, 32) + 0.1,
        torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(8)),
    )
    layers, _ = default_layers(rgb_model)
    ext = FeatureExtractor(rgb_model, layers)
    with torch.no_grad():
        g1, g2 = (gram_matrix(ext(s)[layers[0]]) for s in (s1, s2))
    res = style_transfer(
        rgb_model,
        content,
        [s1, s2],
        blend=[0.5, 0.5],
        style_layers=layers[:1],
        style_weights=[1e5],
        content_weight=0.0,
        tv_weight=0.0,
        steps=40,
    )
    with torch.no_grad():
        g = gram_matrix(ext(res.image)[layers[0]])
    to_blend, to_1, to_2 = ((g - t).norm() for t in (0.5 * (g1 + g2), g1, g2))
    assert to_blend < 0.5 * min(to_1, to_2)
    assert to_blend < 0.25 * (g1 - g2).norm()


def test_conditional_instance_norm_blends_affine_pairs():
    cin = ConditionalInstanceNorm(3, num_styles=2)
    with torch.no_grad():
        cin.gamma.copy_(torch.tensor([[1.0, 1.0, 1.0], [3.0, 3.0, 3.0]]))
        cin.beta.copy_(torch.tensor([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
    x = torch.randn(2, 3, 4, 4)
    normed = torch.nn.functional.instance_norm(x)
    torch.testing.assert_close(cin(x, 0), normed)
    torch.testing.assert_close(cin(x, 1), 3 * normed + 1)
    torch.testing.assert_close(cin(x, [0.5, 0.5]), 2 * normed + 0.5)
    with pytest.raises(ParameterError, match=r"2 styles \(0..1\)"):
        cin(x, 2)


def test_fast_style_network_learns_two_styles(rgb_model):
    contents = torch.cat([_smooth(10 + i) for i in range(6)])
    styles = [
        torch.zeros(1, 3, 32, 32) + 0.2,
        torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(9)),
    ]
    net, losses, _ = train_fast_style(
        rgb_model, styles, contents, steps=40, batch_size=2, lr=5e-3, width=4, blocks=1
    )
    assert isinstance(net, TransformNet) and net.num_styles == 2
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < first
    with torch.no_grad():
        y0, y1, ym = net(contents[:1], 0), net(contents[:1], 1), net(contents[:1], [0.5, 0.5])
    assert y0.shape == contents[:1].shape and not torch.allclose(y0, y1) and not torch.allclose(ym, y0)
    with pytest.raises(ParameterError, match="divisible by 4"):
        train_fast_style(rgb_model, styles, torch.rand(2, 3, 30, 30), steps=1)


def test_functional_relu_model_works_for_dream():
    model = twins()["functional"].float()
    out, hist = deepdream(model, torch.rand(1, 3, 8, 8), "conv2", steps=3, octaves=1, jitter=2)
    assert out.shape == (1, 3, 8, 8) and hist[-1] > hist[0]
