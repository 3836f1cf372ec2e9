"""What a search writes: results.json (every trial, the best once, edge warnings, stage ranges), results.csv,
metrics.json and the scatter plot."""

from __future__ import annotations

import csv

from visrec.utils.atomic import atomic_write_json


def write_results(run, result) -> None:
    from visrec.report.search import scatter_plot

    trials = result.sorted()
    best = result.best if trials else None
    atomic_write_json(run.path / "results.json", {"best": best, "trials": trials,
                                                  "edge_warnings": result.edge_warnings, "stages": result.stages})
    keys = sorted({k for t in trials for k in t})
    with open(run.path / "results.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=keys)
        writer.writeheader()
        writer.writerows(trials)
    run.write_metrics({"status": "completed", "trials": len(trials),
                       **({"best_val_acc": best["val_acc"], "best_lr": best["lr"], "best_reg": best["reg"],
                           "best_trial": best["trial"], "best_stage": best["stage"]} if best else {})})
    scatter_plot(trials, run.plots / "search_scatter.png")
