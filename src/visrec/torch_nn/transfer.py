"""Transfer learning (Lecture 7's recipe): start from trained weights, then train the head, the last
stages, or everything.

- ``init_from(model, source)``: copy every tensor whose name and shape match from a run directory
  (its model.safetensors), a .safetensors file, or a .pth/.pt state dict (read by
  :func:`visrec.torch_nn.weights.load_weights`'s loader, never unpickled blindly). A classifier with a
  different number of classes keeps its fresh head.
- ``apply_finetune(model, mode)``: "head" freezes all but ``get_classifier()``; "last" also trains the last
  stage of the body; "all" trains every parameter. Frozen BatchNorm layers of a frozen body still update
  their running statistics in train mode; small datasets usually want that off, which "head" does by
  keeping frozen norm layers in eval mode (see :func:`freeze_norm_stats`).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = ["init_from", "apply_finetune", "read_state_dict", "last_stage"]


def read_state_dict(source: str | Path) -> dict[str, torch.Tensor]:
    """Tensors of a run directory, a .safetensors file, or (via visrec.torch_nn.weights) a .pth file."""
    from visrec.torch_nn.checkpoint import load_tensors

    p = Path(source)
    if p.is_dir():
        p = p / "model.safetensors"
    if not p.exists():
        raise FileNotFoundError(
            f"--init-from expects a run directory or a weights file; {source} does not exist."
        )
    if p.suffix == ".safetensors":
        tensors = load_tensors(p)
        if any(k.startswith("model/") for k in tensors):  # a checkpoint rather than a saved model
            tensors = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
        return tensors
    try:
        from visrec.torch_nn.weights import read_weights
    except ImportError:
        raise ValueError(
            f"Cannot read {p}: only .safetensors files and run directories are supported here."
        ) from None
    return read_weights(p)


def init_from(model: nn.Module, source: str | Path) -> dict[str, list[str]]:
    """Copy matching tensors of ``source`` into ``model``; return ``{"loaded", "skipped", "missing"}``."""
    state = read_state_dict(source)
    own = model.state_dict()
    loaded = [k for k, v in state.items() if k in own and own[k].shape == v.shape]
    skipped = [k for k in state if k not in loaded]
    if not loaded:
        raise ValueError(
            f"--init-from {source}: none of its {len(state)} tensors matches the model's names and shapes; "
            "it was trained with another architecture. Pass --model with the architecture of that run."
        )
    with torch.no_grad():
        for k in loaded:
            own[k].copy_(state[k])
    return {"loaded": loaded, "skipped": skipped, "missing": [k for k in own if k not in loaded]}


def last_stage(model: nn.Module) -> nn.Module | None:
    """The last stage of the body: the last direct child with parameters (not the classifier); when that
    child is a container of blocks (Sequential / ModuleList of non-leaf modules), its last block; when it
    is a container of single layers, the layers from its last conv / linear layer on."""
    head = model.get_classifier() if hasattr(model, "get_classifier") else None

    def has_params(m: nn.Module) -> bool:
        return any(True for _ in m.parameters())

    children = [m for m in model.children() if m is not head and has_params(m)]
    if not children:
        return None
    stage = children[-1]
    if isinstance(stage, (nn.Sequential, nn.ModuleList)):
        inner = [m for m in stage.children() if has_params(m)]
        if inner and all(any(True for _ in m.children()) for m in inner):
            stage = inner[-1]  # a container of blocks: its last block
        else:  # a container of single layers: from its last conv / linear layer to the end
            layers = list(stage.children())
            starts = [i for i, m in enumerate(layers) if isinstance(m, (nn.Conv2d, nn.Linear))]
            if starts:
                stage = nn.ModuleList(layers[starts[-1] :])
    return stage


def apply_finetune(model: nn.Module, mode: str) -> list[str]:
    """Freeze parameters for ``mode`` in {"all", "last", "head"}; return the names left trainable."""
    if mode == "all":
        return [n for n, p in model.named_parameters() if p.requires_grad]
    if not hasattr(model, "get_classifier"):
        raise ValueError(
            f"--finetune {mode} needs a registered classifier with get_classifier(); "
            f"{type(model).__name__} has none. Use --finetune all."
        )
    trainable = {id(p) for p in model.get_classifier().parameters()}
    if mode == "last":
        stage = last_stage(model)
        if stage is not None:
            trainable |= {id(p) for p in stage.parameters()}
    for p in model.parameters():
        p.requires_grad_(id(p) in trainable)
    return [n for n, p in model.named_parameters() if p.requires_grad]
