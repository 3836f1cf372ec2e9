"""Per-layer summary of any torch model: output volumes, activation memory, parameters, multiply-adds,
receptive field (Lecture 9's tables, regenerated).

>>> import torch
>>> from visrec.torch_nn import create_model
>>> with torch.device("meta"):  # shapes only: no memory, no compute
...     vgg16 = create_model("vgg16", num_classes=1000)
>>> s = summarize(vgg16, (3, 224, 224))
>>> s.total_params, s.total_params_no_bias, s.total_activations
(138357544, 138344128, 15237608)

Conventions (the slides'):

- one row per *leaf* module call, in execution order, plus an ``input`` row;
- ``activations``: values in the row's output, per image. Totals count every row except the size-preserving,
  parameter-free ones that a framework does in place or as a view (ReLU and other nonlinearities, dropout,
  identity, flatten, an adaptive pool that leaves the size unchanged): they are folded into the layer before,
  as the VGG table does. Memory = activations x 4 bytes (float32) x batch, forward pass only (~2x with
  the gradients kept for backward). VGG-16: 15,237,608 values ~ 61 MB per image (⚠ the slide's "24M / 96MB"
  does not match its own rows);
- ``params`` per row, with and without biases (``bias`` tensors, including BN's beta);
- ``macs``: multiply-adds of convolutions (K*K*Cin/groups*Cout*H'*W') and linear layers (in*out); bias adds,
  BN, pooling and nonlinearities are not counted (the slides' "ops" for the Inception module);
- ``rf`` / ``jump``: receptive field and jump (cumulative stride) in input pixels, propagated from tensor to
  tensor. Where a tensor comes out of an operation that is not a module (add, concat, flatten) the largest
  receptive field seen so far is used and ``rf_exact`` is False (the longest path of a branched net); a
  linear layer sees the whole image ("all").
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from visrec.torch_nn.blocks.head import ClassifierHead
from visrec.utils.errors import ParameterError

__all__ = ["LayerRow", "ModelSummary", "summarize", "FOLDED_TYPES"]

FOLDED_TYPES = (
    nn.ReLU,
    nn.ReLU6,
    nn.LeakyReLU,
    nn.ELU,
    nn.GELU,
    nn.SiLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Hardswish,
    nn.Softmax,
    nn.LogSoftmax,
    nn.Dropout,
    nn.Dropout2d,
    nn.Identity,
    nn.Flatten,
)
SPATIAL_TYPES = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)


@dataclass
class LayerRow:
    """One leaf-module call. ``output_shape`` is per image: (C, H, W) or (D,)."""

    name: str
    type: str
    output_shape: tuple
    activations: int
    params: int = 0
    params_no_bias: int = 0
    macs: int = 0
    rf: int | None = 1
    jump: int = 1
    counted: bool = True


@dataclass
class ModelSummary:
    """All rows plus totals; ``to_json`` / ``to_csv`` / ``table_rows`` for output."""

    model_name: str
    input_size: tuple
    batch: int
    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    total_params_no_bias: int = 0
    trainable_params: int = 0
    total_activations: int = 0
    total_macs: int = 0
    output_shape: tuple = ()
    rf_exact: bool = True

    @property
    def activation_bytes(self) -> int:
        """Forward activation memory in bytes for the whole batch (float32)."""
        return 4 * self.total_activations * self.batch

    @property
    def param_bytes(self) -> int:
        return 4 * self.total_params

    def totals(self) -> dict:
        return {
            "model": self.model_name,
            "input_size": list(self.input_size),
            "batch": self.batch,
            "output_shape": list(self.output_shape),
            "params": self.total_params,
            "params_no_bias": self.total_params_no_bias,
            "trainable_params": self.trainable_params,
            "activations_per_image": self.total_activations,
            "activation_bytes": self.activation_bytes,
            "param_bytes": self.param_bytes,
            "macs_per_image": self.total_macs,
            "rf_exact": self.rf_exact,
        }

    def to_json(self) -> str:
        rows = [dict(asdict(r), output_shape=list(r.output_shape)) for r in self.rows]
        return json.dumps({"totals": self.totals(), "rows": rows}, indent=2)

    def to_csv(self) -> str:
        buf = io.StringIO()
        cols = list(LayerRow.__dataclass_fields__)
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols + ["memory_bytes"])
        for r in self.rows:
            values = [getattr(r, c) for c in cols]
            values[2] = "x".join(str(d) for d in r.output_shape)
            writer.writerow(values + [4 * r.activations * self.batch])
        return buf.getvalue()


def _geometry(module: nn.Module, in_hw: tuple | None, out_hw: tuple | None) -> tuple[int, int] | None:
    """(kernel, stride) along H of a spatial module (dilation folded into the kernel), None otherwise."""
    if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
        k, s = module.kernel_size, module.stride
        d = getattr(module, "dilation", 1)
        k, s, d = (v[0] if isinstance(v, tuple) else v for v in (k, s, d))
        return d * (k - 1) + 1, s
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)) and in_hw and out_hw:
        h, o = in_hw[0], out_hw[0]
        stride = max(h // o, 1)
        return h - (o - 1) * stride, stride
    return None


def summarize(model: nn.Module, input_size: tuple | None = None, batch: int = 1) -> ModelSummary:
    """Run one forward pass with hooks on every leaf module and collect a :class:`ModelSummary`.

    Parameters
    ----------
    model : nn.Module
        Any module; it runs on the device of its parameters (a model built under ``torch.device("meta")``
        costs no compute) in eval mode, which is restored afterwards.
    input_size : tuple (C, H, W), optional
        Defaults to ``model.input_size``.
    batch : int
        Batch size N used for the memory column.
    """
    input_size = tuple(input_size or getattr(model, "input_size", ()) or ())
    if len(input_size) != 3 or any(int(v) < 1 for v in input_size):
        raise ParameterError(
            f"input_size must be (C, H, W) with positive sizes, e.g. (3, 224, 224); got {input_size}."
        )
    if batch < 1:
        raise ParameterError(f"batch must be >= 1; got {batch}.")
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    x = torch.zeros(batch, *input_size, device=device)
    name = getattr(model, "model_name", type(model).__name__)
    summary = ModelSummary(name, input_size, batch)
    summary.rows.append(LayerRow("input", "Input", input_size, _numel(input_size)))
    rf_of = {id(x): (1, 1)}  # tensor id -> (receptive field, jump); ``keep`` pins the ids while hooks run
    keep, seen = [x], set()
    best = [(1, 1)]  # largest (rf, jump) seen so far, used after a merge that is not a module

    def hook(module, inputs, output):
        inp = inputs[0] if inputs and isinstance(inputs[0], torch.Tensor) else None
        if not isinstance(output, torch.Tensor):
            return
        shape = tuple(output.shape[1:])
        row = LayerRow(names[module], type(module).__name__, shape, output[0].numel())
        if module not in seen:  # parameters count once, even for modules called twice
            seen.add(module)
            for pname, p in module.named_parameters(recurse=False):
                row.params += p.numel()
                row.params_no_bias += 0 if pname == "bias" else p.numel()
        row.macs = _macs(module, output)
        known = inp is not None and id(inp) in rf_of
        rf, jump = rf_of[id(inp)] if known else best[0]
        if not known and inp is not None and inp.dim() == 4:
            summary.rf_exact = False  # a merge (add / concat) or a functional op came before this layer
        in_hw = tuple(inp.shape[2:]) if inp is not None and inp.dim() == 4 else None
        out_hw = shape[1:] if len(shape) == 3 else None
        geo = _geometry(module, in_hw, out_hw)
        if isinstance(module, nn.Linear):
            rf = None  # every output of a linear layer sees the whole image
        elif geo is not None and rf is not None:
            rf, jump = rf + (geo[0] - 1) * jump, jump * geo[1]
        row.rf = rf
        row.jump = jump
        same_size = inp is not None and inp.numel() == output.numel() and row.params == 0
        row.counted = not (
            isinstance(module, FOLDED_TYPES) or (same_size and isinstance(module, SPATIAL_TYPES[3:]))
        )
        rf_of[id(output)] = (rf, jump)
        keep.append(output)
        if rf is not None and rf > best[0][0]:
            best[0] = (rf, jump)
        summary.rows.append(row)

    names = {m: n for n, m in model.named_modules()}
    # a ClassifierHead whose last layer is registered elsewhere has no children but is no layer: its pool,
    # dropout and last layer get their own rows
    leaves = [m for m in model.modules() if not list(m.children()) and not isinstance(m, ClassifierHead)]
    handles = [m.register_forward_hook(hook) for m in leaves]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    _add_owner_params(model, summary)
    out = out[0] if isinstance(out, (tuple, list)) else out
    summary.output_shape = tuple(out.shape[1:])
    params = list(model.parameters())
    summary.total_params = sum(p.numel() for p in params)
    summary.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    summary.total_params_no_bias = sum(
        p.numel() for n, p in model.named_parameters() if n.split(".")[-1] != "bias"
    )
    summary.total_activations = sum(r.activations for r in summary.rows if r.counted)
    summary.total_macs = sum(r.macs for r in summary.rows)
    return summary


def _numel(shape: tuple) -> int:
    n = 1
    for v in shape:
        n *= int(v)
    return n


def _macs(module: nn.Module, output: torch.Tensor) -> int:
    """Multiply-adds per image of a conv or linear layer (bias adds not counted); 0 for other layers."""
    per_image = output[0].numel()
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return per_image * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, nn.Linear):
        return per_image * module.in_features
    return 0


def _add_owner_params(model: nn.Module, summary: ModelSummary) -> None:
    """Parameters held directly by non-leaf modules (e.g. a learned scale) get their own row."""
    for name, m in model.named_modules():
        if list(m.children()):
            own = list(m.named_parameters(recurse=False))
            if own:
                n = sum(p.numel() for _, p in own)
                nb = sum(p.numel() for pn, p in own if pn != "bias")
                summary.rows.append(
                    LayerRow(name or "(model)", type(m).__name__, (), 0, n, nb, counted=False)
                )
