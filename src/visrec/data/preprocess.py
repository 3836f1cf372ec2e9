"""Data preprocessing from Lecture 6 (cs231n notes, "Data Preprocessing"), fitted on training data only.

``X -= np.mean(X, axis=0)``; ``X /= np.std(X, axis=0)``; PCA and whitening from the SVD of the covariance;
for images, subtract the mean image (AlexNet) or the per-channel mean (VGG). Every transformer follows the
scikit-learn contract (``fit`` returns self, learned attributes end in ``_``, :class:`NotFittedError` before
``fit``) and can be saved: ``state()`` gives a dict of float64 arrays for safetensors, ``from_state`` rebuilds
it. Statistics are computed in float64; ``transform`` returns floats (float64 for integer input, the
input's float dtype otherwise).

The pitfall the lecture names: compute the statistics on the training split only, then apply the same
transform to validation and test data.

>>> import numpy as np
>>> X = np.array([[1.0, 2.0], [3.0, 6.0]])
>>> Standardize().fit_transform(X)
array([[-1., -1.],
       [ 1.,  1.]])
>>> add_bias_column(X)
array([[1., 2., 1.],
       [3., 6., 1.]])
"""

from __future__ import annotations

import numpy as np

from visrec.utils.errors import NotFittedError
from visrec.utils.validation import check_array, check_float, check_int


def _floats(X, name: str = "X") -> np.ndarray:
    X = check_array(name, X, ndim=(2, 3, 4), shape_doc="(N, D) or (N, H, W, C)")
    return X if X.dtype.kind == "f" else X.astype(np.float64)


def add_bias_column(X) -> np.ndarray:
    """The bias trick (Lecture 2): append a column of ones so W x + b becomes W' x'.

    X : ndarray of shape (N, D) -> ndarray of shape (N, D + 1)
    """
    X = _floats(X)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D); got {X.shape}. Flatten images first.")
    return np.hstack([X, np.ones((len(X), 1), dtype=X.dtype)])


class _Transformer:
    """fit / transform / fit_transform / state / from_state shared by every preprocessing step."""

    _state_keys: tuple[str, ...] = ()

    def fit(self, X, y=None):
        raise NotImplementedError

    def transform(self, X) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, X, y=None) -> np.ndarray:
        return self.fit(X, y).transform(X)

    def _check_fitted(self) -> None:
        if not hasattr(self, self._state_keys[0] + "_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. "
                "Call 'fit' on the training data first."
            )

    def _params(self) -> dict:
        return {}

    def _scalar_params(self) -> dict[str, float]:
        """Numeric hyperparameters that go into :meth:`state` as 1-element arrays."""
        return {}

    def state(self) -> dict[str, np.ndarray]:
        """Learned statistics and parameters as float64 arrays (for safetensors)."""
        self._check_fitted()
        arrays = {k: np.asarray(getattr(self, k + "_"), dtype=np.float64) for k in self._state_keys}
        arrays.update({k: np.asarray([v], dtype=np.float64) for k, v in self._scalar_params().items()})
        return arrays

    @classmethod
    def from_state(cls, state: dict):
        """Rebuild a fitted transformer from :meth:`state`."""
        missing = [k for k in cls._state_keys if k not in state]
        if missing:
            raise ValueError(
                f"{cls.__name__}.from_state needs keys {list(cls._state_keys)}; missing {missing}."
            )
        obj = cls(**cls._params_from_state(state))
        for k in cls._state_keys:
            setattr(obj, k + "_", np.asarray(state[k], dtype=np.float64))
        return obj

    @classmethod
    def _params_from_state(cls, state: dict) -> dict:
        return {}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"


class MeanImage(_Transformer):
    """Subtract the mean image of the training set (AlexNet).

    X : (N, H, W, C) or (N, D); ``mean_`` has the shape of one example, (H, W, C) or (D,).
    """

    _state_keys = ("mean",)

    def fit(self, X, y=None):
        X = _floats(X)
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = _floats(X)
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(f"X has examples of shape {X.shape[1:]}; this was fitted on {self.mean_.shape}.")
        return X - self.mean_.astype(X.dtype)


class ChannelMean(_Transformer):
    """Subtract the per-channel mean of the training set (VGG: one number per colour channel).

    X : (N, H, W, C) channels-last (or (N, C) for features); ``mean_`` has shape (C,).
    """

    _state_keys = ("mean",)

    def fit(self, X, y=None):
        X = _floats(X)
        self.mean_ = X.reshape(-1, X.shape[-1]).mean(axis=0, dtype=np.float64)  # (C,)
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = _floats(X)
        if X.shape[-1] != len(self.mean_):
            raise ValueError(
                f"X has {X.shape[-1]} channels (last axis); this was fitted on {len(self.mean_)}."
            )
        return X - self.mean_.astype(X.dtype)


class Standardize(_Transformer):
    """Zero mean and unit standard deviation per feature: ``X -= mean; X /= std`` (statistics over axis 0).

    A feature that is constant in the training data (std 0) is only centred (its std is taken as 1), as in
    scikit-learn's StandardScaler.
    """

    _state_keys = ("mean", "std")

    def fit(self, X, y=None):
        X = _floats(X)
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        self.std_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = _floats(X)
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(f"X has examples of shape {X.shape[1:]}; this was fitted on {self.mean_.shape}.")
        return (X - self.mean_.astype(X.dtype)) / self.std_.astype(X.dtype)


class PCA(_Transformer):
    """PCA and whitening via the SVD of the data covariance (Lecture 6; cs231n notes)::

        X -= mean(X, axis=0); cov = X.T @ X / N; U, S, V = svd(cov)
        Xrot = X @ U[:, :K]; Xwhite = Xrot / sqrt(S[:K] + eps)

    Parameters
    ----------
    n_components : K, the number of components kept (None: all D)
    whiten : divide each projection by the square root of its eigenvalue (plus ``eps``)
    eps : added to the eigenvalues before whitening (the notes use 1e-5), so tiny ones do not explode noise

    Attributes
    ----------
    mean_ : (D,)
    components_ : (K, D), rows are unit eigenvectors, by decreasing variance (sign: largest |entry| > 0)
    explained_variance_ : (K,), eigenvalues of the covariance with the 1/N normalisation of the notes
        (scikit-learn divides by N - 1)
    """

    _state_keys = ("mean", "components", "explained_variance")

    def __init__(self, n_components: int | None = None, whiten: bool = False, eps: float = 1e-5):
        self.n_components = n_components
        self.whiten = bool(whiten)
        self.eps = check_float("eps", eps, low=0.0, owner="PCA")

    def _params(self) -> dict:
        return {"n_components": self.n_components, "whiten": self.whiten, "eps": self.eps}

    def _scalar_params(self) -> dict[str, float]:
        return {"whiten": float(self.whiten), "eps": self.eps}

    @classmethod
    def _params_from_state(cls, state: dict) -> dict:
        return {
            "n_components": int(np.asarray(state["components"]).shape[0]),
            "whiten": bool(np.ravel(state.get("whiten", [0.0]))[0]),
            "eps": float(np.ravel(state.get("eps", [1e-5]))[0]),
        }

    def fit(self, X, y=None):
        X = check_array("X", X, ndim=2, shape_doc="(N, D)").astype(np.float64)
        n, d = X.shape
        k = (
            d
            if self.n_components is None
            else check_int("n_components", self.n_components, 1, d, owner="PCA")
        )
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        cov = Xc.T @ Xc / n  # (D, D)
        U, S, _ = np.linalg.svd(cov)
        signs = np.sign(U[np.abs(U).argmax(axis=0), np.arange(d)])  # deterministic sign per component
        U = U * np.where(signs == 0, 1.0, signs)
        self.components_ = U[:, :k].T  # (K, D)
        self.explained_variance_ = S[:k]
        return self

    def transform(self, X) -> np.ndarray:
        self._check_fitted()
        X = _floats(X)
        if X.ndim != 2 or X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"X must have shape (N, {self.mean_.shape[0]}); got {X.shape}.")
        out = (X - self.mean_) @ self.components_.T  # (N, K)
        if self.whiten:
            out = out / np.sqrt(self.explained_variance_ + self.eps)
        return out.astype(X.dtype, copy=False)

    def inverse_transform(self, Z) -> np.ndarray:
        """Map projections (N, K) back to the input space (N, D) (exact when K = D)."""
        self._check_fitted()
        Z = check_array("Z", Z, ndim=2, shape_doc="(N, K)").astype(np.float64)
        if self.whiten:
            Z = Z * np.sqrt(self.explained_variance_ + self.eps)
        return Z @ self.components_ + self.mean_


TRANSFORMS = {cls.__name__: cls for cls in (MeanImage, ChannelMean, Standardize, PCA)}
