"""Every registered classifier: shapes at its natural input size, parameter counts (published figures),
forward + backward without NaN on a representative subset.

Big ImageNet models are built on the meta device (shapes without memory or compute), so the whole zoo is
checked in seconds; real CPU forward/backward runs on the small models and, marked slow, a few big ones.
"""

from __future__ import annotations

import pytest
import torch

from visrec.torch_nn import create_model, list_models

# Deep or very wide models: their shape check costs seconds (hundreds of layers, or 30M+ parameters at 32x32).
SLOW_SHAPE = {
    "resnet1202",
    "wrn28_10",
    "resnext29_8x64d",
    "fractalnet20",
    "resnet101",
    "resnet152",
    "resnext101_32x8d",
    "densenet169",
    "wide_resnet50_2",
    "se_resnet50",
    "preact_resnet164",
    "resnet110",
    "resnet110_sd",
    "preact_resnet110",
    "vgg13_bn",
    "vgg19_bn",
}
# Small enough for a real forward + backward at their natural size in the fast suite (batch 2, CPU).
CPU_FAST = [
    "lenet5",
    "tiny_cnn",
    "resnet20",
    "resnet56_sd",
    "se_resnet20",
    "preact_resnet20",
    "densenet_bc40",
    "nin",
    "fractalnet_small",
]
# ImageNet-sized models run for real at a reduced 64x64 input (same code paths, ~50x cheaper than 224).
CPU_REDUCED = ["resnet18", "squeezenet1_1", "googlenet"]
CPU_SLOW = [
    "alexnet_lecture",
    "zfnet",
    "resnet50",
    "densenet121",
    "preact_resnet18",
    "se_resnet18",
    "squeezenet1_0",
    "vgg11_bn",
    "wrn16_4",
    "resnext29_32x4d",
    "preact_resnet164",
    "alexnet",
]

# Published parameter counts at K=1000 (torchvision's model table; the lecture for the AlexNet/VGG figures;
# SE-ResNet-50 from Hu et al. / timm).
IMAGENET_COUNTS = {
    "alexnet": 61_100_840,
    "alexnet_lecture": 62_378_344,
    "vgg11": 132_863_336,
    "vgg13": 133_047_848,
    "vgg16": 138_357_544,
    "vgg19": 143_667_240,
    "vgg11_bn": 132_868_840,
    "vgg13_bn": 133_053_736,
    "vgg16_bn": 138_365_992,
    "vgg19_bn": 143_678_248,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "resnext50_32x4d": 25_028_904,
    "resnext101_32x8d": 88_791_336,
    "wide_resnet50_2": 68_883_240,
    "densenet121": 7_978_856,
    "densenet169": 14_149_480,
    "squeezenet1_0": 1_248_424,
    "squeezenet1_1": 1_235_496,
    "googlenet": 6_624_904,
    "se_resnet50": 28_088_024,
}
# Published CIFAR-10 sizes in millions, as rounded in the papers (He et al. 2016 Table 6; identity mappings;
# WRN Table; ResNeXt Table 7; DenseNet Table 2; LeNet-5 "60K").
CIFAR_MILLIONS = {
    "resnet20": 0.27,
    "resnet32": 0.46,
    "resnet44": 0.66,
    "resnet56": 0.85,
    "resnet110": 1.7,
    "resnet1202": 19.4,
    "preact_resnet110": 1.7,
    "preact_resnet164": 1.7,
    "wrn16_4": 2.7,
    "wrn16_8": 11.0,
    "wrn28_10": 36.5,
    "wrn40_4": 8.9,
    "resnext29_8x64d": 34.4,
    "densenet_bc100": 0.8,
    "lenet5": 0.06,
}


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _all(names=None, slow=frozenset(SLOW_SHAPE)):
    names = list_models() if names is None else names
    return [pytest.param(n, marks=pytest.mark.slow) if n in slow else n for n in names]


def _build(name: str, **kw):
    """CIFAR-sized models on the CPU (cheap, and faster than meta's per-op overhead); ImageNet-sized ones on
    the meta device (shapes only: no memory, no compute)."""
    with torch.device("meta"):
        model = create_model(name, **kw)
    if model.input_size[-1] <= 64:
        model = create_model(name, **kw)
    return model


def _meta(name: str, **kw):
    with torch.device("meta"):
        return create_model(name, **kw)


def _n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", _all())
def test_shapes_and_cfg_at_the_natural_size(name):
    model = _build(name, num_classes=7).eval()
    cfg = model.default_cfg
    c, h, w = cfg["input_size"]
    assert cfg["num_classes"] == 7 and model.num_classes == 7 and cfg["architecture"] == name
    assert cfg["family"] and isinstance(cfg["fixed_input_size"], bool) and cfg["num_features"] > 0
    x = torch.zeros(2, c, h, w, device=next(model.parameters()).device)
    with torch.no_grad():
        assert tuple(model(x).shape) == (2, 7)
        feats = model.forward_features(x)
        assert tuple(model.forward_head(feats, pre_logits=True).shape) == (2, cfg["num_features"])
    assert _n_params(model) > 0


@pytest.mark.parametrize("name", sorted(IMAGENET_COUNTS))
def test_published_imagenet_parameter_counts(name):
    assert _n_params(_meta(name, num_classes=1000)) == IMAGENET_COUNTS[name]


@pytest.mark.parametrize("name", _all(sorted(CIFAR_MILLIONS), slow={"resnet1202"}))
def test_published_cifar_parameter_counts(name):
    n = _n_params(_meta(name, num_classes=10)) / 1e6
    expected = CIFAR_MILLIONS[name]
    digits = len(str(expected).split(".")[1])  # the paper's rounding
    assert abs(n - expected) <= 0.5 * 10**-digits + 1e-9, (name, n)


def test_cifar_resnet_count_follows_from_its_layers():
    """resnet20 with option-A shortcuts: 19 3x3 convs + 19 BNs + fc, counted by hand."""
    convs = 3 * 3 * (3 * 16 + 6 * 16 * 16 + (16 * 32 + 5 * 32 * 32) + (32 * 64 + 5 * 64 * 64))
    bns = 2 * (7 * 16 + 6 * 32 + 6 * 64)
    fc = 64 * 10 + 10
    assert _n_params(create_model("resnet20")) == convs + bns + fc == 269_722
    # option B adds a 1x1 conv + BN projection at the two stage transitions
    extra = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)
    assert _n_params(create_model("resnet20", shortcut="B")) == 269_722 + extra


def test_alexnet_two_gpu_split_halves_conv2_4_5():
    grouped = _meta("alexnet_lecture", num_classes=1000, groups=2)
    assert tuple(grouped.features[4].weight.shape) == (256, 48, 5, 5)
    saved = (256 * 96 * 25 + 384 * 384 * 9 + 256 * 384 * 9) // 2
    assert _n_params(grouped) == 62_378_344 - saved == 60_965_224
    with pytest.raises(ValueError, match="groups must be 1"):
        create_model("alexnet_lecture", groups=4)


def _finite_forward_backward(model, x):
    model.train()
    out = model(x)
    out = out[0] if isinstance(out, tuple) else out
    assert out.shape == (x.shape[0], model.num_classes)
    assert torch.isfinite(out).all()
    out.float().pow(2).mean().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert any(g is not None for g in grads)
    assert all(torch.isfinite(g).all() for g in grads if g is not None)
    return grads


@pytest.mark.parametrize("name", CPU_FAST)
def test_forward_backward_at_natural_size(name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=10)
    grads = _finite_forward_backward(model, torch.randn(2, *model.input_size))
    if name not in ("resnet56_sd", "fractalnet_small"):  # stochastic nets may skip branches this batch
        assert all(g is not None for g in grads)


@pytest.mark.parametrize("name", CPU_REDUCED + [pytest.param(n, marks=pytest.mark.slow) for n in CPU_SLOW])
def test_forward_backward_big_models(name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=10)
    c, h, _ = model.input_size
    size = h if model.fixed_input_size else 64
    grads = _finite_forward_backward(model, torch.randn(2, c, size, size))
    assert all(g is not None for g in grads)
