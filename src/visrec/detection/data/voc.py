"""Pascal VOC XML annotations: one ``Annotations/<stem>.xml`` per image in ``JPEGImages/``.

Each ``<object>`` has a ``<name>`` and a ``<bndbox>`` (xmin, ymin, xmax, ymax); coordinates are used as
written (no 1-based shift), as torchvision's VOC reader does. Images are matched on the file *stem*, since
an XML may name ``OSBS_029.tif`` while the folder holds ``OSBS_029.png``. Boxes are validated on load
(inverted, empty, or outside the image -> ``DataError`` naming the XML file).

>>> xml = ('<annotation><filename>a.jpg</filename><size><width>8</width><height>6</height></size>'
...        '<object><name>dog</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>6</ymax>'
...        '</bndbox></object></annotation>')
>>> parse_voc_xml(xml)["objects"]
[{'name': 'dog', 'bbox': [1.0, 2.0, 5.0, 6.0], 'difficult': False, 'truncated': False}]
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
from PIL import Image

from visrec.utils.errors import DataError

from .sample import DetectionDataset, DetectionSample, validate_sample

__all__ = ["parse_voc_xml", "read_voc", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def _number(node, tag: str, where: str) -> float:
    child = node.find(tag)
    try:
        return float(child.text)
    except (AttributeError, TypeError, ValueError):
        raise DataError(f"{where}: <{tag}> is missing or not a number inside <bndbox>.") from None


def parse_voc_xml(text: str, where: str = "annotation") -> dict:
    """Parse one VOC annotation (the XML text) -> {filename, width, height, objects: [...]}."""
    if not text.strip():
        raise DataError(f"{where}: the annotation file is empty; expected a VOC <annotation> document.")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise DataError(f"{where}: not valid XML ({exc}).") from None
    if root.tag != "annotation":
        raise DataError(f"{where}: expected a VOC <annotation> root element; got <{root.tag}>.")
    size = root.find("size")
    width = int(float(size.findtext("width", "0"))) if size is not None else 0
    height = int(float(size.findtext("height", "0"))) if size is not None else 0
    objects = []
    for obj in root.iter("object"):
        box = obj.find("bndbox")
        if box is None:
            raise DataError(f"{where}: an <object> has no <bndbox>.")
        objects.append({
            "name": (obj.findtext("name") or "").strip(),
            "bbox": [_number(box, t, where) for t in ("xmin", "ymin", "xmax", "ymax")],
            "difficult": obj.findtext("difficult", "0").strip() == "1",
            "truncated": obj.findtext("truncated", "0").strip() == "1",
        })
    return {"filename": root.findtext("filename", ""), "width": width, "height": height, "objects": objects}


def _find_image(image_dir: Path, stem: str, where: Path) -> Path:
    for suffix in IMAGE_SUFFIXES:
        for candidate in (image_dir / f"{stem}{suffix}", image_dir / f"{stem}{suffix.upper()}"):
            if candidate.is_file():
                return candidate
    raise DataError(f"{where}: no image named {stem}.* in {image_dir} (tried {', '.join(IMAGE_SUFFIXES)}).")


def read_voc(folder, class_names: list[str] | None = None, skip_difficult: bool = False,
             load_images: bool = True, single_class: str | None = None) -> DetectionDataset:
    """Read a VOC folder (``Annotations/*.xml`` + ``JPEGImages/``) into a ``DetectionDataset``.

    ``class_names`` fixes the label order (an unknown name is an error); by default the sorted set of
    names found. ``load_images=False`` keeps a (H, W, 3) zero image of the declared size (for metrics).
    ``single_class`` renames every object to that one class (trees-voc's SOAP_061 says Alive / Dead,
    the others Tree: ``single_class="Tree"`` makes one tree-crown class).
    """
    folder = Path(folder)
    ann_dir, image_dir = folder / "Annotations", folder / "JPEGImages"
    if not ann_dir.is_dir():
        raise DataError(f"{folder}: expected a Pascal VOC folder with Annotations/ and JPEGImages/; "
                        f"{ann_dir} does not exist.")
    xml_files = sorted(ann_dir.glob("*.xml"))
    if not xml_files:
        raise DataError(f"{ann_dir}: no .xml annotation files found.")
    parsed = [(path, parse_voc_xml(path.read_text(encoding="utf-8", errors="replace"), str(path)))
              for path in xml_files]
    if single_class is not None:
        for _, ann in parsed:
            for o in ann["objects"]:
                o["name"] = single_class
    names = sorted({o["name"] for _, p in parsed for o in p["objects"]}) if class_names is None \
        else list(class_names)
    index = {n: i + 1 for i, n in enumerate(names)}
    samples = []
    for image_id, (path, ann) in enumerate(parsed):
        objects = [o for o in ann["objects"] if not (skip_difficult and o["difficult"])]
        for o in objects:
            if o["name"] not in index:
                raise DataError(f"{path}: class {o['name']!r} is not one of {names}.")
        if load_images:
            image_path = _find_image(image_dir, path.stem, path)
            try:
                with Image.open(image_path) as im:
                    image = np.array(im.convert("RGB"))
            except OSError as exc:
                raise DataError(f"{image_path}: cannot decode the image ({exc}).") from None
        else:
            image_path = image_dir / (ann["filename"] or path.stem)
            image = np.zeros((ann["height"], ann["width"], 3), np.uint8)
        boxes = np.array([o["bbox"] for o in objects], np.float32).reshape(-1, 4)
        sample = DetectionSample(
            image=image, boxes=boxes, labels=np.array([index[o["name"]] for o in objects], np.int64),
            image_id=image_id, file_name=image_path.name,
            difficult=np.array([o["difficult"] for o in objects], bool))
        validate_sample(sample, str(path), len(names))
        samples.append(sample)
    return DetectionDataset(samples, names, source=str(folder), category_ids=list(range(1, len(names) + 1)))
