"""Evaluation of generative models: the digit classifier, its sample-quality scores, the Fréchet distance."""

from visrec.generative.evaluation.classifier import (
    DigitClassifier,
    DigitClassifierConfig,
    load_digit_classifier,
    train_digit_classifier,
)
from visrec.generative.evaluation.frechet import (
    frechet_distance,
    frechet_distance_from_features,
    trace_sqrt_product,
)
from visrec.generative.evaluation.scores import class_histogram_entropy, sample_quality

__all__ = [
    "DigitClassifier",
    "DigitClassifierConfig",
    "class_histogram_entropy",
    "frechet_distance",
    "frechet_distance_from_features",
    "load_digit_classifier",
    "sample_quality",
    "trace_sqrt_product",
    "train_digit_classifier",
]
