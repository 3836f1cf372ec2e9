"""A generated, seeded captioning dataset: scenes of one to three coloured shapes, several captions each.

Each shape has a colour (red, green, blue, yellow), a kind (circle, square, triangle) and a size (small,
large) and sits in its own cell of a 3 x 3 grid (with jitter). Captions name the shapes and, for two
shapes, how they are placed ("a small red circle above a large blue square", "a large blue square below a
small red circle", and the same without sizes); three shapes are listed left to right.

Generalisation to new combinations: the (colour, kind) pairs in :data:`HELD_OUT` never appear in the
``train`` split or in ``val`` (new scenes of seen combinations); every scene of the ``novel`` split holds at
least one of them, so its captions need words seen in training in combinations never seen.

>>> ds = make_shapes(5, split="train", seed=0, image_size=32)
>>> ds.images.shape, ds.images.dtype, len(ds.captions), len(ds.captions[0]) >= 2
((5, 32, 32, 3), dtype('uint8'), 5, True)
>>> any(("red", "triangle") == (s.color, s.kind) for scene in ds.scenes for s in scene)
False
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visrec.utils.errors import ParameterError

__all__ = ["Shape", "ShapesCaptions", "make_shapes", "COLORS", "KINDS", "SIZES", "HELD_OUT", "SPLITS"]

COLORS = {"red": (220, 40, 40), "green": (40, 190, 60), "blue": (50, 80, 230), "yellow": (230, 210, 40)}
KINDS = ("circle", "square", "triangle")
SIZES = ("small", "large")
HELD_OUT = frozenset({("red", "triangle"), ("green", "circle"), ("blue", "square"), ("yellow", "triangle")})
SPLITS = {"train": 0, "val": 1, "novel": 2}


@dataclass(frozen=True)
class Shape:
    color: str
    kind: str
    size: str
    row: int  # grid cell, 0..2 top to bottom
    col: int  # 0..2 left to right

    def words(self, with_size: bool = True) -> list[str]:
        return ["a", *([self.size] if with_size else []), self.color, self.kind]


@dataclass
class ShapesCaptions:
    """images uint8 (N, H, W, 3); captions: N lists of token lists; scenes: the shapes of each image."""

    images: np.ndarray
    captions: list[list[list[str]]]
    scenes: list[list[Shape]]
    split: str


def _relation(a: Shape, b: Shape) -> tuple[str, str]:
    """How a sits relative to b, and the converse (the larger grid offset decides)."""
    dr, dc = b.row - a.row, b.col - a.col
    if abs(dr) >= abs(dc):
        return ("above", "below") if dr > 0 else ("below", "above")
    return ("left of", "right of") if dc > 0 else ("right of", "left of")


def captions_of(scene: list[Shape]) -> list[list[str]]:
    """Every correct caption of a scene, tokenized."""
    if len(scene) == 1:
        (a,) = scene
        return [a.words(), a.words(False), ["there", "is", *a.words()]]
    if len(scene) == 2:
        a, b = scene
        ab, ba = _relation(a, b)
        out = []
        for s in (True, False):
            out.append([*a.words(s), *ab.split(), *b.words(s)])
            out.append([*b.words(s), *ba.split(), *a.words(s)])
        return out
    ordered = sorted(scene, key=lambda s: (s.col, s.row))
    listed = [w for s in ordered[:-1] for w in s.words()] + ["and", *ordered[-1].words()]
    short = [w for s in ordered[:-1] for w in s.words(False)] + ["and", *ordered[-1].words(False)]
    return [listed, short, ["three", "shapes", *listed]]


def _draw(image: np.ndarray, shape: Shape, rng: np.random.Generator) -> None:
    H = image.shape[0]
    cell = H / 3
    r = cell * (0.22 if shape.size == "small" else 0.42)
    cy = (shape.row + 0.5) * cell + rng.uniform(-0.08, 0.08) * cell
    cx = (shape.col + 0.5) * cell + rng.uniform(-0.08, 0.08) * cell
    yy, xx = np.mgrid[0:H, 0:H] + 0.5
    if shape.kind == "circle":
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    elif shape.kind == "square":
        mask = (np.abs(yy - cy) <= r * 0.85) & (np.abs(xx - cx) <= r * 0.85)
    else:  # upward triangle: below the apex, inside the two slanted edges
        top, bottom = cy - r, cy + r * 0.8
        half = (yy - top) / (bottom - top) * r
        mask = (yy >= top) & (yy <= bottom) & (np.abs(xx - cx) <= half)
    image[mask] = COLORS[shape.color]


def _scene(rng: np.random.Generator, split: str) -> list[Shape]:
    while True:
        n = int(rng.integers(1, 4))
        cells = rng.choice(9, size=n, replace=False)
        scene = [
            Shape(
                str(rng.choice(list(COLORS))), str(rng.choice(KINDS)), str(rng.choice(SIZES)), c // 3, c % 3
            )
            for c in cells
        ]
        novel = [(s.color, s.kind) in HELD_OUT for s in scene]
        if (split == "novel" and any(novel)) or (split != "novel" and not any(novel)):
            return scene


def make_shapes(n: int, split: str = "train", seed: int = 0, image_size: int = 64) -> ShapesCaptions:
    """``n`` scenes of a split ('train', 'val' or 'novel'); the same (n, split, seed) gives the same data."""
    if split not in SPLITS:
        raise ParameterError(f"split must be one of {sorted(SPLITS)}; got {split!r}.")
    if n < 1 or image_size < 24:
        raise ParameterError(f"make_shapes needs n >= 1 and image_size >= 24; got n={n}, {image_size}.")
    rng = np.random.default_rng([seed, SPLITS[split]])
    images = np.full((n, image_size, image_size, 3), 30, dtype=np.uint8)  # dark grey background
    scenes = []
    for i in range(n):
        scene = _scene(rng, split)
        for s in scene:
            _draw(images[i], s, rng)
        scenes.append(scene)
    return ShapesCaptions(images, [captions_of(s) for s in scenes], scenes, split)
