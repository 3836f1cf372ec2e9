"""One self-contained HTML page for one run, or comparing runs: the library side of `visrec report`.

The page holds, in order: the runs (engine, model, status, accuracy), the settings (all of them for one
run; those that differ for several), the final metrics side by side, the curves of ``history.jsonl`` as
inline SVG (one chart per metric family, every run overlaid), the run's ``plots/*.png``, and, for a run
with a classifier model whose validation split can be rebuilt from its config, a confusion matrix and
sample predictions. Everything is inline (SVG, base64 PNG, CSS): no script, no network, no CDN.
"""

from __future__ import annotations

import base64
import json
import time
from html import escape
from pathlib import Path

import numpy as np

from visrec.report.svg_chart import line_chart
from visrec.runs.catalog import _read, _settings, compare, summarize
from visrec.runs.tensorboard import encode_png

__all__ = ["build_report", "write_report", "CURVE_GROUPS"]

#: metric families drawn on one chart each; other numeric history fields get a chart of their own
CURVE_GROUPS = {"loss": ("train_loss", "val_loss"), "accuracy": ("train_acc", "val_acc"), "learning rate": ("lr",),
                "images per second": ("images_per_s",)}
_NOT_CURVES = {"step", "epoch", "elapsed_s", "epoch_seconds", "partial_epoch"}

_CSS = """body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left}th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts,.plots,.samples{display:flex;flex-wrap:wrap;gap:14px}figure{margin:0}
img.plot{max-width:520px;border:1px solid #eee}.sample{text-align:center;font-size:11px;width:84px}
.sample img{width:72px;height:72px;image-rendering:pixelated;border:3px solid}
.right img{border-color:#00aa00}.wrong img{border-color:#dd0000}.note{color:#666;font-size:12px}
table.confusion td{width:28px;text-align:center}"""


def _cell(v) -> str:
    if isinstance(v, float):
        return f'<td class="num">{v:.4g}</td>'
    if isinstance(v, int) and not isinstance(v, bool):
        return f'<td class="num">{v}</td>'
    text = v if isinstance(v, str) else json.dumps(v, default=str)
    return f"<td>{escape(str(text))}</td>"


def _table(table_id: str, header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _png_tag(data: bytes, cls: str, alt: str) -> str:
    return f'<img class="{cls}" alt="{escape(alt)}" src="data:image/png;base64,{base64.b64encode(data).decode()}">'


def _curves(runs: list[Path], names: list[str]) -> str:
    """One SVG chart per metric family, every run's series overlaid (x: optimiser steps)."""
    histories = [_history(r) for r in runs]
    keys = sorted({k for h in histories for rec in h for k, v in rec.items()
                   if k not in _NOT_CURVES and isinstance(v, int | float) and not isinstance(v, bool)})
    groups = {title: [k for k in ks if k in keys] for title, ks in CURVE_GROUPS.items()}
    grouped = {k for ks in groups.values() for k in ks}
    groups.update({k: [k] for k in keys if k not in grouped})
    charts = []
    for title, metric_keys in groups.items():
        if not metric_keys:
            continue
        series, dashed = {}, set()
        for name, hist in zip(names, histories, strict=True):
            for key in metric_keys:
                pts = [(rec.get("step"), rec.get(key)) for rec in hist if isinstance(rec.get(key), int | float)]
                if pts:
                    label = f"{name} {key}" if len(runs) > 1 else key
                    series[label] = ([p[0] for p in pts], [p[1] for p in pts])
                    if key.startswith("train_"):
                        dashed.add(label)
        if series:
            charts.append(f'<figure class="curve" data-metric="{escape(title)}">'
                          f"{line_chart(series, title, 'step', dashed=dashed)}</figure>")
    if not charts:
        return '<p class="note">No history.jsonl records to draw.</p>'
    return f'<div class="charts">{"".join(charts)}</div>'


def _history(run: Path) -> list[dict]:
    path = run / "history.jsonl"
    rows = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def _plots(run: Path, name: str) -> str:
    files = sorted((run / "plots").glob("*.png")) if (run / "plots").is_dir() else []
    if not files:
        return ""
    tags = "".join(f"<figure>{_png_tag(f.read_bytes(), 'plot', f.name)}<figcaption>{escape(f.name)}"
                   "</figcaption></figure>" for f in files)
    return f'<h3>{escape(name)}: plots</h3><div class="plots">{tags}</div>'


def _validation_predictions(run: Path, samples: int, max_images: int = 5000):
    """(predictor, images, labels, predictions) on the run's rebuilt validation split, or a reason string."""
    from visrec.data.images import resize_images
    from visrec.data.run_data import SPLIT_KEYS, load_splits, match_channels
    from visrec.runs.predictor import load_predictor

    try:
        predictor = load_predictor(run)
    except Exception as exc:  # a run without a model, or of a kind this visrec cannot read
        return f"no classifier model to evaluate ({exc})"
    if not hasattr(predictor, "predict") or not hasattr(predictor, "class_names"):
        return "the run's model is not an image classifier"
    settings = _settings(_read(run / "config.json"))
    options = {k: settings[k] for k in SPLIT_KEYS if k in settings and k != "test_data"}
    try:
        val = load_splits(None, **options).val
    except Exception as exc:  # the data moved or is absent on this machine
        return f"the run's validation data could not be loaded ({exc})"
    h, w, c = (int(v) for v in predictor.input_shape)
    images = match_channels(val.images[:max_images], c)
    if images.shape[1:3] != (h, w):
        images = resize_images(images, (h, w))
    labels = np.asarray(val.labels[:max_images])
    pred = np.concatenate([np.asarray(predictor.predict(images[i:i + 512])) for i in range(0, len(images), 512)])
    return predictor, images, labels, pred


def _predictions_section(run: Path, name: str, samples: int) -> str:
    found = _validation_predictions(run, samples)
    if isinstance(found, str):
        return f'<p class="note">{escape(name)}: no confusion matrix or sample predictions: {escape(found)}.</p>'
    predictor, images, labels, pred = found
    names = [str(n) for n in predictor.class_names]
    K = len(names)
    conf = np.zeros((K, K), dtype=np.int64)
    np.add.at(conf, (labels, pred), 1)
    top = max(int(conf.max()), 1)
    rows = []
    for i in range(K):
        cells = "".join(f'<td style="background:rgba(0,114,178,{conf[i, j] / top:.2f})">{conf[i, j]}</td>'
                        for j in range(K))
        rows.append(f"<tr><th>{escape(names[i])}</th>{cells}</tr>")
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    acc = float(np.mean(pred == labels))
    matrix = (f'<table class="confusion"><thead><tr><th>true \\ predicted</th>{head}</tr></thead>'
              f'<tbody>{"".join(rows)}</tbody></table>')
    cards = []
    for k in range(min(samples, len(images))):
        ok = "right" if pred[k] == labels[k] else "wrong"
        img = _png_tag(encode_png(images[k]), "thumb", f"sample {k}")
        cards.append(f'<figure class="sample {ok}">{img}<figcaption>{escape(names[int(pred[k])])}'
                     f'<br><span class="note">true {escape(names[int(labels[k])])}</span></figcaption></figure>')
    return (f"<h3>{escape(name)}: validation ({len(labels)} images, accuracy {acc:.4f})</h3>{matrix}"
            f'<div class="samples">{"".join(cards)}</div>')


def build_report(runs, samples: int = 16, predictions: bool = True) -> str:
    """The HTML text of the report on ``runs`` (run directories)."""
    runs = [Path(r) for r in runs]
    for r in runs:
        if not (r / "config.json").is_file() and not (r / "metrics.json").is_file():
            raise FileNotFoundError(f"{r} is not a run directory (no config.json or metrics.json); pass the "
                                    "--out folder of a training command.")
    names = [r.name for r in runs]
    if len(set(names)) < len(names):
        names = [str(r) for r in runs]
    title = f"visrec report: {names[0]}" if len(runs) == 1 else f"visrec report: {len(runs)} runs compared"
    parts = [f"<h1>{escape(title)}</h1>",
             f'<p class="note">written {time.strftime("%Y-%m-%d %H:%M:%S")} from {", ".join(map(str, runs))}</p>']
    summary = [summarize(r) for r in runs]
    cols = ["run", "engine", "kind", "model", "status", "val_acc", "test_acc", "created"]
    parts += ["<h2>Runs</h2>", _table("runs", cols, [[n] + [s[c] for c in cols[1:]] for n, s in zip(
        names, summary, strict=True)])]
    if len(runs) == 1:
        settings = _settings(_read(runs[0] / "config.json"))
        parts += ["<h2>Settings</h2>", _table("config", ["setting", "value"], sorted(
            [k, v] for k, v in settings.items()))]
        metrics = {k: [v] for k, v in _read(runs[0] / "metrics.json").items()}
    else:
        diff = compare(runs)
        parts += ["<h2>Settings that differ</h2>",
                  _table("config-diff", ["setting", *names], [[k, *v] for k, v in diff["settings"].items()])
                  if diff["settings"] else '<p id="config-diff">The runs have the same settings.</p>']
        all_metrics = [_read(r / "metrics.json") for r in runs]
        keys = sorted(set().union(*all_metrics))
        metrics = {k: [m.get(k) for m in all_metrics] for k in keys}
    rows = [[k, *vals] for k, vals in metrics.items() if not all(isinstance(v, dict | list) for v in vals)]
    parts += ["<h2>Metrics</h2>", _table("metrics", ["metric", *names], rows)]
    parts += ["<h2>Curves</h2>", _curves(runs, names)]
    figures = "".join(_plots(r, n) for r, n in zip(runs, names, strict=True))
    if figures:
        parts += ["<h2>Plots</h2>", figures]
    if predictions:
        parts += ["<h2>Confusion matrix and sample predictions</h2>",
                  *(_predictions_section(r, n, samples) for r, n in zip(runs, names, strict=True))]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<style>{_CSS}</style></head><body>{"".join(parts)}</body></html>\n')


def write_report(runs, out: str | Path | None = None, samples: int = 16, predictions: bool = True) -> Path:
    """Write the report: to ``out``, else ``RUN/report.html`` for one run, ``runs-report.html`` for several."""
    runs = [Path(r) for r in runs]
    if not runs:
        from visrec.utils.errors import ParameterError

        raise ParameterError("visrec report needs at least one run directory.")
    path = Path(out) if out else (runs[0] / "report.html" if len(runs) == 1 else Path("runs-report.html"))
    text = build_report(runs, samples=samples, predictions=predictions)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
