"""Uploaded bytes -> uint8 image, with a clear message for everything that is not a usable image."""

from __future__ import annotations

import io
import warnings

import numpy as np

from visrec.explain._errors import DataError

__all__ = ["decode_upload", "MAX_UPLOAD_BYTES", "MAX_PIXELS"]

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 25_000_000


def decode_upload(data: bytes, mode: str = "RGB", name: str = "the upload") -> np.ndarray:
    """Decode ``data`` (PNG, JPEG, GIF, BMP, WebP ...) to uint8 (H, W, C) in ``mode`` ("RGB" or "L").

    Raises
    ------
    DataError
        Empty, not an image, truncated or corrupt, or more than ``MAX_PIXELS`` pixels.
    """
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise DataError(f"{name} is empty: choose an image file (PNG or JPEG).")
    try:
        with warnings.catch_warnings():  # PIL warns about huge headers; the size check below refuses them
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
        with im:
            if im.width * im.height > MAX_PIXELS:
                raise DataError(
                    f"{name} is {im.width}x{im.height} pixels; the demo takes images up to {MAX_PIXELS:,} "
                    "pixels. Resize it first."
                )
            im.load()
            im = im.convert(mode)
    except UnidentifiedImageError:
        raise DataError(f"{name} is not an image this demo can read; upload a PNG or JPEG file.") from None
    except Image.DecompressionBombError:
        raise DataError(f"{name} is too large to decode safely; upload a smaller image.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{name} is truncated or corrupt ({exc}); upload the complete file.") from None
    arr = np.asarray(im)
    return arr[..., None] if arr.ndim == 2 else arr
