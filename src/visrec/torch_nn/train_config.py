"""TrainConfig: the typed configuration of one torch training run, on the shared :class:`TrainRunConfig`.

Built from defaults, then a JSON file (``--config``: a recipe or a run's own config.json), then
command-line overrides. Unknown keys and values of the wrong type raise ``ParameterError`` naming the key
(and its flag), what was expected and what was received. The resolved config is written to
``config.json`` and inside every checkpoint.

>>> cfg = TrainConfig.from_dict({"epochs": 3, "lr": 0.1})
>>> cfg.epochs, cfg.optimizer, cfg.engine
(3, 'momentum', 'torch')
>>> TrainConfig.from_dict({"epochz": 3})
Traceback (most recent call last):
...
visrec.utils.errors.ParameterError: Unknown TrainConfig key 'epochz' (did you mean 'epochs'?). Known keys: ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from visrec.runs.config import DEVICES, OPTIMIZERS, SCHEDULES, TrainRunConfig
from visrec.utils.errors import ParameterError
from visrec.utils.validation import check_choice

__all__ = ["TrainConfig", "OPTIMIZERS", "SCHEDULES", "DEVICES"]

#: the update rules the torch trainer builds (torch.optim); the NumPy engine adds rmsprop and adagrad
TORCH_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")
FINETUNE = ("all", "last", "head")
LOADERS = ("auto", "tensor", "dataloader")
CROP_MODES = ("zeros", "reflect")
AUGMENTATIONS = ("flip", "altflip", "crop", "jitter", "pca", "affine", "cutout")


@dataclass
class TrainConfig(TrainRunConfig):
    """Every setting of a torch training run (see ``docs/torch_training.md`` for each one).

    The shared fields (data, split, seed, out, resume, epochs, lr, weight_decay, lr_schedule, grad_clip,
    max_minutes, patience, ...) come from :class:`TrainRunConfig`; the ones below are the torch trainer's.
    """

    kind: ClassVar[str] = "classifier"
    engine: ClassVar[str] = "torch"

    # what to train (the data and split settings are the shared ones)
    model: str = "lenet5"
    model_kwargs: dict = field(default_factory=dict)
    # optimization (defaults of the torch trainer)
    lr: float = 0.01
    optimizer: str = "momentum"
    weight_decay: float = 5e-4
    lr_schedule: str = "cosine"
    no_decay_norm_bias: bool = True
    norm_lr_scale: float = 1.0
    label_smoothing: float = 0.0
    step_epochs: int = 30
    gamma: float = 0.1
    # model shape shortcuts (passed to the model when set)
    hidden: list | None = None
    dropout: float | None = None
    norm: str | None = None
    # data pipeline
    augment: list = field(default_factory=list)
    crop_padding: int = 4
    crop_mode: str = "zeros"
    loader: str = "auto"
    workers: int = 0
    channels_last: bool = False
    # speed
    amp: bool = False
    compile: bool = False
    # averaging, evaluation
    ema: float = 0.0
    lookahead: int = 0
    whiten_bias_epochs: int = 0
    tta: bool = False
    tta_translate: int = 0
    budget_includes_eval: bool = True
    # transfer learning
    init_from: str | None = None
    finetune: str = "all"

    def validate(self) -> None:
        super().validate()
        self.check("float", "label_smoothing", low=0.0, high=1.0, closed="left")
        self.check("float", "norm_lr_scale", low=0.0, closed="neither")
        self.check("int", "step_epochs", low=1)
        self.check("float", "gamma", low=0.0, high=1.0, closed="right")
        self.check("float", "ema", low=0.0, high=1.0, closed="left")
        self.check("int", "lookahead", low=0)
        self.check("int", "whiten_bias_epochs", low=0)
        self.check("int", "workers", low=0)
        self.check("int", "crop_padding", low=0)
        self.check("int", "tta_translate", low=0, high=4)
        if "altflip" in self.augment and ("flip" in self.augment or self.loader == "dataloader" or self.workers):
            raise ParameterError(
                "--augment altflip (each image flipped in every other epoch) replaces flip and needs the "
                "on-device batches: drop flip, --loader dataloader and --workers."
            )
        if self.dropout is not None:
            self.check("float", "dropout", low=0.0, high=1.0, closed="left")
        self.check("choice", "optimizer", choices=TORCH_OPTIMIZERS)
        self.check("choice", "finetune", choices=FINETUNE)
        self.check("choice", "loader", choices=LOADERS)
        self.check("choice", "crop_mode", choices=CROP_MODES)
        for name in self.augment:
            check_choice("augment", name, AUGMENTATIONS, owner="TrainConfig (--augment)")
        if self.loader == "tensor" and self.workers > 0:
            raise ParameterError(
                "--loader tensor keeps the data on the device and uses no worker processes, "
                f"but --workers {self.workers}. Use --loader dataloader (or auto) with --workers > 0."
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

