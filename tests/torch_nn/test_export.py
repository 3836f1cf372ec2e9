"""ONNX export: the exported graph computes what torch computes; the CLI writes and checks it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from visrec.torch_nn.export import check_onnx, export_onnx  # noqa: E402
from visrec.torch_nn.registry import create_model  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.mark.parametrize("name", ["tiny_cnn", "fast_cifar"])
def test_onnx_matches_torch_on_random_input(tmp_path, name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=10).eval()
    path = export_onnx(model, tmp_path / "m.onnx", (3, 32, 32), {"visrec.mean": "[0.5]"})
    x = torch.randn(7, 3, 32, 32)  # a batch size other than the export's 2: the batch axis is dynamic
    assert check_onnx(model, path, x) < 1e-4
    proto = onnx.load(str(path))
    assert {p.key: p.value for p in proto.metadata_props}["visrec.mean"] == "[0.5]"
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"


def test_export_cli_on_a_trained_run(tmp_path):
    from visrec.cli.main import main
    from visrec.torch_nn.trainer import train

    run = train(
        {"model": "tiny_cnn", "data": "digits", "epochs": 1, "out": str(tmp_path / "r"), "progress": False}
    )
    out = tmp_path / "r.onnx"
    with pytest.raises(SystemExit) as exc:
        main(["export", str(run), "--onnx", str(out)])
    assert exc.value.code == 0
    import onnxruntime as ort

    meta = json.loads((run / "model.json").read_text())
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((3, 1, 8, 8)).astype(np.float32)
    assert session.run(None, {"input": x})[0].shape == (3, len(meta["class_names"]))
