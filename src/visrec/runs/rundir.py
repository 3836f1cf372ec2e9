"""Run directories: every command that trains or evaluates writes one, in one layout and one schema.

::

    <run>/config.json        {"engine", "kind", "visrec_version", "created", "seed", "data_fingerprint",
                              "config": {resolved settings}, "versions": {...}, ...extra}
    <run>/metrics.json       final numbers (val / test accuracy, timings, status)
    <run>/history.jsonl      one record per epoch or logging step: {"step", "epoch", "elapsed_s", metrics...}
    <run>/model.safetensors  weights / learned arrays (never pickle)
    <run>/model.json         what is needed to rebuild the model and preprocess its input ("kind" says which)
    <run>/checkpoints/       last and best: <name>.safetensors + <name>.json, written atomically
    <run>/plots/*.png

A run directory is relocatable: nothing inside it records its own absolute path as the place to write,
so a copied or moved run resumes where it now is.
"""

from __future__ import annotations

import json
import platform
import shutil
import time
from pathlib import Path

from visrec.runs.arrays import load_arrays, load_model, read_json, save_arrays
from visrec.utils.atomic import atomic_write_json
from visrec.utils.errors import DataError, RunExistsError

__all__ = ["RunDir", "library_versions", "visrec_version", "HISTORY_KEYS"]

#: the shared names of history.jsonl fields (engines may add their own beside them)
HISTORY_KEYS = ("step", "epoch", "elapsed_s", "lr", "train_loss", "train_acc", "val_loss", "val_acc",
                "images_per_s")
#: what a run directory can hold; --overwrite removes exactly these
RUN_ENTRIES = ("config.json", "metrics.json", "history.jsonl", "model.safetensors", "model.json",
               "checkpoints", "plots", "tensorboard", "report.html")


def visrec_version() -> str:
    import importlib.metadata as md

    try:
        return md.version("visrec")
    except md.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape results (only those installed)."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for name in ("visrec", "numpy", "scipy", "scikit-learn", "torch", "safetensors"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


class RunDir:
    """A run directory on disk; its methods write the parts atomically."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, cfg, command: str) -> RunDir:
        """The run directory of ``cfg``: ``cfg.resume`` (continued in place), else a new ``cfg.out``.

        A new run refuses an ``--out`` that already holds a run unless ``cfg.overwrite``; the default
        folder is ``runs/<command>-<time>``.
        """
        if getattr(cfg, "resume", None):
            return cls.for_resume(cfg.resume)
        return cls.create(cfg.out, command, overwrite=getattr(cfg, "overwrite", False))

    @classmethod
    def for_resume(cls, resume: str | Path) -> RunDir:
        """The run directory named by ``--resume``: the folder itself, or the run holding a checkpoint file."""
        p = Path(resume)
        if p.is_file() or p.with_suffix(".json").is_file() and p.parent.name == "checkpoints":
            p = p.parent.parent if p.parent.name == "checkpoints" else p.parent
        if not p.is_dir():
            raise FileNotFoundError(f"--resume expects a run directory; {resume} does not exist.")
        if not (p / "checkpoints").is_dir():
            raise DataError(
                f"--resume {resume}: {p} has no checkpoints/ folder, so there is nothing to continue. "
                "Pass a run directory written by a training command."
            )
        return cls(p)

    @classmethod
    def create(cls, out: str | Path | None, command: str, overwrite: bool = False) -> RunDir:
        """Make ``out`` (or ``runs/<command>-<time>``) with its ``plots/``; refuse to mix two runs."""
        if out is None:
            base = Path("runs") / f"{command}-{time.strftime('%Y%m%d-%H%M%S')}"
            out, n = base, 2
            while out.exists():  # two runs started in the same second
                out, n = base.with_name(f"{base.name}-{n}"), n + 1
        run = cls(out)
        run.ensure_available(overwrite)
        if run.path.is_dir() and any(run.path.iterdir()):
            run.clear()
        (run.path / "plots").mkdir(parents=True, exist_ok=True)
        return run

    def ensure_available(self, overwrite: bool = False) -> None:
        """Raise RunExistsError unless this folder is new, empty, or a run that ``overwrite`` may replace."""
        out = self.path
        run = self
        if run.path.is_file():
            raise RunExistsError(f"--out {out} is a file; pass a folder for the run directory.")
        if run.path.is_dir() and any(run.path.iterdir()):
            is_run = any((run.path / n).exists() for n in ("config.json", "model.json", "checkpoints"))
            if not is_run:
                raise RunExistsError(
                    f"--out {out} is a folder that is not empty and holds no run (no config.json). "
                    "Pass a new or empty folder."
                )
            if not overwrite:
                raise RunExistsError(
                    f"--out {out} already holds a run. Pass --resume {out} to continue it, --overwrite to "
                    "replace it, or another --out."
                )

    def clear(self) -> None:
        """Remove the parts of a previous run (only the names a run directory holds)."""
        for name in RUN_ENTRIES:
            p = self.path / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()

    def discard_if_empty(self) -> bool:
        """Remove the folder when it holds no file at all (a run that failed before writing anything)."""
        if not self.path.is_dir() or any(p.is_file() or p.is_symlink() for p in self.path.rglob("*")):
            return False
        shutil.rmtree(self.path)
        return True

    # ------------------------------------------------------------------ parts
    @property
    def plots(self) -> Path:
        p = self.path / "plots"
        p.mkdir(parents=True, exist_ok=True)
        return p

    @property
    def checkpoints(self) -> Path:
        p = self.path / "checkpoints"
        p.mkdir(parents=True, exist_ok=True)
        return p

    def write_config(self, cfg, data_fingerprint: str | None = None, extra: dict | None = None) -> None:
        """config.json in the one schema; ``cfg`` is a RunConfig (or a plain dict of settings)."""
        settings = cfg.to_dict() if hasattr(cfg, "to_dict") else dict(cfg)
        record = {
            "engine": getattr(cfg, "engine", None) or settings.get("engine"),
            "kind": getattr(cfg, "kind", None) or settings.get("kind"),
            "visrec_version": visrec_version(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seed": settings.get("seed"),
            "data_fingerprint": data_fingerprint,
            "config": settings,
            "versions": library_versions(),
            **(extra or {}),
        }
        atomic_write_json(self.path / "config.json", record)

    def read_config(self) -> dict:
        return read_json(self.path / "config.json", "the run's config")

    def write_metrics(self, metrics: dict) -> None:
        atomic_write_json(self.path / "metrics.json", metrics)

    def read_metrics(self) -> dict:
        return read_json(self.path / "metrics.json", "the run's metrics")

    # ------------------------------------------------------------------ history
    def append_history(self, record: dict) -> None:
        """One record per epoch or logging step; ``step`` is required."""
        if "step" not in record:
            raise KeyError("history records need a 'step' (optimiser steps or iterations so far)")
        with open(self.path / "history.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=float) + "\n")

    def history(self) -> list[dict]:
        path = self.path / "history.jsonl"
        if not path.is_file():
            return []
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut short by a crash: the rest is still usable
                continue
        return rows

    def rewrite_history(self, records: list[dict]) -> None:
        """Replace history.jsonl (a resumed run drops the records written after its checkpoint)."""
        path = self.path / "history.jsonl"
        path.unlink(missing_ok=True)
        for r in records:
            self.append_history(r)

    # ------------------------------------------------------------------ models and checkpoints
    def save_model(self, tensors: dict, meta: dict) -> None:
        """Write ``model.safetensors`` and ``model.json`` (``meta`` must hold a ``kind``)."""
        if "kind" not in meta:
            raise KeyError("model.json needs a 'kind' (which loader rebuilds the model)")
        save_arrays(self.path / "model.safetensors", tensors)
        atomic_write_json(self.path / "model.json", meta)

    def load_model(self, framework: str = "numpy") -> tuple[dict, dict]:
        return load_model(self.path, framework)

    def checkpoint_stem(self, name: str) -> Path:
        return self.checkpoints / name

    def save_checkpoint(self, name: str, tensors: dict, meta: dict) -> None:
        """``checkpoints/<name>.safetensors`` then ``<name>.json`` (the JSON, written last, commits it)."""
        stem = self.checkpoint_stem(name)
        save_arrays(stem.with_suffix(".safetensors"), tensors)
        atomic_write_json(stem.with_suffix(".json"), meta)

    def has_checkpoint(self, name: str) -> bool:
        return (self.path / "checkpoints" / f"{name}.json").is_file()

    def load_checkpoint(self, name: str, framework: str = "numpy") -> tuple[dict, dict]:
        stem = self.path / "checkpoints" / name
        meta = read_json(stem.with_suffix(".json"), f"checkpoint '{name}'")
        return load_arrays(stem.with_suffix(".safetensors"), framework), meta
