"""Export a trained model to ONNX and check the exported graph against torch.

Lecture 8 (L12370-12439): a static graph can be serialized and run without the Python code that built it.
The exported graph takes the *normalized* float batch (N, C, H, W) with a dynamic batch axis N; the
normalization statistics and class names travel in the ONNX metadata (``visrec.mean``, ``visrec.std``,
``visrec.class_names``) so a consumer can preprocess raw images the same way.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

__all__ = ["export_onnx", "check_onnx", "export_run"]


def export_onnx(
    model: nn.Module,
    path: str | Path,
    input_shape: tuple[int, int, int],
    metadata: dict[str, str] | None = None,
    opset: int = 17,
) -> Path:
    """Write ``model`` as ONNX with input "input" (N, C, H, W) and output "logits" (N, K), N dynamic."""
    import onnx

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    dummy = torch.zeros(2, *input_shape)
    with warnings.catch_warnings():  # shape checks in forward() are constants of the traced graph
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter, chosen on purpose
        warnings.filterwarnings("ignore", message=".*[Cc]onstant folding.*")  # folding skips some ops: harmless
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
            opset_version=opset,
            dynamo=False,
        )
    if metadata:
        proto = onnx.load(str(path))
        for key, value in metadata.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(proto, str(path))
    return path


def check_onnx(model: nn.Module, path: str | Path, x: torch.Tensor) -> float:
    """Max |torch - onnxruntime| over the logits of ``x`` (N, C, H, W)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    with torch.no_grad():
        expected = model.eval()(x).numpy()
    got = session.run(None, {"input": x.numpy().astype(np.float32)})[0]
    return float(np.max(np.abs(expected - got)))


def export_run(run_dir: str | Path, onnx_path: str | Path, check: bool = True, seed: int = 0) -> dict:
    """Export a torch run directory's model; return ``{"path", "max_abs_diff", "input_shape"}``."""
    from visrec.torch_nn.predictor import load_predictor

    predictor = load_predictor(run_dir)
    meta = predictor.meta
    h, w, c = meta["input_shape"]
    if meta.get("resize_to"):
        h, w = meta["resize_to"]
    shape = (c, h, w)
    metadata = {
        "visrec.mean": json.dumps(meta["mean"]),
        "visrec.std": json.dumps(meta["std"]),
        "visrec.class_names": json.dumps(meta["class_names"]),
        "visrec.model": meta["model"],
    }
    path = export_onnx(predictor.model, onnx_path, shape, metadata)
    diff = None
    if check:
        x = torch.randn(5, *shape, generator=torch.Generator().manual_seed(seed))
        diff = check_onnx(predictor.model, path, x)
    return {"path": str(path), "max_abs_diff": diff, "input_shape": list(shape)}
