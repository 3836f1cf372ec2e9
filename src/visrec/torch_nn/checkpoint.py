"""Checkpoints and saved models: safetensors for tensors, JSON for everything else. Never pickle.

A checkpoint is two files written atomically, ``<stem>.safetensors`` then ``<stem>.json``:

- tensors: ``model/<name>`` (state dict), ``ema/<name>``, ``optim/<i>/<key>`` (per-parameter optimizer
  state such as momentum buffers, Adam moments and step), ``rng/torch`` (and ``rng/cuda``);
- JSON: the resolved config, epoch and step counters, optimizer param groups and scalar state, Python and
  NumPy RNG states, the history, the best validation accuracy, the early-stopping counter.

Trainers with several modules and optimizers (a GAN's generator and discriminator, an actor-critic) use
:func:`training_state` / :func:`restore_training_state`: one flat ``(tensors, meta)`` pair that
``RunDir.save_checkpoint`` writes, restored exactly (RNG states included), so a resumed run takes the same
steps as an uninterrupted one.

The saved-model format and the predictor are in :mod:`visrec.torch_nn.predictor` (``save_model``,
``load_predictor`` and ``TorchPredictor`` are still importable from here for one release).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn

from visrec.utils.atomic import atomic_write_json
from visrec.utils.errors import DataError, ParameterError

__all__ = [
    "save_checkpoint",
    "load_checkpoint",
    "restore_checkpoint",
    "save_tensors",
    "load_tensors",
    "optimizer_to_tensors",
    "optimizer_from_tensors",
    "training_state",
    "restore_training_state",
]

_MOVED = {"save_model", "load_predictor", "TorchPredictor"}  # to visrec.torch_nn.predictor


def __getattr__(name):
    """The saved-model names that moved to :mod:`visrec.torch_nn.predictor`, for one release."""
    if name in _MOVED:
        from visrec.torch_nn import predictor

        return getattr(predictor, name)
    raise AttributeError(f"module 'visrec.torch_nn.checkpoint' has no attribute {name!r}")


# ---------------------------------------------------------------------------------------- safetensors I/O
def save_tensors(path: str | Path, tensors: dict[str, torch.Tensor], metadata: dict | None = None) -> None:
    """Write ``tensors`` (moved to CPU, made contiguous, un-shared) as safetensors, atomically."""
    from visrec.runs.arrays import save_arrays

    save_arrays(path, tensors, metadata)


def load_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file as torch tensors; a DataError names a missing or corrupt file."""
    from visrec.runs.arrays import load_arrays

    return load_arrays(path, framework="pt")


# -------------------------------------------------------------------------------------- optimizer state
def optimizer_to_tensors(
    optimizer: torch.optim.Optimizer, prefix: str = "optim"
) -> tuple[dict[str, torch.Tensor], dict]:
    """Split ``optimizer.state_dict()`` into tensors ``<prefix>/<i>/<key>`` (for safetensors) and a JSON-able
    structure."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}/{idx}/{key}"] = value
            else:
                scalars.setdefault(str(idx), {})[key] = value
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def optimizer_from_tensors(
    optimizer: torch.optim.Optimizer, tensors: dict, structure: dict, prefix: str = "optim"
) -> None:
    """Inverse of :func:`optimizer_to_tensors`."""
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        if name.startswith(prefix + "/"):
            idx, key = name[len(prefix) + 1 :].split("/", 1)
            state.setdefault(int(idx), {})[key] = value
    for idx, values in structure["scalars"].items():
        state.setdefault(int(idx), {}).update(values)
    saved, now = len(structure["param_groups"]), len(optimizer.param_groups)
    if saved != now:
        raise ParameterError(
            f"The checkpoint's optimizer has {saved} parameter groups and this run's has {now}: an option that "
            "splits the parameters (--norm-lr-scale, --finetune, --optimizer) differs from the recorded run. "
            "Resume with the recorded values (config.json), or start a new run from its weights with --init-from."
        )
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


# ------------------------------------------------------------------------- multi-module training state
def training_state(
    modules: dict[str, nn.Module],
    optimizers: dict[str, torch.optim.Optimizer] | None = None,
    extra_tensors: dict[str, torch.Tensor] | None = None,
    schedulers: dict | None = None,
) -> tuple[dict[str, torch.Tensor], dict]:
    """Everything needed to resume a run exactly, as ``(tensors, meta)`` for ``RunDir.save_checkpoint``.

    Parameters
    ----------
    modules : dict name -> nn.Module
        Saved as ``module/<name>/<state-dict key>`` (e.g. ``{"generator": G, "discriminator": D}``).
    optimizers : dict name -> Optimizer, optional
        Tensors as ``optim/<name>/<i>/<key>``, param groups and scalars in ``meta["optimizers"]``.
    extra_tensors : dict name -> Tensor, optional
        Saved as ``extra/<name>`` (a replay buffer, a fixed noise batch); returned by
        :func:`restore_training_state`.
    schedulers : dict name -> LR scheduler, optional
        Their ``state_dict()`` (JSON-able for the built-in schedulers) in ``meta["schedulers"]``.

    The torch (and CUDA), Python and NumPy RNG states are included. Add your own counters (step, epoch,
    best metric) to ``meta`` before saving.
    """
    optimizers, schedulers = optimizers or {}, schedulers or {}
    for name in [*modules, *optimizers, *(extra_tensors or {})]:
        if not name or "/" in name:
            raise ValueError(f"training_state names must be non-empty and contain no '/'; got {name!r}.")
    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        tensors.update({f"module/{name}/{k}": v for k, v in module.state_dict().items()})
    meta: dict = {"modules": list(modules), "optimizers": {}, "schedulers": {}}
    for name, opt in optimizers.items():
        opt_tensors, meta["optimizers"][name] = optimizer_to_tensors(opt, prefix=f"optim/{name}")
        tensors.update(opt_tensors)
    for name, sched in schedulers.items():
        meta["schedulers"][name] = sched.state_dict()
    tensors.update({f"extra/{k}": v for k, v in (extra_tensors or {}).items()})
    rng_tensors, meta["rng"] = _rng_state()
    tensors.update(rng_tensors)
    return tensors, json.loads(json.dumps(meta))  # exactly what a JSON round trip gives back


def restore_training_state(
    tensors: dict[str, torch.Tensor],
    meta: dict,
    modules: dict[str, nn.Module],
    optimizers: dict[str, torch.optim.Optimizer] | None = None,
    schedulers: dict | None = None,
    restore_rng: bool = True,
) -> dict[str, torch.Tensor]:
    """Load a :func:`training_state` into live modules, optimizers and schedulers (strictly: a name missing
    on either side raises ``DataError``); return the ``extra_tensors``."""
    optimizers, schedulers = optimizers or {}, schedulers or {}
    saved = {"modules": set(meta.get("modules", [])), "optimizers": set(meta.get("optimizers", {}))}
    saved["schedulers"] = set(meta.get("schedulers", {}))
    for what, live in (("modules", modules), ("optimizers", optimizers), ("schedulers", schedulers)):
        if set(live) != saved[what]:
            raise DataError(
                f"The checkpoint holds {what} {sorted(saved[what])}; restoring into {sorted(live)}. Pass "
                "the same names that training_state was given."
            )
    for name, module in modules.items():
        prefix = f"module/{name}/"
        module.load_state_dict({k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)})
    for name, opt in optimizers.items():
        optimizer_from_tensors(opt, tensors, meta["optimizers"][name], prefix=f"optim/{name}")
    for name, sched in schedulers.items():
        sched.load_state_dict(meta["schedulers"][name])
    if restore_rng:
        _set_rng_state(tensors, meta["rng"])
    return {k[6:]: v for k, v in tensors.items() if k.startswith("extra/")}
