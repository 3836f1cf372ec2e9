"""`visrec train`: train a network with the torch trainer (default) or the NumPy engine.

    visrec train --data digits --model tiny_cnn --epochs 5 --out runs/tiny
    visrec train --data ../shared/data/cifar10-jpeg/train --model resnet20 --augment flip,crop
    visrec train --resume runs/tiny --epochs 10          # continue exactly where it stopped
    visrec train --engine numpy --model fc --hidden 100,100 --data digits
    torchrun --nproc-per-node 2 -m visrec.cli.main train ...   # DistributedDataParallel, same options

Options left out keep the value of ``--config FILE`` (JSON), then the defaults of
:class:`visrec.torch_nn.train_config.TrainConfig`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.cli.common import (
    ConfigOpt,
    DataOpt,
    DeviceOpt,
    EpochsOpt,
    EvalEveryOpt,
    GradClipOpt,
    LimitOpt,
    LrOpt,
    LrScheduleOpt,
    MaxMinutesOpt,
    MomentumOpt,
    OutOpt,
    OverwriteOpt,
    PatienceOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    SkipBadOpt,
    TensorboardOpt,
    TestDataOpt,
    ThreadsOpt,
    ValFracOpt,
    ValSizeOpt,
    WarmupOpt,
    config_from_cli,
    done,
    parse_int_list,
    parse_json_object,
)
from visrec.utils.errors import ParameterError

ENGINES = ("torch", "numpy")
NUMPY_MODELS = ("twolayer", "fc", "threelayer_convnet", "convnet3", "convnet")


def _split_names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def build_options(**opts) -> dict:
    """CLI values -> TrainConfig keys (only those given on the command line)."""
    out = {k: v for k, v in opts.items() if v is not None}
    if "hidden" in out:
        out["hidden"] = parse_int_list(out["hidden"], "hidden")
    if "augment" in out:
        out["augment"] = _split_names(out["augment"])
    for key in ("out", "resume", "init_from", "config"):
        if key in out:
            out[key] = str(out[key])
    return out


def run_torch(options: dict, config: str | None) -> Path:
    from visrec.torch_nn.train_config import TrainConfig
    from visrec.torch_nn.trainer import train

    return train(config_from_cli(TrainConfig, config, **options))


def engine_of(resume: str | None, engine: str | None) -> str:
    """The engine of ``--resume RUN`` is the one that wrote it (``--engine`` need not be repeated)."""
    if not resume:
        return engine or "torch"
    from visrec.runs import RunDir

    run = RunDir.for_resume(resume)
    recorded = None
    if (run.path / "config.json").is_file():
        record = run.read_config()
        recorded = record.get("engine") or ("numpy" if "train" in record else None)
    if recorded == "numpy_nn":
        recorded = "numpy"
    if engine and recorded and engine != recorded:
        raise ParameterError(f"--resume {resume} is a {recorded} run; drop --engine {engine} (or pass {recorded}).")
    return recorded or engine or "torch"


def run_numpy(options: dict, config: str | None) -> Path:
    """The NumPy engine: :func:`visrec.numpy_nn.train.train`, then the run's figures."""
    from visrec.cli.train_numpy import run_config
    from visrec.numpy_nn.config import NumpyTrainConfig

    if options.get("model") is not None and options["model"] not in NUMPY_MODELS:
        raise ParameterError(f"--engine numpy trains one of {NUMPY_MODELS}; got --model {options['model']!r}.")
    return run_config(config_from_cli(NumpyTrainConfig, config, **options))


def register(app: typer.Typer) -> None:
    """Add ``train`` to ``app``."""

    @app.command("train")
    def train_cmd(
        engine: str = typer.Option(None, "--engine", help="torch (default) | numpy; --resume reads it from the run."),
        model: str = typer.Option(
            None, "--model", help="Registry name (torch) or twolayer|fc|threelayer_convnet|convnet (numpy)."
        ),
        model_kwargs: str = typer.Option(
            None,
            "--model-kwargs",
            help='Model builder options as JSON, e.g. \'{"widths": [32, 64, 128]}\' (torch engine).',
        ),
        data: str = DataOpt,
        test_data: str = TestDataOpt,
        val_fraction: float = ValFracOpt,
        val_size: int = ValSizeOpt,
        out: Path = OutOpt,
        seed: int = SeedOpt,
        epochs: int = EpochsOpt,
        batch_size: int = typer.Option(
            None, "--batch-size", help="Minibatch size (per process under torchrun)."
        ),
        lr: float = LrOpt,
        optimizer: str = typer.Option(None, "--optimizer", help="sgd | momentum | nesterov | adam | adamw."),
        momentum: float = MomentumOpt,
        weight_decay: float = typer.Option(
            None, "--weight-decay", help="L2 weight decay (not on norms/biases)."
        ),
        lr_schedule: str = LrScheduleOpt,
        warmup_epochs: float = WarmupOpt,
        label_smoothing: float = typer.Option(None, "--label-smoothing", help="e.g. 0.1."),
        hidden: str = typer.Option(
            None, "--hidden", help="Hidden sizes, e.g. 100,100 (fully connected nets)."
        ),
        dropout: float = typer.Option(
            None,
            "--dropout",
            help="Probability of dropping a unit (both engines; the NumPy engine keeps 1 - p, Lecture 7).",
        ),
        norm: str = typer.Option(
            None, "--norm", help="Normalization (models that take one), e.g. batchnorm."
        ),
        augment: str = typer.Option(
            None, "--augment",
            help="Comma list: flip,altflip,crop,jitter,pca,affine,cutout (altflip: each image mirrored in every "
            "other epoch)."
        ),
        amp: bool = typer.Option(None, "--amp/--no-amp", help="Mixed precision (fp16 CUDA, bf16 CPU)."),
        compile: bool = typer.Option(None, "--compile/--no-compile", help="torch.compile the model."),
        ema: float = typer.Option(None, "--ema", help="EMA decay of the weights, e.g. 0.999 (0 = off)."),
        crop_mode: str = typer.Option(
            None, "--crop-mode", help="Padding of --augment crop: zeros (black border) or reflect (airbench)."
        ),
        lookahead: int = typer.Option(
            None, "--lookahead", help="Every K steps pull the weights back to a slow average (airbench: 5; 0 = off)."
        ),
        norm_lr_scale: float = typer.Option(
            None, "--norm-lr-scale", help="Learning-rate multiple of normalization layers' parameters (airbench: 64)."
        ),
        whiten_bias_epochs: int = typer.Option(
            None,
            "--whiten-bias-epochs",
            help="fast_cifar: train the whitening stem's bias in the first N epochs only (airbench: 3; 0 = always).",
        ),
        channels_last: bool = typer.Option(None, "--channels-last/--no-channels-last", help="NHWC memory."),
        workers: int = typer.Option(
            None, "--workers", help="DataLoader worker processes (0: on-device batches)."
        ),
        device: str = DeviceOpt,
        patience: int = PatienceOpt,
        tta: bool = typer.Option(None, "--tta/--no-tta", help="Flip test-time augmentation at test/predict."),
        max_minutes: float = MaxMinutesOpt,
        overfit: int = typer.Option(None, "--overfit", help="Train (and validate) on N examples only."),
        resume: Path = ResumeOpt,
        init_from: Path = typer.Option(None, "--init-from", help="Run directory or weights to start from."),
        finetune: str = typer.Option(None, "--finetune", help="all | last | head (with --init-from)."),
        config: Path = ConfigOpt,
        limit: int = LimitOpt,
        skip_bad: bool = SkipBadOpt,
        overwrite: bool = OverwriteOpt,
        grad_clip: float = GradClipOpt,
        threads: int = ThreadsOpt,
        progress: bool = ProgressOpt,
        tensorboard: bool = TensorboardOpt,
        eval_every: int = EvalEveryOpt,
        tta_translate: int = typer.Option(
            None, "--tta-translate", help="With --tta: also views shifted by +-N pixels (0 = flips only)."
        ),
        budget_includes_eval: bool = typer.Option(
            None, "--eval-in-budget/--eval-outside-budget",
            help="Whether --max-minutes also covers evaluation (default: yes, the whole run).",
        ),
    ) -> None:
        """Train a classifier and write a run directory (config, history, checkpoints, model, plots).

        The torch engine (default) trains any registered model (visrec summary --list) on a CPU, a GPU or
        under torchrun; --engine numpy trains the from-scratch NumPy networks. Options left out keep the
        value of --config FILE, then the defaults (TrainConfig; docs/torch_training.md lists them all):
        epochs 10, batch 128, lr 0.01, momentum SGD, weight decay 5e-4, cosine schedule, val fraction 0.2.
        Ctrl-C stops after the current step, keeps the best epoch as the model and prints how to resume.

        Example: visrec train --model tiny_cnn --epochs 5 --out runs/tiny

        Example: visrec train --data ../shared/data/cifar10-jpeg/train --model resnet20 --augment flip,crop

        Example: visrec train --resume runs/tiny --epochs 10

        Example: visrec train --engine numpy --model fc --hidden 100,100 --norm batch --dropout 0.5
        """
        from visrec.utils.validation import check_choice

        engine = engine_of(str(resume) if resume else None, engine)
        check_choice("engine", engine, ENGINES, owner="--engine")
        options = build_options(
            model=model,
            model_kwargs=None if model_kwargs is None else parse_json_object(model_kwargs, "model-kwargs"),
            data=data,
            test_data=test_data,
            val_fraction=val_fraction,
            val_size=val_size,
            out=out,
            seed=seed,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            momentum=momentum,
            weight_decay=weight_decay,
            lr_schedule=lr_schedule,
            warmup_epochs=warmup_epochs,
            label_smoothing=label_smoothing,
            hidden=hidden,
            dropout=dropout,
            norm=norm,
            augment=augment,
            amp=amp,
            compile=compile,
            ema=ema,
            lookahead=lookahead,
            crop_mode=crop_mode,
            norm_lr_scale=norm_lr_scale,
            whiten_bias_epochs=whiten_bias_epochs,
            channels_last=channels_last,
            workers=workers,
            device=device,
            patience=patience,
            tta=tta,
            max_minutes=max_minutes,
            overfit=overfit,
            resume=resume,
            init_from=init_from,
            finetune=finetune,
            limit=limit,
            skip_bad=skip_bad,
            overwrite=overwrite,
            grad_clip=grad_clip,
            threads=threads,
            progress=progress,
            tensorboard=tensorboard,
            eval_every=eval_every,
            tta_translate=tta_translate,
            budget_includes_eval=budget_includes_eval,
        )
        cfg_file = str(config) if config is not None else None
        path = run_torch(options, cfg_file) if engine == "torch" else run_numpy(options, cfg_file)
        done(Path(path))
