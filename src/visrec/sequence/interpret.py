"""Interpretable cells (Lecture 10, L15431-15548; Karpathy, Johnson & Fei-Fei 2015): hidden units of a
character model whose activation tracks a property of the text.

The model reads a text one character at a time; for every unit we take its cell state (LSTM) or hidden
state (GRU / RNN) after each character and correlate it (Pearson r) with simple features of that
position: inside a quoted string, indentation depth of the line, position in the line, inside a ``#``
comment. The unit with the largest |r| for each feature is drawn as the lecture's figure: the text, each
character on a background coloured by the unit's standardized activation (signed so that red means "the
feature is on", blue "off"; tanh-squashed), as HTML and as PNG.

>>> f = text_features('x = "a" # c\\n    y')
>>> f["inside_quotes"][4:8].tolist(), f["inside_comment"][8:11].tolist(), float(f["indentation"][-1])
([0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0], 1.0)
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import torch

from visrec.sequence.charrnn import CharModel

__all__ = ["text_features", "unit_activations", "best_units", "cell_html", "cell_png", "find_cells"]

FEATURES = ("inside_quotes", "indentation", "line_position", "inside_comment")


def text_features(text: str) -> dict[str, np.ndarray]:
    """Per character: inside a quote, indentation depth (4 spaces = 1), column, inside a comment."""
    n = len(text)
    f = {k: np.zeros(n) for k in FEATURES}
    quote = None
    comment = False
    col, indent, leading = 0, 0, True
    for t, ch in enumerate(text):
        if ch == "\n":
            quote, comment, col, indent, leading = None, False, 0, 0, True
        else:
            if leading and ch == " ":
                indent += 1
            elif leading:
                leading = False
            if quote is not None:
                if ch == quote:
                    quote = None
            elif not comment and ch in "\"'":
                quote = ch
            elif not comment and ch == "#":
                comment = True
            col += 1
        f["inside_quotes"][t] = float(quote is not None and ch != quote)
        f["inside_comment"][t] = float(comment)
        f["indentation"][t] = indent / 4
        f["line_position"][t] = col
    # a closing quote character itself is still part of the string
    for t, ch in enumerate(text):
        if ch in "\"'" and t > 0 and f["inside_quotes"][t - 1] and not f["inside_quotes"][t]:
            f["inside_quotes"][t] = 1.0
    return f


@torch.no_grad()
def unit_activations(model: CharModel, text: str) -> np.ndarray:
    """Activations (len(text), H) of the top layer's units after each character (cell state for an LSTM)."""
    ids = torch.as_tensor(model.vocab.encode(text, what="the text to interpret"))[None]
    h, c, _ = model.model.hidden_states(ids)
    return (c if c is not None else h)[0].numpy()


def best_units(acts: np.ndarray, features: dict[str, np.ndarray]) -> dict[str, dict]:
    """For each feature the unit with the largest |Pearson r| (and r)."""
    a = (acts - acts.mean(0)) / (acts.std(0) + 1e-12)
    out = {}
    for name, f in features.items():
        if f.std() == 0:
            continue
        z = (f - f.mean()) / f.std()
        r = a.T @ z / len(z)  # (H,)
        unit = int(np.argmax(np.abs(r)))
        out[name] = {"unit": unit, "r": float(r[unit])}
    return out


def _colour(v: float) -> tuple[float, float, float]:
    """tanh-squashed activation -> white..red (positive) or white..blue (negative)."""
    v = float(np.tanh(v))
    return (1.0, 1 - v, 1 - v) if v >= 0 else (1 + v, 1 + v, 1.0)


def cell_html(text: str, values: np.ndarray, title: str) -> str:
    spans = []
    for ch, v in zip(text, values, strict=True):
        r, g, b = (int(255 * x) for x in _colour(v))
        shown = "\u21b5<br>" if ch == "\n" else html.escape(ch).replace(" ", "&nbsp;")
        spans.append(f'<span style="background: rgb({r},{g},{b})">{shown}</span>')
    return (
        f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body style='font-family: monospace'><h3>{html.escape(title)}</h3>{''.join(spans)}</body></html>"
    )


def cell_png(text: str, values: np.ndarray, title: str, path: Path, width: int = 100) -> None:
    """The coloured-text figure: one cell per character, wrapped at newlines and at ``width`` columns."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    cells, row, col = [], 0, 0
    for ch, v in zip(text, values, strict=True):
        if col >= width:
            row, col = row + 1, 0
        cells.append((row, col, "" if ch == "\n" else ch, v))
        row, col = (row + 1, 0) if ch == "\n" else (row, col + 1)
    rows = row + 1
    fig, ax = plt.subplots(figsize=(width * 0.09, rows * 0.16 + 0.4))
    for r, c, ch, v in cells:
        ax.add_patch(Rectangle((c, -r - 1), 1, 1, color=_colour(v), linewidth=0))
        if ch.strip():
            ax.text(c + 0.5, -r - 0.5, ch, ha="center", va="center", fontsize=6, family="monospace")
    ax.set_xlim(0, width)
    ax.set_ylim(-rows, 0)
    ax.set_title(title, fontsize=8)
    ax.axis("off")
    fig.savefig(path, dpi=150, bbox_inches="tight")
    plt.close(fig)


def find_cells(model: CharModel, text: str, out: Path, show_chars: int = 1200) -> dict:
    """Correlate every unit with the features on ``text``; write cells.json and, per feature, HTML + PNG."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    acts = unit_activations(model, text)
    feats = text_features(text)
    found = best_units(acts, feats)
    shown = text[:show_chars]
    for name, info in found.items():
        title = f"{name}: unit {info['unit']} (r = {info['r']:+.2f})"
        a = acts[:, info["unit"]]
        values = (a[: len(shown)] - a.mean()) / (a.std() + 1e-12) * np.sign(info["r"])  # standardized
        (out / f"{name}.html").write_text(cell_html(shown, values, title), encoding="utf-8")
        cell_png(shown, values, title, out / f"{name}.png")
    (out / "cells.json").write_text(json.dumps(found, indent=2))
    return found
