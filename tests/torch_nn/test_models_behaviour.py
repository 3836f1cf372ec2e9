"""The classifier interface and the architecture-specific behaviours: input-size errors, reset_classifier,
forward_features + forward_head, GoogLeNet's auxiliary heads, stochastic depth, drop-path, FractalNet, SE."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from visrec.torch_nn import create_model
from visrec.torch_nn.blocks import DropPath, SqueezeExcite, StochasticDepth, drop_path, linear_survival_probs
from visrec.torch_nn.blocks.inception import Inception, InceptionNaive
from visrec.torch_nn.models.fractalnet import FractalBlock, join
from visrec.torch_nn.models.googlenet import GoogLeNetOutputs, googlenet_loss
from visrec.torch_nn.models.resnet_cifar import CifarBasicBlock


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _meta(name, **kw):
    with torch.device("meta"):
        return create_model(name, **kw)


# -- input size ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, shape, expected",
    [
        ("alexnet_lecture", (1, 3, 224, 224), r"fixed input size.*\(N, 3, 227, 227\).*227x227"),
        ("zfnet", (1, 3, 227, 227), r"\(N, 3, 224, 224\)"),
        ("resnet20", (1, 3, 64, 64), r"fixed input size.*32x32"),
        ("lenet5", (1, 1, 28, 28), r"32x32.*img_size=28"),
        ("lenet5", (1, 3, 32, 32), r"expects 1 input channels.*in_chans=3"),
        ("vgg16", (1, 3, 16, 16), r"at least 32x32"),
        ("resnet18", (3, 224, 224), r"shape \(N, 3, H, W\).*unsqueeze"),
    ],
)
def test_wrong_input_size_names_the_expected_size(name, shape, expected):
    model = _meta(name)
    with pytest.raises(ValueError, match=expected):
        model(torch.zeros(*shape, device="meta"))


def test_models_without_fixed_size_take_other_sizes():
    model = _meta("resnet18")
    assert tuple(model(torch.zeros(1, 3, 160, 96, device="meta")).shape) == (1, 10)
    assert _meta("alexnet")(torch.zeros(1, 3, 100, 100, device="meta")).shape == (1, 10)


# -- the classifier interface ----------------------------------------------------------------------------
INTERFACE = [
    "lenet5",
    "tiny_cnn",
    "resnet20",
    "se_resnet20",
    "preact_resnet20",
    "densenet_bc40",
    "nin",
    "fractalnet_small",
    "wrn16_4",
]


@pytest.mark.parametrize("name", INTERFACE)
def test_forward_features_then_head_equals_forward(name):
    torch.manual_seed(0)
    model = create_model(name).eval()
    x = torch.randn(2, *model.input_size)
    with torch.no_grad():
        logits = model(x)
        split = model.forward_head(model.forward_features(x))
        pre = model.forward_head(model.forward_features(x), pre_logits=True)
    torch.testing.assert_close(logits, split)
    assert pre.shape == (2, model.num_features)
    head = model.get_classifier()
    if isinstance(head, torch.nn.Linear):  # the logits are the last layer applied to the pre-logits
        torch.testing.assert_close(head(pre), logits)


IMAGENET_HEADS = [
    "alexnet",
    "alexnet_lecture",
    "zfnet",
    "vgg11",
    "vgg16_bn",
    "resnet18",
    "resnet50",
    "resnext50_32x4d",
    "densenet121",
    "squeezenet1_1",
    "googlenet",
    "preact_resnet18",
]


@pytest.mark.parametrize("name", INTERFACE + IMAGENET_HEADS)
def test_reset_classifier_changes_the_head(name):
    model = _meta(name, num_classes=10) if name in IMAGENET_HEADS else create_model(name)
    device = next(model.parameters()).device
    model.eval()
    x = torch.zeros(2, *model.input_size, device=device)
    model.reset_classifier(5)
    assert model.num_classes == 5 and model.default_cfg["num_classes"] == 5
    out_dims = {p.shape[0] for p in model.get_classifier().parameters()}
    assert out_dims == {5}
    with torch.no_grad():
        assert tuple(model(x).shape) == (2, 5)
        model.reset_classifier(0)  # no classifier: the model returns its pre-logits features
        assert tuple(model(x).shape) == (2, model.num_features)


# -- GoogLeNet ---------------------------------------------------------------------------------------------
def test_googlenet_aux_heads_only_in_training():
    torch.manual_seed(0)
    model = create_model("googlenet", num_classes=4, aux_logits=True)
    x, y = torch.randn(2, 3, 64, 64), torch.tensor([0, 3])
    out = model.train()(x)
    assert isinstance(out, GoogLeNetOutputs) and all(t.shape == (2, 4) for t in out)
    loss = googlenet_loss(out, y)
    expected = F.cross_entropy(out.logits, y) + 0.3 * (
        F.cross_entropy(out.aux_logits1, y) + F.cross_entropy(out.aux_logits2, y)
    )
    torch.testing.assert_close(loss, expected)
    loss.backward()
    assert model.aux1.fc2.weight.grad is not None and model.aux2.conv.conv.weight.grad is not None
    with torch.no_grad():
        assert isinstance(model.eval()(x), torch.Tensor)
    model.reset_classifier(7)
    assert model.aux1.fc2.out_features == 7 and model.aux2.fc2.out_features == 7
    assert isinstance(create_model("googlenet").train()(x), torch.Tensor)  # default: no aux heads


def test_inception_modules_concatenate_branches():
    x = torch.randn(1, 256, 28, 28)
    naive = InceptionNaive(256, 128, 192, 96)
    out = naive(x)
    assert out.shape == (1, 672, 28, 28)
    torch.testing.assert_close(out[:, 672 - 256 :], F.max_pool2d(x, 3, 1, 1))  # the pool branch keeps depth
    assert Inception(256, 128, 64, 192, 64, 96, 64)(x).shape == (1, 480, 28, 28)


# -- stochastic depth, drop-path, FractalNet ---------------------------------------------------------------
def test_linear_survival_probabilities():
    probs = linear_survival_probs(54, 0.5)
    assert probs[0] == pytest.approx(1 - 0.5 / 54) and probs[-1] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(probs, probs[1:], strict=False))
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        linear_survival_probs(3, 0.0)


def test_stochastic_depth_drops_in_training_and_scales_at_test():
    torch.manual_seed(0)
    sd = StochasticDepth(0.7)
    r = torch.randn(4, 3, 5, 5)
    kept = [bool(torch.equal(sd.train()(r), r)) for _ in range(2000)]
    dropped = 2000 - sum(kept)
    assert abs(sum(kept) / 2000 - 0.7) < 0.04 and dropped > 0
    torch.testing.assert_close(sd.eval()(r), 0.7 * r)


def test_stochastic_depth_block_matches_the_paper_formula():
    torch.manual_seed(0)
    block = CifarBasicBlock(8, 8, survival_prob=0.6).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        branch = block.bn2(block.conv2(block.act1(block.bn1(block.conv1(x)))))
        torch.testing.assert_close(block(x), F.relu(0.6 * branch + x))  # test: ReLU(p f(x) + x)
        block.train()
        outs = {round(float(block(x).sum()), 3) for _ in range(60)}
    assert round(float(F.relu(x).sum()), 3) in outs and len(outs) == 2  # dropped: ReLU(x); kept: ReLU(f + x)


def test_resnet_sd_is_random_in_training_only():
    model = create_model("resnet56_sd")
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        model.eval()
        torch.testing.assert_close(model(x), model(x))
        model.train()
        torch.manual_seed(1)
        a = model(x)
        torch.manual_seed(2)
        b = model(x)
    assert not torch.allclose(a, b)


def test_drop_path_is_per_sample_and_unbiased():
    torch.manual_seed(0)
    x = torch.ones(20000, 2)
    y = drop_path(x, 0.25, training=True)
    rows = y[:, 0]
    assert torch.isin(rows, torch.tensor([0.0, 1 / 0.75])).all() and torch.equal(y[:, 0], y[:, 1])
    assert abs(float(rows.mean()) - 1.0) < 0.03
    assert torch.equal(DropPath(0.25).eval()(x), x)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        DropPath(1.0)


def test_fractal_join_and_columns():
    a, b = torch.ones(1, 2, 3, 3), 3 * torch.ones(1, 2, 3, 3)
    torch.testing.assert_close(join([a, b]), 2 * torch.ones(1, 2, 3, 3))
    torch.manual_seed(0)
    for _ in range(50):  # every input dropped with probability 0.9: still one survives
        out = join([a, b], 0.9, training=True)
        assert torch.equal(out, a) or torch.equal(out, b) or torch.equal(out, (a + b) / 2)
    block = FractalBlock(3, 4, 4).eval()
    x = torch.randn(1, 4, 8, 8)
    with torch.no_grad():
        c0, c1, c2 = (block.column(x, j) for j in range(3))
        torch.testing.assert_close(c0, block.conv(x))
        torch.testing.assert_close(
            c2,
            block.deep2.deep2.conv(block.deep2.deep1.conv(block.deep1.deep2.conv(block.deep1.deep1.conv(x)))),
        )  # the deepest column: 2^2 = 4 conv units
        torch.testing.assert_close(block(x, col=1), c1)
        outs = block.column_outputs(x, 0.0)
        assert len(outs) == 3
        torch.testing.assert_close(block(x), torch.stack(outs).mean(0))


def test_fractalnet_drop_path_only_in_training():
    model = create_model("fractalnet_small", global_fraction=1.0)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        model.eval()
        torch.testing.assert_close(model(x), model(x))
        model.train()
        torch.manual_seed(0)
        cols = [model.sample_path() for _ in range(200)]
    assert set(cols) == {0, 1, 2}  # global drop-path: one column for the whole net per mini-batch
    model.global_fraction = 0.0
    assert model.sample_path() is None
    with pytest.raises(ValueError, match="local_drop"):
        create_model("fractalnet_small", local_drop=1.0)


def test_squeeze_excite_gates_channels():
    torch.manual_seed(0)
    se = SqueezeExcite(16, reduction=4)
    x = torch.randn(2, 16, 5, 5)
    s = torch.sigmoid(se.fc2(F.relu(se.fc1(x.mean((2, 3), keepdim=True)))))
    torch.testing.assert_close(se(x), x * s)
    assert se.fc1.out_channels == 4


@pytest.mark.parametrize("name", ["resnet20", "preact_resnet20", "tiny_cnn"])
def test_swappable_norm_and_activation_layers(name):
    model = create_model(name, act_layer=torch.nn.SiLU, norm_layer=lambda c: torch.nn.GroupNorm(4, c))
    kinds = {type(m) for m in model.modules()}
    assert torch.nn.SiLU in kinds and torch.nn.GroupNorm in kinds
    assert torch.nn.ReLU not in kinds and torch.nn.BatchNorm2d not in kinds
    assert model(torch.randn(2, *model.input_size)).shape == (2, 10)
