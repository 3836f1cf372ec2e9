"""``NumpyTrainConfig``: the settings of a NumPy-engine training run, in the shared vocabulary.

It is a :class:`visrec.runs.TrainRunConfig` (``data``, ``seed``, ``out``, ``resume``, ``epochs``, ``lr``,
``optimizer``, ``weight_decay``, ``lr_schedule``, ``grad_clip``, ``max_minutes``, ...) plus the NumPy
models' own options. ``weight_decay`` is the L2 strength ``reg`` of Lectures 3-7 (the loss adds
``0.5 * reg * sum W^2``); ``dropout`` is the probability of DROPPING a unit, as for the torch engine (the
models take the keep probability ``p = 1 - dropout`` of Lecture 7).

Old spellings are accepted for one release with a FutureWarning naming the new one: ``num_epochs``
(epochs), ``reg`` (weight_decay), ``minutes`` (max_minutes), ``clip_norm`` (grad_clip), schedules
``none`` / ``exp`` (constant / exponential). ``--norm`` takes batch / layer and torch's batchnorm /
layernorm.

>>> cfg = NumpyTrainConfig.from_dict({"model": "fc", "hidden": [64], "epochs": 2})
>>> cfg.kind, cfg.engine, cfg.batch_size
('numpy_nn', 'numpy', 100)
>>> NumpyTrainConfig(lr=0.0)
Traceback (most recent call last):
...
visrec.utils.errors.ParameterError: The 'lr' parameter of NumpyTrainConfig (--lr) must be ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from visrec.numpy_nn.layers.modules import ACTIVATION_LAYERS
from visrec.numpy_nn.models import MODELS
from visrec.numpy_nn.schedules import SCHEDULES
from visrec.runs.config import TrainRunConfig, flag
from visrec.utils.errors import ParameterError
from visrec.utils.validation import check_choice

__all__ = ["NumpyTrainConfig", "RESUMABLE", "from_legacy"]

#: settings a resumed run takes from the command line; everything else comes from the run's config.json
RESUMABLE = ("epochs", "max_minutes", "patience", "progress")
_SCHEDULE_NAMES = {"none": "constant", "exp": "exponential"}
_NORM_NAMES = {"none": None, "batchnorm": "batch", "bn": "batch", "layernorm": "layer", "ln": "layer"}


@dataclass
class NumpyTrainConfig(TrainRunConfig):
    """A ``visrec train --engine numpy`` run. Fields beyond :class:`TrainRunConfig`:

    model : twolayer | fc | threelayer_convnet (alias convnet3) | convnet
    hidden : hidden widths (twolayer: [H]; fc: hidden_dims, default [100, 100]; convnets: FC widths)
    dropout : probability of dropping a unit after each hidden affine (None: no dropout)
    norm : None | "batch" | "layer" (convnet: "batch" is spatial batch norm after each conv)
    activation : relu | leaky_relu | tanh | sigmoid | elu (fc)
    init : he | xavier | small (None: the model's default)
    filters : convnet blocks, e.g. [[32, 32], [64]]; threelayer_convnet: [K]
    filter_size : F (None: 3 for convnet, 7 for threelayer_convnet); weight_scale : std for init "small"
    center, scale : input preprocessing (image | channel | none; std | 255 | none), fitted on training data
    dtype : float32 | float64; ema : Polyak decay of the weights for evaluation (0: off)
    num_train_samples : training images sampled for the per-epoch train accuracy
    lr_schedule : constant | step | exponential | inverse_time | cosine, with options as
        "step:step_size=5,gamma=0.5"; ``warmup_epochs`` adds a linear warm-up
    """

    kind: ClassVar[str] = "numpy_nn"
    engine: ClassVar[str] = "numpy"
    key_aliases: ClassVar[dict[str, str]] = {**TrainRunConfig.key_aliases, "reg": "weight_decay"}

    model: str = "twolayer"
    hidden: list | None = None
    dropout: float | None = None
    norm: str | None = None
    activation: str = "relu"
    init: str | None = None
    filters: list | None = None
    filter_size: int | None = None
    weight_scale: float | None = None
    center: str = "image"
    scale: str = "std"
    dtype: str = "float32"
    ema: float = 0.0
    num_train_samples: int = 1000
    batch_size: int = 100

    def check(self, kind: str, name: str, **kw):
        if name == "lr_schedule":  # the NumPy schedules and their "name:key=value,..." options
            return self._check_schedule()
        return super().check(kind, name, **kw)

    def _check_schedule(self) -> str:
        head, sep, rest = str(self.lr_schedule).partition(":")
        head = _SCHEDULE_NAMES.get(head.strip(), head.strip())
        self.lr_schedule = head + sep + rest
        check_choice("lr_schedule", head, sorted(SCHEDULES), owner=f"{type(self).__name__} (--lr-schedule)")
        return self.lr_schedule

    def validate(self) -> None:
        if isinstance(self.norm, str):  # torch's spellings are this engine's too
            self.norm = _NORM_NAMES.get(self.norm.lower(), self.norm)
        super().validate()
        owner = f"{type(self).__name__}"
        if self.model not in MODELS:
            raise ParameterError(
                f"--model {self.model!r} is not a NumPy model; choose one of {sorted(MODELS)} "
                "(torch models train with --engine torch)."
            )
        check_choice("norm", self.norm, [None, "batch", "layer"], owner=f"{owner} (--norm)")
        check_choice(
            "activation", self.activation, sorted(ACTIVATION_LAYERS), owner=f"{owner} (--activation)"
        )
        if self.init is not None:
            check_choice("init", self.init, ["he", "xavier", "small"], owner=f"{owner} (--init)")
        check_choice("center", self.center, ["image", "channel", "none"], owner=f"{owner} (--center)")
        check_choice("scale", self.scale, ["std", "255", "none"], owner=f"{owner} (--scale)")
        check_choice("dtype", self.dtype, ["float32", "float64"], owner=f"{owner} (--dtype)")
        if self.dropout is not None:
            self.check("float", "dropout", low=0.0, high=1.0, closed="left")
        self.check("float", "ema", low=0.0, high=1.0, closed="left")
        self.check("int", "num_train_samples", low=1)
        if self.filter_size is not None:
            self.check("int", "filter_size", low=1)
        if self.weight_scale is not None:
            self.check("float", "weight_scale", low=0.0, closed="neither")
        for name, value in (("hidden", self.hidden), ("filters", self.filters)):
            if value is not None and not value:
                raise ParameterError(f"{flag(name)} needs at least one width; got an empty list.")
        self._check_engine_limits()

    def _check_engine_limits(self) -> None:
        """Shared settings this engine cannot honour are refused, not ignored."""
        if self.device not in ("auto", "cpu"):
            raise ParameterError(
                f"--device {self.device}: the NumPy engine runs on the CPU only. Drop --device or use "
                "--engine torch."
            )
        if self.eval_every != 1:
            raise ParameterError("--eval-every: the NumPy engine evaluates after every epoch; drop the flag.")
        if self.threads:
            raise ParameterError(
                "--threads: the NumPy engine uses NumPy's BLAS threads; set OMP_NUM_THREADS instead."
            )
        if self.tensorboard:
            raise ParameterError(
                "--tensorboard is not written by the NumPy engine; see history.jsonl instead."
            )

    @property
    def dropout_keep(self) -> float | None:
        """The keep probability p of the models' inverted dropout (None: no dropout)."""
        return None if not self.dropout else round(1.0 - self.dropout, 12)


_TORCH_ONLY = frozenset(
    {
        "augment",
        "amp",
        "compile",
        "channels_last",
        "workers",
        "tta",
        "init_from",
        "finetune",
        "label_smoothing",
    }
)


def from_legacy(values: dict, warn: bool = True) -> NumpyTrainConfig:
    """A config from release 0.1's settings dict (``cli.train_numpy.run(cfg)``, an old config.json).

    There, None meant "the default", ``resume`` was True with the run in ``out`` (or a run path),
    ``dropout`` was the KEEP probability, ``verbose`` the epoch lines, ``ema`` 0 off, ``sgd`` with a
    momentum meant ``momentum``, and torch-only keys were ignored. ``warn=False`` reads the old spellings
    silently (an old run's own config.json, on resume).
    """
    import warnings
    from pathlib import Path

    v = {k: x for k, x in values.items() if x is not None and k not in _TORCH_ONLY}
    for key in ("data", "test_data", "out", "resume"):
        if isinstance(v.get(key), Path):
            v[key] = str(v[key])
    resume = v.pop("resume", None)
    if resume is True or resume == "True":
        out = v.get("out")
        if not out or not (Path(out) / "checkpoints" / "last.json").is_file():
            raise ParameterError(
                f"--resume needs --out pointing at a run with checkpoints/last.safetensors; got {out!r}."
            )
        v["resume"] = str(out)
    elif resume not in (False, "", "False", None):
        v["resume"] = str(resume)
    if "verbose" in v:
        v["progress"] = bool(v.pop("verbose"))
    if "dropout" in v:
        v["dropout"] = round(1.0 - float(v["dropout"]), 12)  # keep -> drop probability
    if v.get("ema") == 0:
        v.pop("ema")
    if v.get("optimizer") == "sgd" and (v.get("momentum") or 0) > 0:
        v["optimizer"] = "momentum"
    if "limit_per_class" in v:
        raise ParameterError(
            "limit_per_class is gone; --limit N keeps N images in total, with the class proportions kept."
        )
    with warnings.catch_warnings():
        if not warn:
            warnings.simplefilter("ignore", FutureWarning)
        return NumpyTrainConfig.from_dict(v)
