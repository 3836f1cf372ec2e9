"""``visrec lab <experiment>``: the NumPy engine's lecture experiments, written as PNGs into ``--out``.

=================  ==========================================================================
activations        Lecture 6: 10 layers of 500, small / Xavier / He init, tanh / ReLU
optimizers         Lecture 7: SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam on two 2-D surfaces,
                   and loss per epoch for several learning rates on a small net
babysit            Lecture 6: loss at init (2.30; higher with reg 1e3), overfit 20
                   examples, lr too low / too high
convnet-filters    train a small ConvNet briefly (or read ``--run RUN_DIR``): first-layer filters,
                   loss curve, train/val accuracy
=================  ==========================================================================
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import typer

from visrec.cli.common import done
from visrec.utils.errors import ParameterError

lab_app = typer.Typer(
    help="Lecture experiments of the NumPy engine (PNG figures into --out).", no_args_is_help=True
)
LabOutOpt = typer.Option(None, "--out", help="Folder for the figures and numbers (default runs/lab-<name>-<time>).")
SeedOpt = typer.Option(0, "--seed", help="Random seed (default 0).")


def _out(out: Path | None, name: str) -> Path:
    """``out/<name>`` when --out is given, else a new ``runs/lab-<name>-<time>``."""
    import time

    path = Path(out) / name if out is not None else Path("runs") / f"lab-{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _dump(path: Path, obj) -> None:
    from visrec.utils.atomic import atomic_write_json

    atomic_write_json(path, obj)


@lab_app.command("activations")
def activations(out: Path = LabOutOpt, seed: int = SeedOpt) -> None:
    """Per-layer activation statistics for each init x nonlinearity (the slides' numbers are printed)."""
    from visrec.numpy_nn.experiments import activation_statistics
    from visrec.report.lab import activation_stats_plot

    folder, numbers = _out(out, "activations"), {}
    for init, act, scale in [
        ("small", "tanh", 0.01),
        ("small", "tanh", 1.0),
        ("xavier", "tanh", 0),
        ("xavier", "relu", 0),
        ("he", "relu", 0),
    ]:
        stats = activation_statistics(init, act, weight_scale=scale, seed=seed, keep=True)
        tag = f"{init}{'' if init != 'small' else f'-{scale:g}'}-{act}"
        activation_stats_plot(stats, folder / f"{tag}.png")
        numbers[tag] = {"mean": stats["mean"].round(6).tolist(), "std": stats["std"].round(6).tolist()}
        typer.echo(f"{tag:18s} std per layer: " + " ".join(f"{s:.4f}" for s in stats["std"]))
    _dump(folder / "stats.json", numbers)
    done(folder)


@lab_app.command("optimizers")
def optimizers(out: Path = LabOutOpt, steps: int = typer.Option(150, "--steps"), seed: int = SeedOpt) -> None:
    """Optimizer trajectories on an ill-conditioned quadratic and a Rosenbrock valley; lr sweep."""
    from visrec.numpy_nn.experiments import SURFACES, lr_sweep, trajectories
    from visrec.report.lab import curves_plot, trajectories_plot

    folder, numbers = _out(out, "optimizers"), {}
    for surface in SURFACES:
        trajs = trajectories(surface, steps)
        trajectories_plot(
            trajs,
            SURFACES[surface][0],
            folder / f"trajectories-{surface}.png",
            f"{surface}: {steps} steps from the same start",
        )
        curves_plot(
            {k: v["loss"] for k, v in trajs.items()},
            folder / f"loss-{surface}.png",
            "step",
            "f(x)",
            f"{surface}: value per step",
        )
        numbers[surface] = {k: float(v["loss"][-1]) for k, v in trajs.items()}
    r = np.random.default_rng(seed)
    centers = r.standard_normal((5, 20)) * 1.5
    y = r.integers(0, 5, 1000)
    X = centers[y] + r.standard_normal((1000, 20))
    data = {"X_train": X[:800], "y_train": y[:800], "X_val": X[800:], "y_val": y[800:]}
    sweep = lr_sweep(data, lrs=(1e-4, 1e-2, 1.0, 30.0), epochs=10, seed=seed)
    curves_plot(
        {f"lr {k:g}": v for k, v in sweep.items()},
        folder / "lr-sweep.png",
        "epoch",
        "loss",
        "loss per epoch: low / good / high / very high lr",
    )
    numbers["lr_sweep"] = {f"{k:g}": [float(x) for x in v] for k, v in sweep.items()}
    _dump(folder / "results.json", numbers)
    done(folder)


@lab_app.command("babysit")
def babysit(
    data: str = typer.Option(None, "--data", help="Image dataset (default: synthetic pixel-like rows)."),
    out: Path = LabOutOpt,
    seed: int = SeedOpt,
) -> None:
    """Sanity checks before training: loss at init, with reg 1e3, overfitting 20 examples, lr extremes."""
    from visrec.numpy_nn.experiments import loss_at_init, lr_extremes, overfit_small, synthetic_images
    from visrec.report.lab import curves_plot

    folder = _out(out, "babysit")
    if data:
        from visrec.data.run_data import load_splits

        s = load_splits(data, limit=1000, val_size=200, seed=seed)  # 800 train, then 200 validation rows
        X = np.concatenate([s.train.flat(), s.val.flat()])
        y = np.concatenate([s.train.labels, s.val.labels])
        X -= X.mean(axis=0)  # mean image subtracted, raw pixel scale, as in the slides
    else:
        X, y = synthetic_images(1000, seed=seed)
    numbers = {
        "loss_at_init": loss_at_init(X, y, seed=seed),
        "loss_at_init_reg_1e3": loss_at_init(X, y, reg=1e3),
        "log_num_classes": float(np.log(int(y.max()) + 1)),
    }
    fit = overfit_small(X, y, n=20, epochs=200, seed=seed)
    numbers.update(
        overfit_first_loss=fit["loss"][0],
        overfit_final_loss=fit["final_loss"],
        overfit_final_train_acc=fit["final_train_acc"],
    )
    curves_plot(
        {"cost": fit["loss"]}, folder / "overfit-20-loss.png", "epoch", "loss", "overfitting 20 examples"
    )
    split = {"X_train": X[:800], "y_train": y[:800], "X_val": X[800:], "y_val": y[800:]}
    ext = lr_extremes(split, epochs=3)
    curves_plot(
        {f"lr {v['lr']:g}": v["loss"] for v in ext.values()},
        folder / "lr-extremes.png",
        "iteration",
        "loss",
        "lr 1e-6: barely moves; lr 1e6: NaN",
    )
    numbers["lr_high_diverged"] = ext["high"]["diverged"]
    numbers["lr_low_loss_change"] = float(ext["low"]["loss"][0] - ext["low"]["loss"][-1])
    _dump(folder / "results.json", numbers)
    for k, v in numbers.items():
        typer.echo(f"{k}: {v}")
    done(folder)


@lab_app.command("convnet-filters")
def convnet_filters(
    data: str = typer.Option("digits", "--data", help="Dataset to train on when --run is not given."),
    model: Path = typer.Option(None, "--run", help="An existing NumPy convnet run directory to draw."),
    epochs: int = typer.Option(3, "--epochs"),
    out: Path = LabOutOpt,
    seed: int = SeedOpt,
) -> None:
    """First-layer filters, loss curve and train/val accuracy of a (briefly trained) small ConvNet."""
    from visrec.report import accuracy_curves, filters_grid, loss_curve
    from visrec.runs import load_model

    folder = _out(out, "convnet-filters")
    if model is None:
        from visrec.cli.train_numpy import run

        model = run(
            {
                "model": "convnet",
                "data": data,
                "epochs": epochs,
                "filters": [[16], [32]],
                "hidden": [64],
                "norm": "batch",
                "lr": 3e-3,
                "batch_size": 50,
                "seed": seed,
                "out": folder / "run",
                "filter_size": 5 if data != "digits" else 3,
                "verbose": False,
            }
        )
    arrays, meta = load_model(model)
    w1 = arrays["W1"]
    if w1.ndim != 4:
        raise ParameterError(f"{model} is not a convnet run (its W1 has shape {w1.shape}, not (K, C, F, F)).")
    filters_grid(w1[:64], folder / "filters.png", title="first-layer filters")
    hist = [json.loads(line) for line in (Path(model) / "history.jsonl").read_text().splitlines() if line]
    if hist:
        loss_curve([h.get("train_loss", h.get("loss")) for h in hist], folder / "loss.png", xlabel="epoch")
        accuracy_curves([h["train_acc"] for h in hist], [h["val_acc"] for h in hist], folder / "accuracy.png")
    done(folder)


def register(app: typer.Typer) -> None:
    """Add ``visrec lab`` and its experiments to ``app``."""
    app.add_typer(lab_app, name="lab")
