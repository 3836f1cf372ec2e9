"""Save a fitted classic pipeline to a run directory and load it back as a predictor. No pickle.

A classic pipeline turns uint8 images (N, H, W, C) into rows (N, D) and classifies the rows:

- ``knn``:             pixels -> pixel preprocessing (e.g. mean image) -> :class:`KNearestNeighbor`
- ``linear``:          pixels -> pixel preprocessing -> :class:`LinearClassifier` (SVM or Softmax)
- ``features_linear``: (optional resize) -> :class:`FeatureExtractor` -> standardization -> linear

On disk (``RunDir.save_model``): ``model.safetensors`` holds the arrays (kNN: ``X_fit``, ``y``; linear:
``W``; preprocessing and feature states under ``pre.``, ``scaler.`` and ``features.`` prefixes) and
``model.json`` holds ``{"kind": "classic", "model", "hyperparameters", "class_names", "input_shape",
"preprocessing", ...}``: everything needed to rebuild the predictor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visrec.data.images import resize_images
from visrec.runs import RunDir, load_model
from visrec.utils.errors import DataError

__all__ = ["ClassicPredictor", "load_predictor", "save_predictor"]

MODELS = ("knn", "linear", "features_linear")


class ClassicPredictor:
    """A fitted classic pipeline from uint8 images to class probabilities.

    Parameters
    ----------
    model : "knn", "linear" or "features_linear"
    estimator : a fitted KNearestNeighbor or LinearClassifier
    class_names : K names
    input_shape : (H, W, C) of the images the pipeline accepts
    preprocessor : fitted pixel preprocessing with ``transform(X (N, D))`` (None: raw pixels)
    features : fitted FeatureExtractor with ``transform(images (N, H, W, C))`` (features_linear only)
    scaler : fitted standardization of the feature rows (features_linear only)
    resize : (H', W') the images are resized to before feature extraction, or None
    hyperparameters : what the estimator was built with (stored in model.json)
    dtype : float dtype of the pixel rows ("float32" for k-NN: the fast exact path and half the memory)
    """

    def __init__(
        self,
        model,
        estimator,
        class_names,
        input_shape,
        preprocessor=None,
        features=None,
        scaler=None,
        resize=None,
        hyperparameters=None,
        dtype="float64",
    ):
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}; got {model!r}.")
        self.model = model
        self.estimator = estimator
        self.class_names = [str(c) for c in class_names]
        self.input_shape = tuple(int(v) for v in input_shape)
        self.preprocessor = preprocessor
        self.features = features
        self.scaler = scaler
        self.resize = None if resize is None else tuple(int(v) for v in resize)
        self.hyperparameters = dict(hyperparameters or {})
        self.dtype = np.dtype(dtype).name

    @property
    def has_proba(self) -> bool:
        """False for the SVM, whose scores are not probabilities (its predict_proba is a softmax of them)."""
        return self.model == "knn" or getattr(self.estimator, "loss", "softmax") != "svm"

    def transform(self, images) -> np.ndarray:
        """images : uint8 array of shape (N, H, W, C) -> rows (N, D) the estimator sees."""
        x = np.asarray(images)
        if x.ndim == 3 and self.input_shape[-1] == 1:
            x = x[..., None]
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"images must have shape (N, H, W, C) = (N, {', '.join(map(str, self.input_shape))}); "
                f"got {x.shape}. Resize / convert them first (visrec predict does that for files)."
            )
        if self.model == "features_linear":
            if self.resize is not None:
                x = resize_images(x, self.resize)
            rows = np.asarray(self.features.transform(x), dtype=np.float64)
            return self.scaler.transform(rows) if self.scaler is not None else rows
        rows = x.reshape(len(x), -1).astype(self.dtype)  # (N, D)
        return self.preprocessor.transform(rows) if self.preprocessor is not None else rows

    def predict(self, images) -> np.ndarray:
        """Predicted labels (N,) int64."""
        return np.asarray(self.estimator.predict(self.transform(images)), dtype=np.int64)

    def predict_proba(self, images) -> np.ndarray:
        """Class probabilities (N, K) over all K class_names: kNN vote fractions, Softmax probabilities,
        SVM softmax(scores). A class absent from the training split gets probability 0."""
        X = self.transform(images)
        if hasattr(self.estimator, "predict_proba"):
            p = np.asarray(self.estimator.predict_proba(X), dtype=np.float64)
        else:
            s = np.asarray(self.estimator.decision_function(X), dtype=np.float64)
            if s.ndim == 1:  # binary: scikit-learn's s_1 - s_0, back to (N, 2) scores with that difference
                s = np.stack([np.zeros_like(s), s], axis=1)
            p = np.exp(s - s.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
        classes = np.asarray(self.estimator.classes_, dtype=np.int64)  # (K',) labels seen in training
        if len(classes) == len(self.class_names) and np.array_equal(classes, np.arange(len(classes))):
            return p
        out = np.zeros((len(p), len(self.class_names)))
        out[:, classes] = p  # (N, K)
        return out

    def score(self, images, labels) -> float:
        """Accuracy on ``images`` (N, H, W, C) with true ``labels`` (N,)."""
        return float(np.mean(self.predict(images) == np.asarray(labels)))


# ----------------------------------------------------------------------------- state of the parts
def _split_state(prefix: str, state: dict, tensors: dict) -> dict:
    """Move the ndarray entries of ``state`` into ``tensors[prefix + key]``; return the JSON rest."""
    rest = {}
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            tensors[f"{prefix}{key}"] = value
        else:
            rest[key] = value
    return rest


def _join_state(prefix: str, rest: dict, tensors: dict) -> dict:
    state = dict(rest)
    for key, value in tensors.items():
        if key.startswith(prefix):
            state[key[len(prefix) :]] = value
    return state


def _part_state(part, prefix: str, tensors: dict) -> dict | None:
    """{"class": ..., "state": JSON-able rest} of a preprocessing / feature / scaler object."""
    if part is None:
        return None
    return {"class": type(part).__name__, "state": _split_state(prefix, part.state(), tensors)}


def _part_from_state(desc: dict | None, prefix: str, tensors: dict, namespace: dict):
    if desc is None:
        return None
    cls = namespace.get(desc["class"])
    if cls is None:
        raise DataError(
            f"model.json names an unknown part {desc['class']!r}; expected one of {sorted(namespace)}."
        )
    return cls.from_state(_join_state(prefix, desc["state"], tensors))


def _preprocess_namespace() -> dict:
    from visrec.data.preprocess import TRANSFORMS

    return dict(TRANSFORMS)


def _feature_namespace() -> dict:
    from visrec.classic import features

    return {n: getattr(features, n) for n in dir(features) if hasattr(getattr(features, n), "from_state")}


# ----------------------------------------------------------------------------- save / load
def save_predictor(
    run: RunDir | str | Path, predictor: ClassicPredictor, extra_meta: dict | None = None
) -> None:
    """Write ``predictor`` to ``run``'s model.safetensors + model.json (kind "classic")."""
    run = run if isinstance(run, RunDir) else RunDir(run)
    est = predictor.estimator
    tensors: dict[str, np.ndarray] = {}
    if predictor.model == "knn":
        tensors["X_fit"] = np.asarray(est.X_fit_)
        tensors["y"] = np.asarray(est.classes_)[np.asarray(est.y_)].astype(np.int64)  # labels, not codes
    else:
        tensors["W"] = np.asarray(est.W_, dtype=np.float64)
    tensors["classes"] = np.asarray(est.classes_).astype(np.int64)
    meta = {
        "kind": "classic",
        "model": predictor.model,
        "hyperparameters": predictor.hyperparameters,
        # LinearSVM / Softmax fix ``loss`` as a class attribute (not a parameter): record it explicitly
        "estimator_params": _json_params(
            {**est.get_params(), **({"loss": est.loss} if hasattr(est, "loss") else {})}
        ),
        "class_names": predictor.class_names,
        "input_shape": list(predictor.input_shape),
        "preprocessing": _part_state(predictor.preprocessor, "pre.", tensors),
        "features": _part_state(predictor.features, "features.", tensors),
        "scaler": _part_state(predictor.scaler, "scaler.", tensors),
        "resize": None if predictor.resize is None else list(predictor.resize),
        "dtype": predictor.dtype,
        **(extra_meta or {}),
    }
    run.save_model(tensors, meta)


def _json_params(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, tuple):
            v = list(v)
        if v is None or isinstance(v, str | int | float | bool | list):
            out[k] = v
    return out


def load_predictor(run_dir: str | Path) -> ClassicPredictor:
    """Rebuild the :class:`ClassicPredictor` saved in ``run_dir`` (no refitting of anything learned)."""
    from visrec.classic import KNearestNeighbor, LinearClassifier

    tensors, meta = load_model(run_dir)
    if meta.get("kind") != "classic":
        raise DataError(f"{run_dir}/model.json has kind {meta.get('kind')!r}; expected 'classic'.")
    model = meta.get("model")
    if model not in MODELS:
        raise DataError(f"{run_dir}/model.json has model {model!r}; expected one of {MODELS}.")
    params = meta["estimator_params"]
    classes = tensors["classes"]
    if model == "knn":
        est = KNearestNeighbor(**params).fit(tensors["X_fit"], tensors["y"])
    else:
        est = LinearClassifier(**params)
        est.W_ = tensors["W"]
        est.classes_ = classes
        est.n_features_in_ = tensors["W"].shape[0] - 1
    pre_ns = _preprocess_namespace() if meta.get("preprocessing") or meta.get("scaler") else {}
    return ClassicPredictor(
        model,
        est,
        meta["class_names"],
        meta["input_shape"],
        preprocessor=_part_from_state(meta.get("preprocessing"), "pre.", tensors, pre_ns),
        features=_part_from_state(
            meta.get("features"), "features.", tensors, _feature_namespace() if meta.get("features") else {}
        ),
        scaler=_part_from_state(meta.get("scaler"), "scaler.", tensors, pre_ns),
        resize=meta.get("resize"),
        hyperparameters=meta.get("hyperparameters"),
        dtype=meta.get("dtype", "float64"),
    )
