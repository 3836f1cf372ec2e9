"""Lectures 2-3: the classic image-classification pipeline.

k-nearest neighbours on pixels, linear classifiers (multiclass SVM and Softmax, naive and vectorized losses)
trained by minibatch SGD, random search, and hand-made image features (colour histogram, HOG, bag of visual
words, polar coordinates). Estimators follow the scikit-learn contract. Layout: rows are examples, X (N, D).
"""

from visrec.classic.distances import (
    cosine_distances,
    l1_distances_no_loops,
    l1_distances_one_loop,
    l1_distances_two_loops,
    l2_distances_no_loops,
    l2_distances_one_loop,
    l2_distances_two_loops,
    pairwise_distances,
)
from visrec.classic.knn import KNearestNeighbor
from visrec.classic.linear import LinearClassifier, LinearSVM, Softmax
from visrec.classic.linear_loss import (
    linear_scores,
    softmax_loss_naive,
    softmax_loss_vectorized,
    svm_loss_naive,
    svm_loss_vectorized,
)
from visrec.classic.neighbors import iter_chunked_kneighbors, kneighbors
from visrec.classic.random_search import RandomSearchClassifier, random_search

__all__ = [
    "KNearestNeighbor",
    "LinearClassifier",
    "LinearSVM",
    "RandomSearchClassifier",
    "Softmax",
    "linear_scores",
    "softmax_loss_naive",
    "softmax_loss_vectorized",
    "svm_loss_naive",
    "svm_loss_vectorized",
    "cosine_distances",
    "iter_chunked_kneighbors",
    "kneighbors",
    "l1_distances_no_loops",
    "l1_distances_one_loop",
    "l1_distances_two_loops",
    "l2_distances_no_loops",
    "l2_distances_one_loop",
    "l2_distances_two_loops",
    "pairwise_distances",
    "random_search",
]
