"""``visrec search``: hyperparameter search of Lecture 6 on Optuna, from local processes to many machines.

Writes a run directory with ``results.json``, ``results.csv``, ``config.json``, ``history.jsonl`` (one
record per trial) and ``plots/search_scatter.png``; prints the sorted results table and warns when the
best value sits at the edge of its range. The work is done by :mod:`visrec.search`.
"""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.cli.common import (
    ConfigOpt,
    DataOpt,
    LimitOpt,
    OutOpt,
    OverwriteOpt,
    SeedOpt,
    SkipBadOpt,
    ValFracOpt,
    config_from_cli,
    done,
    echo_table,
    parse_float_list,
    parse_int_list,
)


def _pair(text, name):
    return None if text is None else parse_float_list(text, name)


def search(
    data: str = DataOpt,
    model: str = typer.Option(None, "--model", help="NumPy-engine net: twolayer (default) | fc."),
    hidden: str = typer.Option(None, "--hidden", help="Hidden widths, e.g. 100 or 100,100 (default 100)."),
    trials: int = typer.Option(None, "--trials", help="Trials per stage (default 10)."),
    stages: int = typer.Option(None, "--stages", help="Coarse-to-fine stages (default 2; 1 = one search)."),
    jobs: int = typer.Option(None, "--jobs", help="Local worker processes (default 1)."),
    epochs: int = typer.Option(None, "--epochs", help="Epochs per trial (default 5: a coarse search)."),
    batch_size: int = typer.Option(None, "--batch-size", help="Minibatch size (default 100)."),
    optimizer: str = typer.Option(None, "--optimizer", help="NumPy update rule (default adam)."),
    lr_range: str = typer.Option(None, "--lr-range", help="log10 range of the learning rate (default -5,-1)."),
    reg_range: str = typer.Option(None, "--reg-range", help="log10 range of the L2 strength (default -6,-1)."),
    sampler: str = typer.Option(None, "--sampler", help="random (default, the lecture's) | tpe."),
    pruner: str = typer.Option(None, "--pruner", help="median (default) | asha | none."),
    storage: str = typer.Option(
        None, "--storage", help="Optuna storage URL shared by workers: sqlite:///search.db, postgresql://..."
    ),
    study: str = typer.Option(None, "--study", help="Study name in --storage (workers with the same one share it)."),
    limit: int = LimitOpt,
    val_fraction: float = ValFracOpt,
    skip_bad: bool = SkipBadOpt,
    out: Path = OutOpt,
    overwrite: bool = OverwriteOpt,
    seed: int = SeedOpt,
    config: Path = ConfigOpt,
) -> None:
    """Search lr and reg in log space, coarse to fine, with pruning; trials in processes or across machines.

    Every trial trains a NumPy-engine net for a few epochs and reports its validation accuracy per epoch;
    the median rule (or ASHA) prunes hopeless trials and a loss that explodes past 3x its start breaks a
    trial off. Start the same command with --storage URL --study NAME on several machines to share one study.

    Example: visrec search --trials 12 --stages 2 --jobs 2

    Example: visrec search --storage sqlite:///search.db --study digits-lr --trials 20
    """
    from visrec.search import SearchConfig, run_search

    cfg = config_from_cli(
        SearchConfig, config, data=data, model=model,
        hidden=None if hidden is None else parse_int_list(hidden, "hidden"), trials=trials, stages=stages,
        jobs=jobs, epochs=epochs, batch_size=batch_size, optimizer=optimizer, lr_range=_pair(lr_range, "lr-range"),
        reg_range=_pair(reg_range, "reg-range"), sampler=sampler, pruner=pruner, storage=storage, study=study,
        limit=limit, val_fraction=val_fraction, skip_bad=skip_bad, out=out, overwrite=overwrite, seed=seed,
    )
    run, result = run_search(cfg)
    rows = [[t["stage"], t["trial"], f"{t['lr']:.3e}", f"{t['reg']:.3e}", t["val_acc"], t["state"]]
            for t in result.sorted()]
    title = f"{'random' if cfg.sampler == 'random' else 'TPE'} search (best first)"
    echo_table(title, ["stage", "trial", "lr", "reg", "val acc", "state"], rows)
    if result.trials:
        b = result.best
        typer.echo(f"best: stage {b['stage']} trial {b['trial']}: lr {b['lr']:.3g}, reg {b['reg']:.3g}, "
                   f"val acc {b['val_acc']:.4f}")
    for msg in result.edge_warnings:
        typer.secho(f"warning: {msg}", fg="yellow")
    done(run.path)


def register(app: typer.Typer) -> None:
    """Add ``visrec search`` to ``app``."""
    app.command("search")(search)
