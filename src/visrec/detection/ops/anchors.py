"""Anchor boxes: a few base shapes (sizes x aspect ratios) repeated at every cell of each feature map.

As ``torchvision.models.detection.anchor_utils.AnchorGenerator``: for size s and aspect ratio r = h / w,
the base anchor centred on 0 has h = s sqrt(r), w = s / sqrt(r) (area s^2), rounded to integers; the anchor
at cell (i, j) of a feature map of stride (sy, sx) is the base anchor shifted by (j sx, i sy). Anchors are
ordered cell by cell (row-major), then by base anchor (ratios outer, sizes inner), then level by level.

>>> import torch
>>> gen = AnchorGenerator(sizes=((32,),), aspect_ratios=((1.0,),))
>>> images = ImageList(torch.zeros(1, 3, 64, 64), [(64, 64)])
>>> gen(images, [torch.zeros(1, 8, 2, 2)])[0]
tensor([[-16., -16.,  16.,  16.],
        [ 16., -16.,  48.,  16.],
        [-16.,  16.,  16.,  48.],
        [ 16.,  16.,  48.,  48.]])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["AnchorGenerator", "ImageList", "generate_base_anchors"]


@dataclass
class ImageList:
    """A padded batch ``tensors`` (N, C, H, W) and each image's size before padding, [(H_i, W_i)]."""

    tensors: Tensor
    image_sizes: list[tuple[int, int]]

    def to(self, device) -> ImageList:
        return ImageList(self.tensors.to(device), self.image_sizes)


def generate_base_anchors(scales, aspect_ratios, dtype=torch.float32, device="cpu") -> Tensor:
    """Base anchors (A, 4) centred on 0 for A = len(aspect_ratios) * len(scales), rounded."""
    scales = torch.as_tensor(scales, dtype=dtype, device=device)
    aspect_ratios = torch.as_tensor(aspect_ratios, dtype=dtype, device=device)
    h_ratios = torch.sqrt(aspect_ratios)
    w_ratios = 1 / h_ratios
    ws = (w_ratios[:, None] * scales[None, :]).reshape(-1)
    hs = (h_ratios[:, None] * scales[None, :]).reshape(-1)
    return (torch.stack([-ws, -hs, ws, hs], dim=1) / 2).round()


class AnchorGenerator(nn.Module):
    """Anchors for each image of a batch over several feature maps (one (sizes, ratios) pair per map).

    Parameters
    ----------
    sizes : tuple of tuples
        Anchor sizes (square-root areas, pixels) per feature map, e.g. ((32,), (64,), ...) for an FPN.
    aspect_ratios : tuple of tuples
        Height / width ratios per feature map.

    ``forward(image_list, feature_maps)`` takes an ``ImageList`` (anything with ``.tensors`` (N, C, H, W))
    and a list of L feature maps (N, C_l, H_l, W_l), and returns N tensors (sum_l H_l W_l A_l, 4).
    """

    def __init__(self, sizes=((128, 256, 512),), aspect_ratios=((0.5, 1.0, 2.0),)) -> None:
        super().__init__()
        if not isinstance(sizes[0], (list, tuple)):
            sizes = tuple((s,) for s in sizes)
        if not isinstance(aspect_ratios[0], (list, tuple)):
            aspect_ratios = (aspect_ratios,) * len(sizes)
        if len(sizes) != len(aspect_ratios):
            raise ValueError(
                f"AnchorGenerator: {len(sizes)} size tuples but {len(aspect_ratios)} ratio tuples."
            )
        self.sizes = sizes
        self.aspect_ratios = aspect_ratios
        self.cell_anchors = [generate_base_anchors(s, r) for s, r in zip(sizes, aspect_ratios, strict=True)]

    def num_anchors_per_location(self) -> list[int]:
        return [len(s) * len(r) for s, r in zip(self.sizes, self.aspect_ratios, strict=True)]

    def grid_anchors(self, grid_sizes, strides) -> list[Tensor]:
        """Per level: anchors (H_l W_l A_l, 4) for a grid (H_l, W_l) with strides (sy, sx)."""
        anchors = []
        if len(grid_sizes) != len(self.cell_anchors):
            raise ValueError(f"AnchorGenerator: {len(grid_sizes)} feature maps but {len(self.cell_anchors)} "
                             "anchor levels; pass one (sizes, ratios) pair per feature map.")
        for (gh, gw), (sy, sx), base in zip(grid_sizes, strides, self.cell_anchors, strict=True):
            shifts_x = torch.arange(0, gw, dtype=torch.int32, device=base.device) * sx
            shifts_y = torch.arange(0, gh, dtype=torch.int32, device=base.device) * sy
            shift_y, shift_x = torch.meshgrid(shifts_y, shifts_x, indexing="ij")
            shift_x, shift_y = shift_x.reshape(-1), shift_y.reshape(-1)
            shifts = torch.stack((shift_x, shift_y, shift_x, shift_y), dim=1)  # (H W, 4)
            anchors.append((shifts.view(-1, 1, 4) + base.view(1, -1, 4)).reshape(-1, 4))  # (H W A, 4)
        return anchors

    def forward(self, image_list, feature_maps: list[Tensor]) -> list[Tensor]:
        tensors = image_list.tensors if hasattr(image_list, "tensors") else image_list
        grid_sizes = [tuple(fm.shape[-2:]) for fm in feature_maps]
        image_h, image_w = tensors.shape[-2:]
        dtype, device = feature_maps[0].dtype, feature_maps[0].device
        strides = [(image_h // gh, image_w // gw) for gh, gw in grid_sizes]
        self.cell_anchors = [c.to(dtype=dtype, device=device) for c in self.cell_anchors]
        levels = self.grid_anchors(grid_sizes, strides)
        per_image = torch.cat(levels)
        return [per_image.clone() for _ in range(tensors.shape[0])]
