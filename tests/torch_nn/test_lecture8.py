"""Lecture 8's examples: NumPy graph vs autograd, MyReLU gradcheck, modules, DataLoader, ONNX graph."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from visrec.torch_nn.examples import (
    MyReLU,
    ParallelBlock,
    RandomRegression,
    TwoLayerNet,
    export_two_layer_onnx,
    graph_autograd,
    graph_numpy,
    my_relu,
    train_autograd,
    train_dataloader,
    train_module,
    train_parallel_blocks,
    train_raw_tensors,
)

SMALL = {"n": 16, "d_in": 50, "h": 20, "d_out": 5}


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_numpy_graph_gradients_equal_autograd():
    rng = np.random.default_rng(0)
    x, y, z = (rng.standard_normal((3, 4)) for _ in range(3))
    c_np, g_np = graph_numpy(x, y, z)
    c_t, g_t = graph_autograd(x, y, z, device="cpu")
    assert np.isclose(c_np, c_t)
    for k in "xyz":
        np.testing.assert_allclose(g_np[k], g_t[k], rtol=1e-12)
    np.testing.assert_allclose(g_np["x"], y)  # d/dx sum(x*y+z) = y


def test_my_relu_passes_gradcheck_in_float64():
    x = torch.randn(6, 5, dtype=torch.float64)
    x = x + 0.1 * torch.sign(x)  # keep away from the kink at 0
    x.requires_grad_(True)
    assert torch.autograd.gradcheck(MyReLU.apply, (x,), eps=1e-6, atol=1e-8)
    assert torch.equal(my_relu(x), torch.relu(x))


def test_hand_written_autograd_and_custom_function_take_the_same_steps():
    kw = {**SMALL, "steps": 30, "lr": 1e-4, "dtype": torch.float64}
    raw = train_raw_tensors(**kw)
    auto = train_autograd(**kw)
    custom = train_autograd(**kw, relu=my_relu)
    np.testing.assert_allclose(raw, auto, rtol=1e-10)
    np.testing.assert_allclose(auto, custom, rtol=1e-12)
    assert raw[-1] < raw[0]


@pytest.mark.parametrize("kind", ["sequential", "adam", "module"])
def test_module_versions_learn(kind):
    losses = train_module(steps=60, lr=1e-2 if kind == "adam" else 5e-2, kind=kind, **SMALL)
    assert losses[-1] < 0.7 * losses[0]


def test_parallel_block_inside_sequential():
    losses, model = train_parallel_blocks(steps=60, lr=1e-2, **SMALL)
    assert isinstance(model[0], ParallelBlock) and isinstance(model, torch.nn.Sequential)
    assert len(list(model.parameters())) == 10  # 2 blocks x 2 Linear x (w, b) + the last Linear (w, b)
    assert losses[-1] < 0.7 * losses[0]
    block = ParallelBlock(4, 3)
    x = torch.randn(2, 4)
    expected = (block.linear1(x) * block.linear2(x)).clamp(min=0)
    assert torch.equal(block(x), expected)


def test_dataloader_over_a_custom_dataset():
    ds = RandomRegression(n=20, d_in=7, d_out=3)
    assert len(ds) == 20 and ds[3][0].shape == (7,) and ds[3][1].shape == (3,)
    losses = train_dataloader(epochs=15, n=20, d_in=7, h=10, d_out=3, batch_size=8)
    assert losses[-1] < losses[0]
    assert isinstance(TwoLayerNet(7, 10, 3)(ds.x).shape, torch.Size)


def test_onnx_graph_is_gemm_relu_gemm_with_the_slide_shapes(tmp_path):
    pytest.importorskip("onnx")
    _, proto = export_two_layer_onnx(tmp_path / "model.onnx")
    assert [node.op_type for node in proto.graph.node] == ["Gemm", "Relu", "Gemm"]

    def dims(value):
        return [d.dim_value for d in value.type.tensor_type.shape.dim]

    shapes = {v.name: dims(v) for v in [*proto.graph.input, *proto.graph.value_info, *proto.graph.output]}
    gemm1, relu, gemm2 = proto.graph.node
    assert shapes[gemm1.input[0]] == [64, 1000]
    assert shapes[relu.output[0]] == [64, 100]
    assert shapes[gemm2.output[0]] == [64, 10]
