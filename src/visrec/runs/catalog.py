"""A folder of run directories, listed and compared: the library side of `visrec runs list | compare`."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["find_runs", "summarize", "compare"]


def _read(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def find_runs(root: str | Path) -> list[Path]:
    """Run directories at or below ``root`` (folders holding config.json), newest first."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"runs folder {root} does not exist.")
    found = {p.parent for p in root.rglob("config.json") if p.parent.name not in ("checkpoints", "plots")}
    return sorted(found, key=lambda p: (p / "config.json").stat().st_mtime, reverse=True)


def _settings(record: dict) -> dict:
    """The settings of a config.json (new schema: under "config"; release 0.1: flat or under "train")."""
    if isinstance(record.get("config"), dict):
        return record["config"]
    if isinstance(record.get("train"), dict):
        return record["train"]
    return {k: v for k, v in record.items() if k not in ("versions", "data_splits", "splits")}


def summarize(run: str | Path) -> dict:
    """One row: name, engine, kind, model, status, validation / test accuracy, created."""
    run = Path(run)
    record, metrics = _read(run / "config.json"), _read(run / "metrics.json")
    settings = _settings(record)
    model = _read(run / "model.json")
    val = metrics.get("best_val_acc", metrics.get("val_accuracy", metrics.get("val_acc")))
    test = metrics.get("test_acc", metrics.get("test_accuracy"))
    return {
        "run": str(run),
        "engine": record.get("engine") or ("numpy" if "train" in record else "-"),
        "kind": record.get("kind") or model.get("kind") or "-",
        "model": settings.get("model") or model.get("model") or metrics.get("method") or "-",
        "status": metrics.get("status", "completed" if metrics else "no metrics"),
        "val_acc": val,
        "test_acc": test,
        "created": record.get("created", "-"),
    }


def compare(runs: list[str | Path]) -> dict:
    """The settings that differ between ``runs`` and their final metrics, side by side."""
    if len(runs) < 2:
        from visrec.utils.errors import ParameterError

        raise ParameterError("`visrec runs compare` needs at least two run directories.")
    configs = [_settings(_read(Path(r) / "config.json")) for r in runs]
    metrics = [_read(Path(r) / "metrics.json") for r in runs]
    keys = sorted(set().union(*configs))
    differ = {k: [c.get(k) for c in configs] for k in keys
              if len({json.dumps(c.get(k), sort_keys=True, default=str) for c in configs}) > 1 and k != "out"}
    numeric = sorted({k for m in metrics for k, v in m.items()
                      if isinstance(v, int | float) and not isinstance(v, bool)})
    return {
        "runs": [str(r) for r in runs],
        "settings": differ,
        "metrics": {k: [m.get(k) for m in metrics] for k in numeric},
    }
