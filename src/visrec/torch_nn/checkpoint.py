"""Checkpoints and saved models: safetensors for tensors, JSON for everything else. Never pickle.

A checkpoint is two files written atomically, ``<stem>.safetensors`` then ``<stem>.json``:

- tensors: ``model/<name>`` (state dict), ``ema/<name>``, ``optim/<i>/<key>`` (per-parameter optimizer
  state such as momentum buffers, Adam moments and step), ``rng/torch`` (and ``rng/cuda``);
- JSON: the resolved config, epoch and step counters, optimizer param groups and scalar state, Python and
  NumPy RNG states, the history, the best validation accuracy, the early-stopping counter.

:func:`load_predictor` rebuilds a trained model from a run directory's ``model.safetensors`` +
``model.json`` (kind "torch") for ``visrec predict``.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from visrec.utils.atomic import atomic_write_json, atomic_write_with
from visrec.utils.errors import DataError

__all__ = [
    "save_checkpoint",
    "load_checkpoint",
    "restore_checkpoint",
    "save_tensors",
    "load_tensors",
    "optimizer_to_tensors",
    "optimizer_from_tensors",
    "save_model",
    "load_predictor",
    "TorchPredictor",
]


# ---------------------------------------------------------------------------------------- safetensors I/O
def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict | None = None) -> None:
    """Write ``tensors`` (moved to CPU, made contiguous, un-shared) as safetensors, atomically."""
    from safetensors.torch import save_file

    clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    atomic_write_with(path, lambda tmp: save_file(clean, str(tmp), metadata=metadata))


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise DataError(f"Expected a safetensors file at {path}, but it does not exist.")
    try:
        return load_file(str(path))
    except Exception as exc:  # SafetensorError
        raise DataError(f"Could not read {path} as safetensors ({exc}); the file is corrupt.") from exc


# -------------------------------------------------------------------------------------- optimizer state
def optimizer_to_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split ``optimizer.state_dict()`` into tensors (for safetensors) and a JSON-able structure."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim/{idx}/{key}"] = value
            else:
                scalars.setdefault(str(idx), {})[key] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def optimizer_from_tensors(optimizer: torch.optim.Optimizer, tensors: dict, structure: dict) -> None:
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith("optim/"):
            _, idx, key = name.split("/", 2)
            state.setdefault(int(idx), {})[key] = value
    for idx, values in structure["scalars"].items():
        state.setdefault(int(idx), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": structure["param_groups"]})


# ---------------------------------------------------------------------------------------------- RNG
def _rng_state() -> tuple[dict[str, torch.Tensor], dict]:
    tensors = {"rng/torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors["rng/cuda"] = torch.cuda.get_rng_state()
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    meta = {
        "python": _to_json(random.getstate()),
        "numpy": {
            "kind": kind,
            "keys": keys.tolist(),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
    }
    return tensors, meta


def _set_rng_state(tensors: dict, meta: dict) -> None:
    torch.set_rng_state(tensors["rng/torch"])
    if "rng/cuda" in tensors and torch.cuda.is_available():
        torch.cuda.set_rng_state(tensors["rng/cuda"])
    random.setstate(_to_tuple(meta["python"]))
    n = meta["numpy"]
    np.random.set_state(
        (n["kind"], np.array(n["keys"], dtype=np.uint32), n["pos"], n["has_gauss"], n["cached"])
    )


def _to_json(obj):
    return [_to_json(o) for o in obj] if isinstance(obj, (tuple, list)) else obj


def _to_tuple(obj):
    return tuple(_to_tuple(o) for o in obj) if isinstance(obj, list) else obj


# --------------------------------------------------------------------------------------- checkpoints
def save_checkpoint(stem: str | Path, model: nn.Module, optimizer=None, ema=None, meta: dict | None = None):
    """Write ``<stem>.safetensors`` and ``<stem>.json`` (see module docstring)."""
    stem = Path(stem)
    tensors = {f"model/{k}": v for k, v in model.state_dict().items()}
    info = dict(meta or {})
    if optimizer is not None:
        opt_tensors, info["optimizer"] = optimizer_to_tensors(optimizer)
        tensors.update(opt_tensors)
    if ema is not None:
        tensors.update({f"ema/{k}": v for k, v in ema.state_dict().items()})
        info["ema_updates"] = ema.updates
    rng_tensors, info["rng"] = _rng_state()
    tensors.update(rng_tensors)
    save_tensors(stem.with_suffix(".safetensors"), tensors)
    atomic_write_json(stem.with_suffix(".json"), info)


def load_checkpoint(stem: str | Path) -> tuple[dict[str, torch.Tensor], dict]:
    """Read a checkpoint written by :func:`save_checkpoint` (``stem`` may end in .json/.safetensors)."""
    stem = Path(stem)
    if stem.suffix in (".json", ".safetensors"):
        stem = stem.with_suffix("")
    meta_path = stem.with_suffix(".json")
    if not meta_path.is_file():
        raise FileNotFoundError(
            f"No checkpoint at {stem}: expected {meta_path.name} and {stem.name}.safetensors. Pass a run "
            "directory's checkpoints/last (or the run directory itself) to --resume."
        )
    from visrec.runs.arrays import read_json

    meta = read_json(meta_path, "a checkpoint (a copy may have been cut short; checkpoints/best is a fallback)")
    return load_tensors(stem.with_suffix(".safetensors")), meta


def restore_checkpoint(
    tensors: dict, meta: dict, model: nn.Module, optimizer=None, ema=None, restore_rng: bool = True
) -> None:
    """Load model, optimizer, EMA and RNG states from a checkpoint into live objects."""
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model/")})
    if optimizer is not None and "optimizer" in meta:
        optimizer_from_tensors(optimizer, tensors, meta["optimizer"])
    if ema is not None:
        ema.load_state_dict(
            {k[4:]: v for k, v in tensors.items() if k.startswith("ema/")}, meta.get("ema_updates", 0)
        )
    if restore_rng:
        _set_rng_state(tensors, meta["rng"])


# ----------------------------------------------------------------------------------- saved models
def save_model(run_dir: str | Path, model: nn.Module, meta: dict) -> None:
    """Write ``model.safetensors`` (state dict) and ``model.json`` (kind "torch" + ``meta``)."""
    run_dir = Path(run_dir)
    save_tensors(run_dir / "model.safetensors", model.state_dict())
    atomic_write_json(run_dir / "model.json", {"kind": "torch", **meta})


class TorchPredictor:
    """A trained torch classifier that takes raw images.

    Attributes
    ----------
    class_names : list of K str
    input_shape : (H, W, C) the model was trained on
    model : the nn.Module, in eval mode
    """

    def __init__(self, model: nn.Module, meta: dict, device: str = "cpu"):
        from visrec.torch_nn.augment import BatchPipeline

        self.model = model.eval().to(device)
        self.meta = meta
        self.device = device
        self.class_names = list(meta["class_names"])
        self.input_shape = tuple(meta["input_shape"])
        self.tta = bool(meta.get("tta", False))
        self.pipeline = BatchPipeline(meta["mean"], meta["std"], resize=meta.get("resize_to"))

    @torch.no_grad()
    def predict_proba(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """images : ndarray of shape (N, H, W, C) uint8 -> probabilities of shape (N, K)."""
        from visrec.torch_nn.tta import predict_logits

        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        h, w, c = self.input_shape
        if images.ndim != 4 or images.shape[1:] != (h, w, c):
            raise ValueError(
                f"This model takes images of shape (N, {h}, {w}, {c}) uint8; got {images.shape}. "
                "Load them with the same dataset loader (it resizes and converts channels)."
            )
        out = []
        for i in range(0, len(images), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(images[i : i + batch_size])).permute(0, 3, 1, 2)
            x = self.pipeline.eval(x.to(self.device))  # (n, C, H, W)
            out.append(torch.softmax(predict_logits(self.model, x, self.tta), dim=1).float().cpu())
        return torch.cat(out).numpy()

    def predict(self, images: np.ndarray) -> np.ndarray:
        return self.predict_proba(images).argmax(axis=1)


def load_predictor(run_dir: str | Path, device: str = "cpu") -> TorchPredictor:
    """Rebuild the model of a torch run directory (model.json kind "torch" + model.safetensors)."""
    from visrec.runs.arrays import read_json
    from visrec.torch_nn.registry import create_model

    run_dir = Path(run_dir)
    meta_path = run_dir / "model.json"
    if meta_path.is_file():
        meta = read_json(meta_path, "a model description")
        if meta.get("kind") != "torch":
            raise DataError(
                f"{run_dir} holds a model of kind {meta.get('kind')!r}, not a torch model; use it with "
                "`visrec predict` or `visrec evaluate`, which read every kind."
            )
        state = load_tensors(run_dir / "model.safetensors")
    else:  # interrupted before the end: the best checkpoint holds the model and what rebuilds it
        stem = run_dir / "checkpoints" / ("best" if (run_dir / "checkpoints" / "best.json").is_file() else "last")
        tensors, ckpt = load_checkpoint(stem)
        meta = {"kind": "torch", **ckpt["model_meta"]}
        prefix = "ema/" if any(k.startswith("ema/") for k in tensors) else "model/"
        state = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    model = create_model(meta["model"], num_classes=len(meta["class_names"]), **meta.get("model_kwargs", {}))
    model.load_state_dict(state)
    return TorchPredictor(model, meta, device)
