"""Typed run configuration shared by every engine: defaults <- JSON file <- command line, validated once.

Every command that trains or evaluates has a config class that subclasses :class:`RunConfig` (or
:class:`TrainRunConfig` when it optimises something), so the same option means the same thing everywhere:
``--data``, ``--test-data``, ``--seed``, ``--out``, ``--epochs``, ``--lr``, ``--weight-decay``,
``--max-minutes`` ...

>>> cfg = TrainRunConfig.from_dict({"epochs": 3, "lr": 0.1})
>>> cfg.epochs, cfg.lr_schedule
(3, 'constant')
>>> TrainRunConfig.from_dict({"epochz": 3})
Traceback (most recent call last):
...
visrec.utils.errors.ParameterError: Unknown TrainRunConfig key 'epochz' (did you mean 'epochs'?). ...
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import typing
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from visrec.utils.errors import DataError, ParameterError
from visrec.utils.validation import check_choice, check_float, check_int

__all__ = ["RunConfig", "TrainRunConfig", "flag", "OPTIMIZERS", "SCHEDULES", "DEVICES"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("constant", "step", "cosine", "onecycle", "exponential")
DEVICES = ("auto", "cpu", "cuda", "mps")

#: keys that config.json records about a run but that are not settings (stripped when it is reused)
RECORD_KEYS = frozenset(
    {"engine", "kind", "visrec_version", "created", "command", "data_fingerprint", "versions", "splits",
     "data_splits", "extra"}
)


def flag(name: str) -> str:
    """The command-line spelling of a config key: ``weight_decay`` -> ``--weight-decay``."""
    return "--" + name.replace("_", "-")


@dataclass
class RunConfig:
    """Settings every run has. Subclasses add their own fields and extend :meth:`validate`."""

    kind: ClassVar[str] = "run"
    engine: ClassVar[str] = "none"
    #: deprecated key spellings accepted for one release: old -> new
    key_aliases: ClassVar[dict[str, str]] = {}
    #: deprecated value spellings: key -> {old: new}
    value_aliases: ClassVar[dict[str, dict]] = {}

    data: str = "digits"
    test_data: str | None = None
    val_fraction: float = 0.2
    val_size: int | None = None
    limit: int | None = None
    overfit: int = 0
    skip_bad: bool = False
    seed: int = 0
    out: str | None = None
    overwrite: bool = False
    resume: str | None = None
    device: str = "auto"
    progress: bool = True
    tensorboard: bool = False

    def __post_init__(self):
        self.validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(cls, values: dict):
        """Build from a mapping, rejecting unknown keys (with the closest match) and wrong types."""
        if not isinstance(values, dict):
            raise ParameterError(f"A {cls.__name__} is built from a JSON object; got {type(values).__name__}.")
        values = cls._upgrade(values)
        known = [f.name for f in dataclasses.fields(cls)]
        for key in values:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise ParameterError(
                    f"Unknown {cls.__name__} key '{key}'{hint}. Known keys: {', '.join(known)}."
                )
        hints = typing.get_type_hints(cls)
        return cls(**{k: _coerce(cls.__name__, k, v, hints[k]) for k, v in values.items()})

    @classmethod
    def from_sources(cls, config_file: str | Path | None = None, overrides: dict | None = None):
        """Defaults <- JSON ``config_file`` (a recipe or a run's own config.json) <- ``overrides``.

        Entries of ``overrides`` whose value is None are ignored (an option the user did not give).
        """
        values: dict = {}
        if config_file is not None:
            values.update(read_config_file(config_file))
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls.from_dict(values)

    @classmethod
    def resumed(cls, resume: str | Path, overrides: dict | None = None):
        """The config of a run being resumed: its recorded settings <- the options given now.

        The run continues in the folder ``resume`` names (wherever it was moved or copied to), never in the
        ``out`` it recorded; options left out (None) keep their recorded values, so ``--resume`` without
        ``--epochs`` continues the recorded plan.
        """
        from visrec.runs.rundir import RunDir

        run = RunDir.for_resume(resume)
        if (run.path / "config.json").is_file():
            saved = read_config_file(run.path / "config.json")
        else:  # a run that crashed before config.json: its last checkpoint records the config
            from visrec.runs.arrays import read_json

            saved = dict(read_json(run.path / "checkpoints" / "last.json", "the last checkpoint").get("config", {}))
        values = {**saved, **{k: v for k, v in (overrides or {}).items() if v is not None}}
        values.update(resume=str(run.path), out=str(run.path), overwrite=False)
        return cls.from_dict(values)

    def explicit(self) -> dict:
        """The settings that differ from the class defaults (what a caller asked for)."""
        out = {}
        for f in dataclasses.fields(self):
            if f.default is not dataclasses.MISSING:
                base = f.default
            elif f.default_factory is not dataclasses.MISSING:
                base = f.default_factory()
            else:
                base = dataclasses.MISSING
            if getattr(self, f.name) != base:
                out[f.name] = getattr(self, f.name)
        return out

    @classmethod
    def _upgrade(cls, values: dict) -> dict:
        """Map deprecated spellings to today's (with a warning naming both)."""
        out = {}
        for key, value in values.items():
            if key in cls.key_aliases:
                new = cls.key_aliases[key]
                warnings.warn(
                    f"{flag(key)} / '{key}' is deprecated and will be removed in the next release; "
                    f"use {flag(new)} / '{new}'.",
                    FutureWarning,
                    stacklevel=3,
                )
                key = new
            table = cls.value_aliases.get(key, {})
            if isinstance(value, str) and value in table:
                warnings.warn(
                    f"{flag(key)} {value} is deprecated; use {flag(key)} {table[value]}.",
                    FutureWarning,
                    stacklevel=3,
                )
                value = table[value]
            out[key] = value
        return out

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def replace(self, **changes):
        return type(self).from_dict({**self.to_dict(), **changes})

    # ------------------------------------------------------------------ validation
    def check(self, kind: str, name: str, **kw):
        """Validate one field with the ``check_*`` helpers; the message names the flag."""
        owner = f"{type(self).__name__} ({flag(name)})"
        value = getattr(self, name)
        if kind == "int":
            return check_int(name, value, owner=owner, **kw)
        if kind == "float":
            return check_float(name, value, owner=owner, **kw)
        return check_choice(name, value, kw["choices"], owner=owner)

    def validate(self) -> None:
        self.check("float", "val_fraction", low=0.0, high=1.0, closed="left")
        self.check("int", "overfit", low=0)
        self.check("int", "seed", low=0)
        self.check("choice", "device", choices=DEVICES)
        for name in ("val_size", "limit"):
            if getattr(self, name) is not None:
                self.check("int", name, low=1)
        if self.resume and self.overwrite:
            raise ParameterError("--resume continues a run and --overwrite replaces it; give only one.")


@dataclass
class TrainRunConfig(RunConfig):
    """The optimisation settings every trainer shares (one vocabulary for every engine)."""

    key_aliases: ClassVar[dict[str, str]] = {
        "num_epochs": "epochs",
        "minutes": "max_minutes",
        "clip_norm": "grad_clip",
    }
    value_aliases: ClassVar[dict[str, dict]] = {"lr_schedule": {"none": "constant", "exp": "exponential"}}

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "adam"
    momentum: float = 0.9
    weight_decay: float = 0.0
    lr_schedule: str = "constant"
    warmup_epochs: float = 0.0
    grad_clip: float = 0.0
    max_minutes: float = 0.0
    patience: int = 0
    eval_every: int = 1
    threads: int = 0

    def validate(self) -> None:
        super().validate()
        self.check("int", "epochs", low=1)
        self.check("int", "batch_size", low=1)
        self.check("float", "lr", low=0.0, closed="neither")
        self.check("float", "momentum", low=0.0, high=1.0, closed="left")
        self.check("float", "weight_decay", low=0.0)
        self.check("float", "warmup_epochs", low=0.0)
        self.check("float", "grad_clip", low=0.0)
        self.check("float", "max_minutes", low=0.0)
        self.check("int", "patience", low=0)
        self.check("int", "eval_every", low=1)
        self.check("int", "threads", low=0)
        self.check("choice", "optimizer", choices=OPTIMIZERS)
        self.check("choice", "lr_schedule", choices=SCHEDULES)


def read_config_file(path: str | Path) -> dict:
    """The settings in a ``--config`` JSON file: a recipe, or a run's own config.json.

    Comment keys (starting with ``#`` or ``//``) are dropped, so recipes can explain themselves. A run's
    config.json (``{"engine", "kind", ..., "config": {...}}``, or the older flat layout) gives its settings.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--config expects a JSON file; {path} does not exist.")
    try:
        values = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"--config {path} is not valid JSON ({exc}). Fix the file or pass another.") from None
    if not isinstance(values, dict):
        raise DataError(f"--config {path} must hold a JSON object of settings; got {type(values).__name__}.")
    if isinstance(values.get("config"), dict) and ("engine" in values or "visrec_version" in values):
        values = values["config"]
    elif isinstance(values.get("train"), dict) and "engine" in values:  # NumPy runs of release 0.1
        values = values["train"]
    return {
        k: v for k, v in values.items() if k not in RECORD_KEYS and not k.startswith(("#", "//"))
    }


def _coerce(owner: str, key: str, value, hint):
    """Return ``value`` if it fits the annotation ``hint`` (ints are accepted for floats), else raise."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if value is None:
        if type(None) in args:
            return None
        raise ParameterError(f"{owner} key '{key}' ({flag(key)}) may not be null; expected {_name(hint)}.")
    if args and type(None) in args:  # Optional[X]
        (hint,) = [a for a in args if a is not type(None)]
        origin = typing.get_origin(hint)
    base = origin or hint
    if base is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if base is list and isinstance(value, tuple):
        return list(value)
    if base is bool and not isinstance(value, bool):
        raise ParameterError(
            f"{owner} key '{key}' ({flag(key)}) expects true/false; got {value!r} ({type(value).__name__})."
        )
    if (base is int and isinstance(value, bool)) or not isinstance(value, base):
        raise ParameterError(
            f"{owner} key '{key}' ({flag(key)}) expects {_name(hint)}; got {value!r} "
            f"({type(value).__name__}). Fix the value in the --config file or on the command line."
        )
    return value


def _name(hint) -> str:
    return getattr(hint, "__name__", str(hint))
