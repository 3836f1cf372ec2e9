"""Arrays on disk: safetensors for tensors, never pickle. NumPy arrays by default, torch tensors on request."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from visrec.utils.atomic import atomic_write_with
from visrec.utils.errors import DataError

__all__ = ["save_arrays", "load_arrays", "load_model", "read_json"]


def _is_torch(value) -> bool:
    return type(value).__module__.startswith("torch")


def save_arrays(path: str | Path, tensors: dict, metadata: dict[str, str] | None = None) -> None:
    """Save NumPy arrays or torch tensors (not mixed) as safetensors, atomically.

    Torch tensors are moved to the CPU, made contiguous and un-shared first (safetensors refuses shared
    storage); the module of ``safetensors`` that matches the values is imported only when needed.
    """
    if tensors and all(_is_torch(v) for v in tensors.values()):
        from safetensors.torch import save_file

        clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    else:
        from safetensors.numpy import save_file

        clean = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    atomic_write_with(path, lambda tmp: save_file(clean, str(tmp), metadata=metadata))


def load_arrays(path: str | Path, framework: str = "numpy") -> dict:
    """Load a safetensors file (``framework`` "numpy" or "pt"), with a clear error if missing or corrupt."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Expected a safetensors file at {path}, but it does not exist.")
    try:
        if framework == "pt":
            from safetensors.torch import load_file
        else:
            from safetensors.numpy import load_file
        return load_file(str(path))
    except Exception as exc:  # safetensors raises its own SafetensorError
        raise DataError(f"Could not read {path} as safetensors ({exc}): the file is corrupt.") from exc


def read_json(path: str | Path, what: str = "file") -> dict:
    """Read a JSON object, turning a truncated or corrupt file into a DataError that names it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Expected {what} at {path}, but it does not exist.")
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} ({what}) is corrupt or truncated: {exc}.") from None
    if not isinstance(value, dict):
        raise DataError(f"{path} ({what}) must hold a JSON object; got {type(value).__name__}.")
    return value


def load_model(run_dir: str | Path, framework: str = "numpy") -> tuple[dict, dict]:
    """Return ``(tensors, meta)`` of a run directory's saved model (``model.safetensors`` + ``model.json``)."""
    run_dir = Path(run_dir)
    if not (run_dir / "model.json").is_file():
        raise DataError(
            f"Expected a run directory with model.json and model.safetensors; {run_dir} has no model.json. "
            "Pass the --out folder of a training command (e.g. runs/knn-...)."
        )
    meta = read_json(run_dir / "model.json", "a model description")
    return load_arrays(run_dir / "model.safetensors", framework), meta
