"""`visrec predict --model RUN_DIR IMAGE...`: classify image files with any saved model.

The run directory's ``model.json`` says which engine made it (``"kind"``: ``classic``, ``numpy_nn`` or
``torch``); each engine's ``load_predictor(run_dir)`` returns an object with ``class_names``,
``input_shape`` (H, W, C) and ``predict_proba(images uint8 (N, H, W, C)) -> (N, K)`` (and optionally
``predict`` and ``has_proba``). Images are converted to the model's channels and resized to its size.
Nothing is written.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import numpy as np
import typer

from visrec.utils.errors import DataError

#: model.json "kind" -> module with load_predictor(run_dir); imported only when needed.
PREDICTOR_MODULES = {
    "classic": "visrec.classic.persist",
    "numpy_nn": "visrec.numpy_nn.persist",
    "torch": "visrec.torch_nn.checkpoint",
}


def load_any_predictor(run_dir: str | Path):
    """Read ``run_dir/model.json`` and return the predictor of the engine named by its ``kind``."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(
            f"--model expects a run directory written by a training command (e.g. runs/knn-...); "
            f"{run_dir} does not exist or is not a folder."
        )
    meta_path = run_dir / "model.json"
    if not meta_path.is_file():
        raise DataError(
            f"{run_dir} has no model.json, so it holds no saved model. Pass the --out folder of a command "
            "that trains (visrec knn, linear, features, train, demo)."
        )
    try:
        kind = json.loads(meta_path.read_text()).get("kind")
    except (json.JSONDecodeError, AttributeError) as exc:
        raise DataError(f"{meta_path} is not a valid model description ({exc}); retrain the model.") from None
    if kind not in PREDICTOR_MODULES:
        raise DataError(
            f"{meta_path} has kind {kind!r}; expected one of {sorted(PREDICTOR_MODULES)}. "
            "Was it written by a newer or different version of visrec?"
        )
    module = importlib.import_module(PREDICTOR_MODULES[kind])
    return module.load_predictor(run_dir)


def read_image(path: str | Path, input_shape) -> tuple[np.ndarray, str | None]:
    """Read one image file as uint8 of shape ``input_shape`` (H, W, C), C in {1, 3}.

    Returns the image and a note when it had to be resized (None otherwise). Raises ``DataError`` naming
    the file when it cannot be read as an image.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    h, w, c = (int(v) for v in input_shape)
    if c not in (1, 3):
        raise DataError(
            f"the model expects C = {c} channels; only grayscale (1) or RGB (3) images are supported."
        )
    if not path.is_file():
        what = "is a folder, not an image file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"image file {path} {what}.")
    try:
        with Image.open(path) as im:
            im = im.convert("L" if c == 1 else "RGB")
            note = None
            if im.size != (w, h):
                note = f"{path}: resized from {im.size[1]}x{im.size[0]} to the model's {h}x{w}"
                im = im.resize((w, h), Image.Resampling.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(
            f"could not read {path} as an image ({exc}). Pass PNG, JPEG, BMP or GIF files."
        ) from None
    return arr.reshape(h, w, c), note


def predict_files(run_dir: str | Path, files) -> list[dict]:
    """Classify ``files`` with the model in ``run_dir``: one dict (file, label, class, probability) each."""
    predictor = load_any_predictor(run_dir)
    images, notes = [], []
    for f in files:
        img, note = read_image(f, predictor.input_shape)
        images.append(img)
        if note:
            notes.append(note)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    x = np.stack(images)  # (N, H, W, C)
    proba = np.asarray(predictor.predict_proba(x))  # (N, K)
    labels = predictor.predict(x) if hasattr(predictor, "predict") else proba.argmax(axis=1)
    has_proba = getattr(predictor, "has_proba", True)
    rows = []
    for f, y, p in zip(files, np.asarray(labels), proba, strict=True):
        rows.append(
            {
                "file": str(f),
                "label": int(y),
                "class": str(predictor.class_names[int(y)]),
                "probability": float(p[int(y)]) if has_proba else None,
            }
        )
    return rows


def register(app: typer.Typer) -> None:
    """Add ``visrec predict`` to ``app``."""

    @app.command("predict")
    def predict(
        images: list[Path] = typer.Argument(..., help="Image files to classify (PNG, JPEG, ...)."),
        model: Path = typer.Option(..., "--model", help="Run directory of a trained model (has model.json)."),
    ) -> None:
        """Classify image files with a saved model (any kind: classic, numpy_nn, torch).

        Images are converted to the model's channels (grayscale or RGB) and resized to its input size
        (a note says so). Prints file, predicted class and probability; writes nothing.

        Example: visrec predict --model runs/knn-20250101-120000 cat.png dog.jpg
        """
        rows = predict_files(model, images)
        print_predictions(f"predictions of {model}", rows)


def print_predictions(title: str, rows: list[dict]) -> None:
    """A rich table wide enough that file paths are never wrapped or cut."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("file", no_wrap=True)
    table.add_column("predicted class")
    table.add_column("probability", justify="right")
    for r in rows:
        table.add_row(r["file"], r["class"], "-" if r["probability"] is None else f"{r['probability']:.3f}")
    width = max(len(r["file"]) for r in rows) + max(len(r["class"]) for r in rows) + 40
    Console(width=max(80, width)).print(table)
