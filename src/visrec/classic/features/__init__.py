"""Hand-made image features of Lecture 3 (L2836-2925): colour histogram, HOG, bag of words, polar."""

from visrec.classic.features.bow import BagOfVisualWords
from visrec.classic.features.color import color_histogram_hsv, rgb_to_hue
from visrec.classic.features.extract import FEATURES, FeatureExtractor, extract_features
from visrec.classic.features.hog import grayscale, hog_feature
from visrec.classic.features.polar import make_rings, polar_features

__all__ = [
    "FEATURES",
    "BagOfVisualWords",
    "FeatureExtractor",
    "color_histogram_hsv",
    "extract_features",
    "grayscale",
    "hog_feature",
    "make_rings",
    "polar_features",
    "rgb_to_hue",
]
