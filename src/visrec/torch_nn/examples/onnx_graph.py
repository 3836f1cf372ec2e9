"""E20 (seed L12370-12439): export the two-layer net to ONNX; the graph is Gemm -> Relu -> Gemm with shapes
(64, 1000) -> (64, 100) -> (64, 10), as printed on the slide."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

__all__ = ["export_two_layer_onnx"]


def export_two_layer_onnx(path: str | Path, n=64, d_in=1000, h=100, d_out=10, seed=0):
    """Write the slide's nn.Sequential as ONNX (fixed shapes, like the slide); return (model, onnx proto)."""
    import onnx

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(d_in, h), torch.nn.ReLU(), torch.nn.Linear(h, d_out))
    dummy_input = torch.randn(n, d_in)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (dummy_input,), str(path), input_names=["x"], output_names=["y"], dynamo=False
        )
    proto = onnx.shape_inference.infer_shapes(onnx.load(str(path)))
    return model, proto
