"""summarize(): Lecture 9's tables regenerated (VGG-16 row by row, AlexNet volumes, the Inception module's
operation counts), cross-checked against torch's own FLOP counter and against sum(p.numel())."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from visrec.torch_nn import create_model
from visrec.torch_nn.summary import summarize


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def _meta(name, **kw):
    with torch.device("meta"):
        return create_model(name, **kw)


def _hwc(row) -> str:
    """The slides write volumes as HxWxC (and FC outputs as 1x1xD)."""
    shape = row.output_shape
    return f"{shape[1]}x{shape[2]}x{shape[0]}" if len(shape) == 3 else f"1x1x{shape[0]}"


# Seed L13039-13082: (layer, volume, memory as printed, weights without biases).
VGG16_SLIDE = [
    ("INPUT", "224x224x3", "150K", 0),
    ("CONV3-64", "224x224x64", "3.2M", 1_728),
    ("CONV3-64", "224x224x64", "3.2M", 36_864),
    ("POOL2", "112x112x64", "800K", 0),
    ("CONV3-128", "112x112x128", "1.6M", 73_728),
    ("CONV3-128", "112x112x128", "1.6M", 147_456),
    ("POOL2", "56x56x128", "400K", 0),
    ("CONV3-256", "56x56x256", "800K", 294_912),
    ("CONV3-256", "56x56x256", "800K", 589_824),
    ("CONV3-256", "56x56x256", "800K", 589_824),
    ("POOL2", "28x28x256", "200K", 0),
    ("CONV3-512", "28x28x512", "400K", 1_179_648),
    ("CONV3-512", "28x28x512", "400K", 2_359_296),
    ("CONV3-512", "28x28x512", "400K", 2_359_296),
    ("POOL2", "14x14x512", "100K", 0),
    ("CONV3-512", "14x14x512", "100K", 2_359_296),
    ("CONV3-512", "14x14x512", "100K", 2_359_296),
    ("CONV3-512", "14x14x512", "100K", 2_359_296),
    ("POOL2", "7x7x512", "25K", 0),
    ("FC", "1x1x4096", "4096", 102_760_448),
    ("FC", "1x1x4096", "4096", 16_777_216),
    ("FC", "1x1x1000", "1000", 4_096_000),
]


def _slide_number(text: str) -> float:
    scale = {"K": 1e3, "M": 1e6}.get(text[-1], 1)
    return float(text.rstrip("KM")) * scale


def test_vgg16_table_row_by_row():
    s = summarize(_meta("vgg16", num_classes=1000), (3, 224, 224))
    rows = [r for r in s.rows if r.counted]
    assert len(rows) == len(VGG16_SLIDE)
    for row, (layer, volume, memory, weights) in zip(rows, VGG16_SLIDE, strict=True):
        assert _hwc(row) == volume, layer
        assert row.params_no_bias == weights, layer
        exact = row.activations
        shown = exact if layer == "FC" else float(f"{exact:.2g}")  # the slide rounds to 2 significant digits
        assert shown == _slide_number(memory), (layer, exact, memory)
    assert s.total_params == 138_357_544 and s.total_params_no_bias == 138_344_128
    # ⚠ erratum: the slide says "TOTAL memory: 24M * 4 bytes ~= 96MB / image"; its own rows sum to:
    assert s.total_activations == sum(r.activations for r in rows) == 15_237_608
    assert s.activation_bytes == 60_950_432  # ~61 MB forward per image
    assert (
        summarize(_meta("vgg16", num_classes=1000), (3, 224, 224), batch=8).activation_bytes == 8 * 60_950_432
    )


def test_alexnet_volumes_and_conv1_weights():
    s = summarize(_meta("alexnet_lecture", num_classes=1000))
    assert s.input_size == (3, 227, 227)
    volumes = [_hwc(r) for r in s.rows if r.type in ("Conv2d", "MaxPool2d", "LocalResponseNorm")]
    assert volumes == [
        "55x55x96",
        "27x27x96",
        "27x27x96",
        "27x27x256",
        "13x13x256",
        "13x13x256",
        "13x13x384",
        "13x13x384",
        "13x13x256",
        "6x6x256",
    ]
    conv1 = s.rows[1]
    assert conv1.type == "Conv2d" and conv1.params_no_bias == 34_848 and conv1.params == 34_848 + 96
    fcs = [r.params for r in s.rows if r.type == "Linear"]
    assert [round(p / 1e6) for p in fcs] == [38, 17, 4]  # "FC6 38M, FC7 17M, FC8 4M"
    assert s.total_params == 62_378_344
    rf = {r.name: r.rf for r in s.rows}
    assert rf["features.0"] == 11 and rf["features.14"] == 195  # AlexNet's classic 195-pixel receptive field


def test_inception_naive_module_ops():
    s = summarize(create_model("inception_naive_module"), (256, 28, 28))
    assert s.output_shape == (672, 28, 28)
    convs = [r.macs for r in s.rows if r.type == "Conv2d"]
    assert convs == [28 * 28 * 128 * 1 * 1 * 256, 28 * 28 * 192 * 3 * 3 * 256, 28 * 28 * 96 * 5 * 5 * 256]
    assert s.total_macs == 854_196_224


def test_inception_reduced_module_ops_erratum():
    s = summarize(create_model("inception_reduced_module"), (256, 28, 28))
    assert s.output_shape == (480, 28, 28)
    terms = sorted(r.macs for r in s.rows if r.type == "Conv2d")
    slide = sorted(
        [
            28 * 28 * 64 * 256,
            28 * 28 * 64 * 256,
            28 * 28 * 128 * 256,
            28 * 28 * 192 * 9 * 64,
            28 * 28 * 96 * 25 * 64,
            28 * 28 * 64 * 256,
        ]
    )
    assert terms == slide
    assert s.total_macs == 271_351_808 != 358_000_000  # ⚠ the slide's "358M ops" total is an erratum


@pytest.mark.parametrize(
    "name, kw",
    [
        ("resnet20", {}),
        ("lenet5", {}),
        ("squeezenet1_1", {}),
        ("alexnet_lecture", {"groups": 2}),
        ("densenet_bc40", {}),
        ("nin", {}),
    ],
)
def test_macs_agree_with_torch_flop_counter(name, kw):
    model = create_model(name, **kw).eval()
    size = model.input_size if model.fixed_input_size else (3, 64, 64)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, *size))
    assert 2 * summarize(model, size).total_macs == counter.get_total_flops()


@pytest.mark.parametrize(
    "name",
    [
        "resnet18",
        "googlenet",
        "densenet121",
        "resnet20",
        "fractalnet_small",
        "se_resnet20",
        "preact_resnet20",
    ],
)
def test_totals_equal_parameter_count(name):
    model = (
        _meta(name, num_classes=1000)
        if name in ("resnet18", "googlenet", "densenet121")
        else create_model(name)
    )
    s = summarize(model)
    n = sum(p.numel() for p in model.parameters())
    assert s.total_params == n == sum(r.params for r in s.rows)
    assert s.total_params_no_bias == sum(r.params_no_bias for r in s.rows)
    assert s.output_shape == (model.num_classes,)


def test_receptive_field_of_stacked_3x3_convs():
    """Three 3x3 convs (stride 1) see 7x7, as one 7x7 conv would (the VGG slide)."""
    stack = nn.Sequential(*[nn.Conv2d(4, 4, 3, padding=1) for _ in range(3)])
    s = summarize(stack, (4, 16, 16))
    assert [r.rf for r in s.rows] == [1, 3, 5, 7] and s.rf_exact
    s = summarize(nn.Sequential(nn.Conv2d(1, 1, 3, stride=2), nn.Conv2d(1, 1, 3, dilation=2)), (1, 32, 32))
    assert [(r.rf, r.jump) for r in s.rows] == [(1, 1), (3, 2), (11, 2)]
    vgg = summarize(_meta("vgg16", num_classes=1000))
    assert {r.name: r.rf for r in vgg.rows}["features.30"] == 212 and vgg.rf_exact
    assert not summarize(create_model("resnet20")).rf_exact  # residual adds: the largest branch is used


class _Scaled(nn.Module):
    """A non-leaf module that owns a parameter directly."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 1)
        self.scale = nn.Parameter(torch.ones(3))

    def forward(self, x):
        return self.conv(x) * self.scale[:, None, None]


def test_parameters_owned_by_containers_are_counted_and_shared_modules_once():
    relu = nn.ReLU()
    model = nn.Sequential(_Scaled(), relu, relu)
    s = summarize(model, (2, 4, 4))
    assert s.total_params == 2 * 3 + 3 + 3 == sum(r.params for r in s.rows)
    assert [r.name for r in s.rows].count("1") == 2  # the shared ReLU shows both calls


def test_json_and_csv_outputs():
    s = summarize(create_model("lenet5"))
    data = json.loads(s.to_json())
    assert data["totals"]["params"] == 61_706 and data["totals"]["output_shape"] == [10]
    assert len(data["rows"]) == len(s.rows)
    rows = list(csv.DictReader(io.StringIO(s.to_csv())))
    assert rows[1]["type"] == "Conv2d" and rows[1]["output_shape"] == "6x28x28"
    assert int(rows[1]["memory_bytes"]) == 4 * 6 * 28 * 28


def test_bad_arguments():
    model = create_model("tiny_cnn")
    with pytest.raises(ValueError, match=r"input_size must be \(C, H, W\)"):
        summarize(model, (32, 32))
    with pytest.raises(ValueError, match="batch must be >= 1"):
        summarize(model, batch=0)
    assert model.training  # the summary restores the mode it found


def _summary_via_cli_path(name):
    from visrec.cli.summary import run_summary

    summary, k = run_summary(name)
    model = create_model(name, num_classes=k) if k is not None else create_model(name)
    return summary, model


@pytest.mark.parametrize(
    "name",
    [
        "lenet5",
        "tiny_cnn",
        "nin",
        "fractalnet_small",
        "wrn16_4",
        "vgg11_cifar",
        "densenet_bc40",
        "squeezenet1_1",
    ],
)
def test_summary_runs_on_the_zoo(name):
    summary, model = _summary_via_cli_path(name)
    assert (
        summary.total_params
        == sum(p.numel() for p in model.parameters())
        == sum(r.params for r in summary.rows)
    )
    assert summary.output_shape == (model.num_classes,) and summary.total_macs > 0


@pytest.mark.slow
def test_summary_runs_on_every_registered_model():
    from visrec.cli.summary import run_summary
    from visrec.torch_nn import list_models

    for name in list_models() + list_models(kind="block"):
        summary, k = run_summary(name)
        assert summary.total_params == sum(r.params for r in summary.rows) > 0, name
        if k is not None:
            assert summary.output_shape == (k,), name
