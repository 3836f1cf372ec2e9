"""Precision-recall curves of a VOC evaluation as a PNG (one line per class, AP in the legend)."""

from __future__ import annotations

from pathlib import Path

from .voc import VOCResult

__all__ = ["plot_pr_curves"]


def plot_pr_curves(result: VOCResult, class_names: list[str], path, title: str = "precision-recall") -> Path:
    """Draw ``result.curves`` (label -> (recall, precision)); label i is ``class_names[i - 1]``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    for label, (recall, precision) in sorted(result.curves.items()):
        name = class_names[label - 1] if 0 < label <= len(class_names) else str(label)
        ax.plot(recall, precision, label=f"{name} (AP {result.ap[label]:.3f})")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02),
           title=f"{title}, mAP {result.map:.3f}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
