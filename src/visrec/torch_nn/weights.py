"""Load state dicts from files into registered models: ``load_weights(model, "resnet18.pth")``.

Parameter names of the shared architectures follow torchvision, so a torchvision checkpoint loads as is.
Reading is safe: ``.pth`` / ``.pt`` / ``.bin`` go through ``torch.load(..., weights_only=True)`` (a file that
pickles arbitrary objects is refused), ``.safetensors`` through ``safetensors.torch.load_file``. Wrapped
checkpoints (``{"state_dict": ...}``, ``{"model": ...}``) and the ``module.`` prefix of DataParallel /
DistributedDataParallel (and ``_orig_mod.`` of ``torch.compile``) are unwrapped.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from visrec.utils.atomic import atomic_path

__all__ = ["load_weights", "save_weights", "read_state_dict", "LoadReport"]

WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "module", "net")
PREFIXES = ("module.", "_orig_mod.")
SHOW = 10  # keys listed per category in error messages


@dataclass
class LoadReport:
    """What :func:`load_weights` did: keys the model has but the file lacks, keys the file has but the model
    lacks, and keys present in both with different shapes ``(key, file_shape, model_shape)``."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple, tuple]] = field(default_factory=list)
    loaded: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.unexpected or self.mismatched)


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a flat ``{name: tensor}`` dict from .pth/.pt/.bin (weights_only) or .safetensors, unwrapped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No weights file at {path}.")
    suffix = path.suffix.lower()
    try:
        if suffix == ".safetensors":
            from safetensors.torch import load_file

            obj = load_file(str(path), device="cpu")
        elif suffix in (".pth", ".pt", ".bin", ".ckpt"):
            obj = torch.load(path, map_location="cpu", weights_only=True)
        else:
            raise ValueError(
                f"Unknown weights format {suffix!r} for {path}; "
                "expected .safetensors, .pth, .pt, .bin or .ckpt."
            )
    except ValueError:
        raise
    except Exception as exc:  # corrupt file, or a pickle that weights_only refuses
        reason = re.sub(r"\x1b\[[0-9;]*m", "", (str(exc).splitlines() or [""])[0])[:200]
        raise ValueError(
            f"Could not read weights from {path}: {type(exc).__name__}: {reason} "
            "Expected a state dict saved with torch.save(model.state_dict(), path) or safetensors; "
            "files that pickle arbitrary objects are refused (weights_only=True)."
        ) from None
    return _unwrap(obj, path)


def _unwrap(obj, path: Path) -> dict[str, torch.Tensor]:
    for _ in range(3):  # nested wrappers like {"model": {"state_dict": ...}}
        if isinstance(obj, dict) and not _is_flat(obj):
            inner = next((obj[k] for k in WRAPPER_KEYS if isinstance(obj.get(k), dict)), None)
            if inner is None:
                break
            obj = inner
    if not isinstance(obj, dict) or not _is_flat(obj):
        kind = type(obj).__name__
        keys = list(obj)[:SHOW] if isinstance(obj, dict) else []
        raise ValueError(
            f"{path} does not hold a state dict of tensors (found a {kind} with keys {keys}). Save with "
            "torch.save(model.state_dict(), path), or wrap it as {'state_dict': ...}."
        )
    out = {}
    for key, value in obj.items():
        for prefix in PREFIXES:
            while key.startswith(prefix):
                key = key[len(prefix) :]
        out[key] = value
    return out


def _is_flat(d: dict) -> bool:
    return len(d) > 0 and all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in d.items())


def _fmt(keys: list, n: int = SHOW) -> str:
    more = f" ... and {len(keys) - n} more" if len(keys) > n else ""
    return ", ".join(str(k) for k in keys[:n]) + more


def load_weights(model: nn.Module, path: str | os.PathLike, strict: bool = True) -> LoadReport:
    """Load the weights in ``path`` into ``model`` (in place) and return a :class:`LoadReport`.

    With ``strict=True`` any missing, unexpected or wrongly shaped key raises ``ValueError`` listing them
    (the first 10 of each) and what to do; nothing is loaded then. With ``strict=False`` every key present
    in both with the same shape is loaded and the rest is reported.
    """
    state = read_state_dict(path)
    if hasattr(model, "upgrade_state_dict"):  # keys of older releases (ClassifierBase.legacy_keys)
        state = model.upgrade_state_dict(state)
    own = model.state_dict()
    report = LoadReport()
    counter = "num_batches_tracked"  # BN bookkeeping, absent from old checkpoints: never an error by itself
    report.missing = [k for k in own if k not in state and not k.endswith(counter)]
    report.unexpected = [k for k in state if k not in own and not k.endswith(counter)]
    report.mismatched = [
        (k, tuple(state[k].shape), tuple(own[k].shape))
        for k in state
        if k in own and state[k].shape != own[k].shape
    ]
    if strict and not report.ok:
        raise ValueError(_mismatch_message(model, path, report))
    usable = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    model.load_state_dict(usable, strict=False)
    report.loaded = len(usable)
    return report


def _mismatch_message(model: nn.Module, path, report: LoadReport) -> str:
    name = getattr(model, "model_name", type(model).__name__)
    lines = [f"The weights in {path} do not match {name}:"]
    if report.missing:
        lines.append(f"  missing from the file ({len(report.missing)}): {_fmt(report.missing)}")
    if report.unexpected:
        lines.append(f"  unexpected in the file ({len(report.unexpected)}): {_fmt(report.unexpected)}")
    if report.mismatched:
        shown = [f"{k} (file {fs} vs model {ms})" for k, fs, ms in report.mismatched]
        lines.append(f"  shape mismatches ({len(shown)}): {_fmt(shown)}")
    head_only = (
        report.mismatched and not report.missing and not report.unexpected and len(report.mismatched) <= 4
    )
    if head_only:
        lines.append(
            "Only the classifier differs: the file was probably saved with another num_classes. "
            "Create the model with that num_classes, or load with strict=False and then call "
            "model.reset_classifier(K)."
        )
    else:
        lines.append(
            "Check that the file belongs to this architecture (torchvision names are supported); pass "
            "strict=False to load the matching keys only."
        )
    return "\n".join(lines)


def save_weights(model: nn.Module, path: str | os.PathLike) -> Path:
    """Write ``model.state_dict()`` to a .safetensors file atomically (our own files are never pickled)."""
    from safetensors.torch import save_file

    path = Path(path)
    if path.suffix.lower() != ".safetensors":
        raise ValueError(f"save_weights writes safetensors; give a path ending in .safetensors, got {path}.")
    tensors = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp))
    return path
