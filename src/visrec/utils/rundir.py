"""Run directories: every command that trains or evaluates writes one.

Layout (see ARCHITECTURE.md)::

    <run>/config.json        resolved configuration, seed, library versions, data fingerprint
    <run>/metrics.json       final numbers (val / test accuracy, timings)
    <run>/history.jsonl      one record per epoch or logging step
    <run>/model.safetensors  weights / learned arrays (never pickle)
    <run>/model.json         what is needed to rebuild the model and preprocess its input ("kind" says which)
    <run>/checkpoints/       last and best, written atomically
    <run>/plots/*.png
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import numpy as np

from visrec.utils.atomic import atomic_write_json, atomic_write_with
from visrec.utils.errors import DataError


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape results (only those already importable)."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ("visrec", "numpy", "scipy", "scikit-learn", "torch", "safetensors"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


class RunDir:
    """A run directory on disk. ``RunDir.create(out)`` makes it; methods write its parts atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @classmethod
    def create(cls, out: str | Path | None, command: str) -> RunDir:
        """Make ``out`` (or ``runs/<command>-<timestamp>`` when ``out`` is None) and its ``plots/``."""
        if out is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            out = Path("runs") / f"{command}-{stamp}"
        run = cls(out)
        (run.path / "plots").mkdir(parents=True, exist_ok=True)
        return run

    @property
    def plots(self) -> Path:
        return self.path / "plots"

    @property
    def checkpoints(self) -> Path:
        p = self.path / "checkpoints"
        p.mkdir(parents=True, exist_ok=True)
        return p

    def write_config(self, config: dict) -> None:
        atomic_write_json(self.path / "config.json", {**config, "versions": library_versions()})

    def write_metrics(self, metrics: dict) -> None:
        atomic_write_json(self.path / "metrics.json", metrics)

    def append_history(self, record: dict) -> None:
        with open(self.path / "history.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=float) + "\n")

    def save_model(self, tensors: dict[str, np.ndarray], meta: dict) -> None:
        """Write ``model.safetensors`` and ``model.json`` (``meta`` must hold a ``kind``)."""
        save_arrays(self.path / "model.safetensors", tensors)
        atomic_write_json(self.path / "model.json", meta)

    def load_model(self) -> tuple[dict[str, np.ndarray], dict]:
        return load_model(self.path)


def save_arrays(
    path: str | Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None
) -> None:
    """Save NumPy arrays as safetensors, atomically."""
    from safetensors.numpy import save_file

    arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    atomic_write_with(path, lambda tmp: save_file(arrays, str(tmp), metadata=metadata))


def load_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """Load a safetensors file into NumPy arrays, with a clear error if it is missing or corrupt."""
    from safetensors.numpy import load_file

    path = Path(path)
    if not path.is_file():
        raise DataError(f"Expected a safetensors file at {path}, but it does not exist.")
    try:
        return load_file(str(path))
    except Exception as exc:  # safetensors raises its own SafetensorError
        raise DataError(
            f"Could not read {path} as safetensors ({exc}). The file is corrupt; retrain."
        ) from exc


def load_model(run_dir: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """Return ``(tensors, meta)`` of a run directory's saved model."""
    run_dir = Path(run_dir)
    meta_path = run_dir / "model.json"
    if not meta_path.is_file():
        raise DataError(
            f"Expected a run directory with model.json and model.safetensors; {run_dir} has no model.json. "
            "Pass the --out folder of a training command (e.g. runs/knn-...)."
        )
    meta = json.loads(meta_path.read_text())
    return load_arrays(run_dir / "model.safetensors"), meta
