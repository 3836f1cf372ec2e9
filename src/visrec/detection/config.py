"""The settings of ``visrec detect train``: one typed config on the shared run layer.

>>> cfg = DetectConfig(data="shapes", model="yolo_tiny", epochs=2)
>>> cfg.kind, cfg.batch_size, cfg.image_size
('detector', 4, 128)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from visrec.runs import TrainRunConfig
from visrec.utils.errors import ParameterError

__all__ = ["DetectConfig"]


@dataclass
class DetectConfig(TrainRunConfig):
    """Detector training.

    ``data`` is ``shapes`` (generated: ``num_images`` images of ``image_size`` pixels), a Pascal VOC folder
    (``Annotations/`` + ``JPEGImages/``) or a COCO JSON file (images beside it or in ``images/``).
    ``model`` is a registered detector (``visrec.detection.models.list_detectors()``); ``model_kwargs``
    are more options of its builder (e.g. ``{"box_batch_size_per_image": 256}`` for dense scenes, over the
    sizes this config sets); ``image_size`` is
    the short side images are scaled to. ``tile`` > 0 cuts training images into tiles of that many
    pixels (overlapping by ``tile_overlap``) and predicts large images tile by tile. ``single_class``
    renames every VOC object to one class. ``flip`` augments with horizontal flips; ``rotate`` adds the
    other six elements of the square's symmetry group (quarter turns, vertical flips) for images without a
    preferred orientation (aerial, microscopy); ``color_jitter`` j scales pixel values by a gain in
    [1 - j, 1 + j] and shifts them by up to j / 2 of the range. ``score_thresh`` is the
    minimum score a prediction is kept with. ``init_backbone`` is a classifier run directory (or
    .safetensors file) whose tensors start the backbone's body where names and shapes match: a
    ``stride_cnn`` trained by ``visrec train`` for the tiny detectors. It applies to a fresh run only; a
    resumed run continues from its checkpoint.
    """

    kind: ClassVar[str] = "detector"
    engine: ClassVar[str] = "torch"

    data: str = "shapes"
    model: str = "fasterrcnn_tiny"
    model_kwargs: dict = field(default_factory=dict)
    num_images: int = 64
    image_size: int = 128
    tile: int = 0
    tile_overlap: int = 32
    single_class: str | None = None
    flip: bool = True
    rotate: bool = False
    color_jitter: float = 0.0
    score_thresh: float = 0.05
    init_backbone: str | None = None
    epochs: int = 10
    batch_size: int = 4
    lr: float = 3e-3

    def validate(self) -> None:
        super().validate()
        self.check("int", "num_images", low=1)
        self.check("int", "image_size", low=32)
        self.check("int", "tile", low=0)
        self.check("int", "tile_overlap", low=0)
        self.check("float", "score_thresh", low=0.0, high=1.0)
        self.check("float", "color_jitter", low=0.0, high=1.0)
        if self.tile and self.tile_overlap >= self.tile:
            raise ParameterError(f"--tile-overlap ({self.tile_overlap}) must be smaller than --tile ({self.tile}).")
        from visrec.detection.models import list_detectors

        if self.model not in list_detectors():
            raise ParameterError(f"--model {self.model!r} is not a detector; choose one of {list_detectors()}.")
        if not isinstance(self.model_kwargs, dict) or not all(isinstance(k, str) for k in self.model_kwargs):
            raise ParameterError(
                f"--model-kwargs must be a JSON object of builder options; got {self.model_kwargs!r}."
            )
