"""Figures for runs and lectures (matplotlib, rendered by Agg, no pyplot state).

Each function takes data and a path, writes one PNG atomically and returns the path. For a one-off
figure: ``fig = new_figure(6, 4); ax = fig.add_subplot(); ...; save_png(fig, path)``.
"""

from visrec.report._figure import new_figure, save_png
from visrec.report.confusion import confusion_counts, confusion_matrix
from visrec.report.curves import accuracy_curves, loss_curve, smooth
from visrec.report.cv import cv_accuracy_vs_k
from visrec.report.grid import filters_grid, image_grid
from visrec.report.neighbors import nearest_neighbors
from visrec.report.templates import linear_templates, templates_from_weights

__all__ = [
    "accuracy_curves",
    "confusion_counts",
    "confusion_matrix",
    "cv_accuracy_vs_k",
    "filters_grid",
    "image_grid",
    "linear_templates",
    "loss_curve",
    "nearest_neighbors",
    "new_figure",
    "save_png",
    "smooth",
    "templates_from_weights",
]
