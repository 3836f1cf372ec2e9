"""``visrec search``: coarse-to-fine random search over lr and reg for a NumPy-engine net (Lecture 6).

Writes a run directory with ``results.json``, ``results.csv``, ``config.json`` and
``plots/search_scatter.png`` (val accuracy over lr and reg, log axes, colour = accuracy), prints the
sorted results table and warns when the best value sits at the edge of its range.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import typer

from visrec.cli.common import DataOpt, OutOpt, SeedOpt, ValFracOpt, done, echo_table, parse_float_list


def _range(text: str, name: str) -> tuple[float, float]:
    lo, hi = (parse_float_list(text, name) + [None])[:2]
    if hi is None or lo >= hi:
        raise ValueError(f"--{name} expects two exponents 'lo,hi' with lo < hi (e.g. -6,-3); got {text!r}.")
    return lo, hi


def scatter_plot(trials: list[dict], path: Path) -> Path:
    """Val accuracy as colour over (lr, reg), both on log axes; aborted trials drawn as grey crosses."""
    from visrec.report._figure import new_figure, save_png

    fig = new_figure(6, 4.5)
    ax = fig.add_subplot()
    ok = [t for t in trials if not t["aborted"] and np.isfinite(t["val_acc"])]
    bad = [t for t in trials if t not in ok]
    if ok:
        sc = ax.scatter(
            [t["lr"] for t in ok],
            [t["reg"] for t in ok],
            c=[t["val_acc"] for t in ok],
            cmap="viridis",
            s=40,
            edgecolors="k",
            linewidths=0.3,
        )
        fig.colorbar(sc, ax=ax, label="validation accuracy")
        best = max(ok, key=lambda t: t["val_acc"])
        ax.scatter([best["lr"]], [best["reg"]], marker="*", s=250, c="red", label="best")
    if bad:
        ax.scatter([t["lr"] for t in bad], [t["reg"] for t in bad], marker="x", c="grey", label="aborted")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("regularization strength")
    ax.set_title("random search (colour = val accuracy)")
    ax.legend(loc="best")
    return save_png(fig, path)


def search(
    data: str = DataOpt,
    model: str = typer.Option("twolayer", "--model", help="twolayer | fc"),
    hidden: str = typer.Option("50", "--hidden", help="Hidden widths, e.g. 100 or 100,100."),
    trials: int = typer.Option(10, "--trials", help="Trials per stage."),
    stages: int = typer.Option(2, "--stages", help="Coarse-to-fine stages (1 = one random search)."),
    jobs: int = typer.Option(1, "--jobs", help="Worker processes."),
    epochs: int = typer.Option(2, "--epochs", help="Epochs per trial (few: it is a coarse search)."),
    batch_size: int = typer.Option(100, "--batch-size"),
    optimizer: str = typer.Option("sgd", "--optimizer"),
    lr_range: str = typer.Option("-6,-3", "--lr-range", help="log10 range of the learning rate."),
    reg_range: str = typer.Option("-5,5", "--reg-range", help="log10 range of the L2 strength."),
    limit: int = typer.Option(None, "--limit", help="Use only this many training examples (speed)."),
    val_fraction: float = ValFracOpt,
    out: Path = OutOpt,
    seed: int = SeedOpt,
) -> None:
    """Random search in log space for lr and reg, coarse to fine, trials in parallel processes."""
    from visrec.cli.common import parse_int_list
    from visrec.data.load import load_dataset
    from visrec.data.splits import split_dataset
    from visrec.numpy_nn.persist import InputTransform
    from visrec.numpy_nn.search import Param, random_search
    from visrec.runs import RunDir

    if model not in ("twolayer", "fc"):
        raise ValueError(f"--model must be 'twolayer' or 'fc' for visrec search; got {model!r}.")
    space = {"lr": Param(*_range(lr_range, "lr-range")), "reg": Param(*_range(reg_range, "reg-range"))}
    train, val, _ = split_dataset(load_dataset(data), val_fraction, seed=seed)
    if limit:
        train = train.subset(np.arange(min(limit, len(train))))
    tf = InputTransform("image", "std", "flat").fit(train.images)
    arrays = {
        "X_train": tf.transform(train.images),
        "y_train": train.labels,
        "X_val": tf.transform(val.images),
        "y_val": val.labels,
    }
    widths = parse_int_list(hidden, "hidden")
    base = {
        "name": model,
        "input_dim": arrays["X_train"].shape[1],
        "num_classes": train.num_classes,
        "dtype": "float32",
    }
    base.update(
        {"hidden_dim": widths[0], "weight_scale": 1e-3} if model == "twolayer" else {"hidden_dims": widths}
    )
    run = RunDir.create(out, "search")
    cfg = {
        "data": data,
        "model": base,
        "trials": trials,
        "stages": stages,
        "jobs": jobs,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "lr_range": lr_range,
        "reg_range": reg_range,
        "seed": seed,
        "limit": limit,
    }
    run.write_config(cfg)
    solver = {"num_epochs": epochs, "batch_size": batch_size, "optimizer": optimizer}
    result = random_search(
        arrays, base, space, solver, trials, stages, jobs=jobs, seed=seed, on_trial=lambda t: run.append_history({"step": len(run.history()) + 1, **t})
    )
    write_results(run, result)
    rows = [
        [
            t["stage"],
            f"{t['lr']:.3e}",
            f"{t['reg']:.3e}",
            t["val_acc"],
            t["train_acc"],
            "yes" if t["aborted"] else "",
        ]
        for t in result.sorted()
    ]
    echo_table("random search (best first)", ["stage", "lr", "reg", "val acc", "train acc", "aborted"], rows)
    for msg in result.edge_warnings:
        typer.secho(f"warning: {msg}", fg="yellow")
    done(run.path)


def write_results(run, result) -> None:
    """results.json (all trials, best, edge warnings, stage ranges), results.csv and the scatter plot."""
    from visrec.utils.atomic import atomic_write_json

    trials = result.sorted()
    atomic_write_json(
        run.path / "results.json",
        {
            "best": result.best,
            "trials": trials,
            "edge_warnings": result.edge_warnings,
            "stages": result.stages,
        },
    )
    keys = sorted({k for t in trials for k in t})
    with open(run.path / "results.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(trials)
    run.write_metrics(
        {
            "best_val_acc": result.best["val_acc"],
            "best_lr": result.best["lr"],
            "best_reg": result.best["reg"],
            "trials": len(trials),
        }
    )
    scatter_plot(trials, run.plots / "search_scatter.png")


def register(app: typer.Typer) -> None:
    """Add ``visrec search`` to ``app``."""
    app.command("search")(search)
