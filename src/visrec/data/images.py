"""The one image decoder of the project: a file -> uint8 (H, W, C), errors that name the file.

>>> import tempfile, os
>>> from PIL import Image
>>> path = os.path.join(tempfile.mkdtemp(), "a.png")
>>> Image.new("RGB", (5, 4), (255, 0, 0)).save(path)
>>> read_image(path).shape, read_image(path, mode="L", size=(8, 8)).shape
((4, 5, 3), (8, 8, 1))
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from visrec.utils.errors import DataError

__all__ = ["read_image", "resize_images", "IMAGE_SUFFIXES", "MAX_PIXELS"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
#: refuse images larger than this many pixels (a decompression bomb, or a mistake)
MAX_PIXELS = 64_000_000


def read_image(path: str | os.PathLike, mode: str = "RGB", size: tuple[int, int] | None = None) -> np.ndarray:
    """Decode an image file.

    Parameters
    ----------
    path : the file
    mode : "RGB" (C = 3) or "L" (grayscale, C = 1)
    size : (H, W) to resize to (bilinear), or None to keep the file's size

    Returns
    -------
    ndarray of shape (H, W, C), uint8

    Raises
    ------
    FileNotFoundError if the file is missing; DataError naming the file if it is not a readable image.
    """
    from PIL import Image, UnidentifiedImageError

    if mode not in ("RGB", "L"):
        raise DataError(f"read_image mode must be 'RGB' or 'L'; got {mode!r}.")
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not an image file" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"image file {path} {what}.")
    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(
                    f"{path} is {im.width}x{im.height} pixels, more than the {MAX_PIXELS:,} this reads; "
                    "resize it first."
                )
            im.load()
            im = im.convert(mode)
            if size is not None and (im.height, im.width) != tuple(size):
                im = im.resize((int(size[1]), int(size[0])), Image.Resampling.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise DataError(
            f"could not read {path} as an image ({exc}). Pass PNG, JPEG, BMP, GIF or TIFF files."
        ) from None
    return arr.reshape(arr.shape[0], arr.shape[1], 1 if mode == "L" else 3)


def resize_images(images: np.ndarray, size) -> np.ndarray:
    """Resize uint8 images (N, H, W, C) to (N, H', W', C) with bilinear interpolation (PIL); size = (H', W')."""
    from PIL import Image

    h, w = (int(v) for v in size)
    out = np.empty((len(images), h, w, images.shape[-1]), dtype=np.uint8)
    for i, img in enumerate(images):
        im = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
        out[i] = np.asarray(im.resize((w, h), Image.Resampling.BILINEAR)).reshape(h, w, -1)
    return out
