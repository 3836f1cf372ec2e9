"""Reader of COCO caption files (``captions_train2014.json`` layout): ``images``, ``annotations``, several
captions per image.

    {"images": [{"id": 9, "file_name": "COCO_train2014_000000000009.jpg", ...}, ...],
     "annotations": [{"image_id": 9, "id": 1, "caption": "A plate with food."}, ...]}

>>> import json, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "captions.json")
>>> json.dump({"images": [{"id": 1, "file_name": "a.jpg"}],
...            "annotations": [{"image_id": 1, "id": 5, "caption": "A cat."},
...                            {"image_id": 1, "id": 6, "caption": "A sleeping cat"}]}, open(path, "w"))
>>> [(r.file_name, r.captions) for r in read_coco_captions(path)]
[('a.jpg', ['A cat.', 'A sleeping cat'])]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from visrec.utils.errors import DataError

__all__ = ["CaptionedImage", "read_coco_captions"]


@dataclass
class CaptionedImage:
    image_id: int
    file_name: str
    captions: list[str]
    path: Path | None = None


def read_coco_captions(path, images_dir=None, flag: str = "--data") -> list[CaptionedImage]:
    """Images with their captions, in the file's image order (images without a caption are left out).

    Raises DataError naming the file when it is missing or not in the COCO layout, when an annotation
    names an image id the file does not list, or (with ``images_dir``) when an image file is missing.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{flag} {path}: no such caption file. Pass a COCO captions_*.json file.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{flag} {path} is not valid JSON ({exc}).") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("images"), list)
        or not isinstance(data.get("annotations"), list)
    ):
        raise DataError(
            f"{flag} {path}: expected a JSON object with 'images' and 'annotations' lists (COCO)."
        )
    images = {}
    for im in data["images"]:
        try:
            images[int(im["id"])] = CaptionedImage(int(im["id"]), str(im["file_name"]), [])
        except (KeyError, TypeError, ValueError):
            raise DataError(
                f"{flag} {path}: an entry of 'images' lacks 'id' or 'file_name': {im!r}."
            ) from None
    for ann in data["annotations"]:
        try:
            image_id, caption = int(ann["image_id"]), str(ann["caption"])
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{flag} {path}: an annotation lacks 'image_id' or 'caption': {ann!r}.") from None
        if image_id not in images:
            raise DataError(
                f"{flag} {path}: annotation {ann.get('id')} names image_id {image_id}, which is not in "
                "'images'. The file is incomplete or from another split."
            )
        images[image_id].captions.append(caption)
    out = [im for im in images.values() if im.captions]
    if images_dir is not None:
        root = Path(images_dir)
        for im in out:
            im.path = root / im.file_name
            if not im.path.is_file():
                raise DataError(
                    f"{flag} {path}: image {im.file_name} (id {im.image_id}) is not in --images-dir {root}. "
                    "Point --images-dir at the folder of that split."
                )
    return out
