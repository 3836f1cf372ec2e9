"""Photos bundled with installed libraries, for the demos and docs: nothing is downloaded.

scikit-image ships astronaut, chelsea (a cat), coffee, rocket, ...; scikit-learn ships china and flower;
matplotlib ships grace_hopper. :func:`bundled_image` returns one as uint8 (H, W, 3);
:func:`read_image_any` reads a path *or* one of these names.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.explain._errors import ParameterError

__all__ = ["BUNDLED", "bundled_image", "read_image_any", "resize_image"]


def _skimage(name):
    import skimage.data

    return getattr(skimage.data, name)()


def _sklearn(name):
    from sklearn.datasets import load_sample_image

    return load_sample_image(f"{name}.jpg")


def _grace_hopper():
    import matplotlib.cbook
    from PIL import Image

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


BUNDLED = {
    **{
        n: (lambda n=n: _skimage(n))
        for n in ("astronaut", "chelsea", "coffee", "rocket", "cat", "hubble_deep_field")
    },
    "china": lambda: _sklearn("china"),
    "flower": lambda: _sklearn("flower"),
    "grace_hopper": _grace_hopper,
}


def bundled_image(name: str) -> np.ndarray:
    """The bundled photo ``name`` as uint8 (H, W, 3) RGB."""
    if name not in BUNDLED:
        raise ParameterError(f"No bundled image {name!r}. Valid names: {', '.join(sorted(BUNDLED))}.")
    img = np.asarray(BUNDLED[name]())
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return np.ascontiguousarray(img[..., :3]).astype(np.uint8)


def resize_image(img: np.ndarray, size) -> np.ndarray:
    """Resize uint8 (H, W, C) to ``size`` = (H', W') (or the short side to an int), bilinear (PIL)."""
    from PIL import Image

    h, w = img.shape[:2]
    if isinstance(size, int):
        s = size / min(h, w)
        size = (max(1, round(h * s)), max(1, round(w * s)))
    squeeze = img.shape[2] == 1
    pil = Image.fromarray(img[..., 0] if squeeze else img)
    out = np.asarray(pil.resize((int(size[1]), int(size[0])), Image.BILINEAR))
    return out[..., None] if squeeze else out


def read_image_any(source: str, mode: str = "RGB") -> np.ndarray:
    """uint8 (H, W, C) from a file path (:func:`visrec.data.images.read_image`) or a bundled image name;
    ``mode`` "RGB" or "L"."""
    from PIL import Image

    from visrec.data.images import read_image

    if source in BUNDLED and not Path(source).exists():
        img = bundled_image(source)
        if mode == "L":
            img = np.asarray(Image.fromarray(img).convert("L"))[..., None]
        return img
    if not Path(source).is_file():
        raise FileNotFoundError(
            f"No image at {source}. Pass a PNG/JPEG file or a bundled name: {', '.join(sorted(BUNDLED))}."
        )
    return read_image(source, mode=mode)
