"""Detection data: the in-memory dataset, Pascal VOC and COCO readers, COCO results, tiling, generated
shapes and the nuclei image. Everything validates on load and names the file in its errors."""

from .coco import coco_ground_truth, detections_to_coco, read_coco, write_coco_results
from .nuclei import IGNORE, QUADRANTS, NucleiSplit, nuclei_split, read_nuclei
from .rle import (
    compress_rle,
    counts_from_string,
    counts_to_string,
    decode_rle,
    encode_rle,
    polygon_to_rle,
    polygons_to_mask,
    rle_area,
    segmentation_to_mask,
)
from .sample import DetectionDataset, DetectionSample, collate_detection, validate_sample
from .shapes import SHAPE_CLASSES, make_shapes, semantic_map
from .tiling import merge_tile_detections, tile_cores, tile_dataset_samples, tile_sample, tile_windows
from .voc import parse_voc_xml, read_voc

__all__ = [
    "coco_ground_truth", "detections_to_coco", "read_coco", "write_coco_results",
    "IGNORE", "QUADRANTS", "NucleiSplit", "nuclei_split", "read_nuclei",
    "compress_rle", "counts_from_string", "counts_to_string", "decode_rle", "encode_rle", "polygon_to_rle",
    "polygons_to_mask", "rle_area", "segmentation_to_mask",
    "DetectionDataset", "DetectionSample", "collate_detection", "validate_sample",
    "SHAPE_CLASSES", "make_shapes", "semantic_map",
    "merge_tile_detections", "tile_cores", "tile_dataset_samples", "tile_sample", "tile_windows",
    "parse_voc_xml", "read_voc",
]
