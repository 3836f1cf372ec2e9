"""TrainConfig: the typed configuration of one torch training run.

Built from defaults, then a JSON file (``--config``), then command-line overrides. Unknown keys and values
of the wrong type raise ``ValueError`` naming the key, what was expected and what was received. The
resolved config is written to ``config.json`` and inside every checkpoint.

>>> cfg = TrainConfig.from_dict({"epochs": 3, "lr": 0.1})
>>> cfg.epochs, cfg.optimizer
(3, 'momentum')
>>> TrainConfig.from_dict({"epochz": 3})
Traceback (most recent call last):
...
ValueError: Unknown TrainConfig key 'epochz' (did you mean 'epochs'?). Known keys: ...
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path

from visrec.utils.validation import check_choice, check_float, check_int

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")
SCHEDULES = ("none", "step", "cosine", "onecycle", "exp")
DEVICES = ("auto", "cpu", "cuda", "mps")
FINETUNE = ("all", "last", "head")
LOADERS = ("auto", "tensor", "dataloader")
AUGMENTATIONS = ("flip", "crop", "jitter", "pca", "affine", "cutout")


@dataclass
class TrainConfig:
    """Every setting of a torch training run (see ``docs/torch_training.md`` for each one)."""

    # what to train, on what
    model: str = "lenet5"
    model_kwargs: dict = field(default_factory=dict)
    data: str = "digits"
    test_data: str | None = None
    val_fraction: float = 0.2
    val_size: int | None = None
    seed: int = 0
    out: str | None = None
    # optimization
    epochs: int = 10
    batch_size: int = 128
    lr: float = 0.01
    optimizer: str = "momentum"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    no_decay_norm_bias: bool = True
    label_smoothing: float = 0.0
    lr_schedule: str = "cosine"
    warmup_epochs: float = 0.0
    step_epochs: int = 30
    gamma: float = 0.1
    grad_clip: float = 0.0
    # model shape shortcuts (passed to the model when set)
    hidden: list | None = None
    dropout: float | None = None
    norm: str | None = None
    # data pipeline
    augment: list = field(default_factory=list)
    crop_padding: int = 4
    loader: str = "auto"
    workers: int = 0
    channels_last: bool = False
    # speed
    amp: bool = False
    compile: bool = False
    device: str = "auto"
    threads: int = 0
    # averaging, evaluation, stopping
    ema: float = 0.0
    tta: bool = False
    patience: int = 0
    max_minutes: float = 0.0
    overfit: int = 0
    # checkpoints, transfer, logging
    resume: str | None = None
    init_from: str | None = None
    finetune: str = "all"
    tensorboard: bool = False
    progress: bool = True

    def __post_init__(self):
        self.validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Build from a mapping, rejecting unknown keys and wrong types."""
        if not isinstance(values, dict):
            raise TypeError(f"A TrainConfig is built from a dict; got {type(values).__name__}.")
        known = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ValueError(f"Unknown TrainConfig key '{key}'{hint}. Known keys: {', '.join(known)}.")
        hints = typing.get_type_hints(cls)
        clean = {k: _coerce(k, v, hints[k]) for k, v in values.items()}
        return cls(**clean)

    @classmethod
    def from_sources(
        cls, config_file: str | Path | None = None, overrides: dict | None = None
    ) -> TrainConfig:
        """Defaults <- JSON ``config_file`` <- ``overrides`` (entries whose value is None are ignored)."""
        values: dict = {}
        if config_file is not None:
            path = Path(config_file)
            if not path.is_file():
                raise FileNotFoundError(f"--config expects a JSON file; {path} does not exist.")
            try:
                values.update(json.loads(path.read_text()))
            except json.JSONDecodeError as exc:
                raise ValueError(f"--config {path} is not valid JSON: {exc}.") from None
            if not isinstance(values, dict):
                raise ValueError(f"--config {path} must hold a JSON object of TrainConfig keys.")
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls.from_dict(values)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes) -> TrainConfig:
        return TrainConfig.from_dict({**self.to_dict(), **changes})

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        o = "TrainConfig"
        check_int("epochs", self.epochs, low=0, owner=o)
        check_int("batch_size", self.batch_size, low=1, owner=o)
        check_int("seed", self.seed, low=0, owner=o)
        check_float("lr", self.lr, low=0.0, owner=o, closed="neither")
        check_float("momentum", self.momentum, low=0.0, high=1.0, owner=o, closed="left")
        check_float("weight_decay", self.weight_decay, low=0.0, owner=o)
        check_float("label_smoothing", self.label_smoothing, low=0.0, high=1.0, owner=o, closed="left")
        check_float("val_fraction", self.val_fraction, low=0.0, high=1.0, owner=o, closed="left")
        check_float("warmup_epochs", self.warmup_epochs, low=0.0, owner=o)
        check_int("step_epochs", self.step_epochs, low=1, owner=o)
        check_float("gamma", self.gamma, low=0.0, high=1.0, owner=o, closed="right")
        check_float("grad_clip", self.grad_clip, low=0.0, owner=o)
        check_float("ema", self.ema, low=0.0, high=1.0, owner=o, closed="left")
        check_float("max_minutes", self.max_minutes, low=0.0, owner=o)
        check_int("patience", self.patience, low=0, owner=o)
        check_int("overfit", self.overfit, low=0, owner=o)
        check_int("workers", self.workers, low=0, owner=o)
        check_int("threads", self.threads, low=0, owner=o)
        check_int("crop_padding", self.crop_padding, low=0, owner=o)
        if self.val_size is not None:
            check_int("val_size", self.val_size, low=1, owner=o)
        if self.dropout is not None:
            check_float("dropout", self.dropout, low=0.0, high=1.0, owner=o, closed="left")
        check_choice("optimizer", self.optimizer, OPTIMIZERS, owner=o)
        check_choice("lr_schedule", self.lr_schedule, SCHEDULES, owner=o)
        check_choice("device", self.device, DEVICES, owner=o)
        check_choice("finetune", self.finetune, FINETUNE, owner=o)
        check_choice("loader", self.loader, LOADERS, owner=o)
        for name in self.augment:
            check_choice("augment", name, AUGMENTATIONS, owner=o)
        if self.loader == "tensor" and self.workers > 0:
            raise ValueError(
                "TrainConfig: loader='tensor' keeps the data on the device and uses no worker processes, "
                f"but workers={self.workers}. Use loader='dataloader' (or 'auto') with workers > 0."
            )

    def model_options(self) -> dict:
        """Keyword arguments for ``create_model``: ``model_kwargs`` plus the shortcuts that are set."""
        kw = dict(self.model_kwargs)
        if self.hidden is not None:
            kw.setdefault("hidden_dims", list(self.hidden))
        if self.dropout is not None:
            kw.setdefault("dropout", self.dropout)
        if self.norm is not None:
            kw.setdefault("norm", self.norm)
        return kw


def _coerce(key: str, value, hint):
    """Return ``value`` if it fits the annotation ``hint`` (ints are accepted for floats), else raise."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if value is None:
        if type(None) in args:
            return None
        raise ValueError(f"TrainConfig key '{key}' may not be null; expected {_name(hint)}.")
    if args and type(None) in args:  # Optional[X]
        (hint,) = [a for a in args if a is not type(None)]
        origin = typing.get_origin(hint)
    base = origin or hint
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if base is list and isinstance(value, tuple):
        return list(value)
    if base is bool and not isinstance(value, bool):
        raise ValueError(
            f"TrainConfig key '{key}' expects true/false; got {value!r} ({type(value).__name__})."
        )
    if base is int and isinstance(value, bool):
        raise ValueError(f"TrainConfig key '{key}' expects an int; got {value!r}.")
    if not isinstance(value, base):
        raise ValueError(
            f"TrainConfig key '{key}' expects {_name(hint)}; got {value!r} ({type(value).__name__}). "
            "Fix the value in the --config file or on the command line."
        )
    return value


def _name(hint) -> str:
    return getattr(hint, "__name__", str(hint))
