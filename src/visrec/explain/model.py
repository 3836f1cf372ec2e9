"""One object for every method of this package: a classifier that takes pixels in [0, 1].

:class:`ExplainModel` wraps any registered torch classifier (``forward_features`` / ``forward_head``) with
the normalization it was trained with, so saliency, attacks, DeepDream and inversion all work in pixel space
(an FGSM epsilon of 8/255 means 8 grey levels) and clip to the valid range [0, 1]. It is built from

- a run directory of ``visrec train`` (:func:`load_explain_model` ``(run_dir)``), or
- a torchvision-layout weight file (``load_explain_model(weights="vgg16.pth", model="vgg16")``,
  ImageNet mean/std), or
- a live module (``ExplainModel(net, mean, std, class_names)``, what the tests use).

>>> import torch
>>> from visrec.torch_nn import create_model
>>> m = ExplainModel(create_model("tiny_cnn", num_classes=3), mean=(0.5,) * 3, std=(0.25,) * 3)
>>> tuple(m(torch.rand(2, 3, 32, 32)).shape)
(2, 3)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from visrec.explain._errors import DataError, ParameterError

__all__ = ["ExplainModel", "load_explain_model", "check_target", "to_pixels", "IMAGENET_MEAN", "IMAGENET_STD"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ExplainModel(nn.Module):
    """x : (N, C, H, W) pixels in [0, 1] -> logits (N, K) of the wrapped classifier ``net``.

    Parameters
    ----------
    net : nn.Module
        A classifier; ``forward_features`` / ``forward_head`` are used where present.
    mean, std : sequence of C floats
        The training normalization, in [0, 1] units.
    class_names : list of K str, optional
    input_size : (C, H, W), optional
        The size images are resized to before the model (defaults to ``net.input_size``).
    """

    def __init__(self, net: nn.Module, mean=(0.0,), std=(1.0,), class_names=None, input_size=None):
        super().__init__()
        self.net = net.eval()
        c = len(mean)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).reshape(1, c, 1, 1))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32).reshape(1, c, 1, 1))
        size = input_size or getattr(net, "input_size", None)
        self.input_size = tuple(size) if size else None
        k = getattr(net, "num_classes", None)
        self.class_names = list(class_names) if class_names else [str(i) for i in range(k or 0)]
        self.eval()  # explaining is inference: BN statistics and dropout fixed (train() to fine-tune)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Pixels (N, C, H, W) in [0, 1] -> the classifier's feature maps."""
        if not hasattr(self.net, "forward_features"):
            raise ParameterError(
                f"{type(self.net).__name__} has no forward_features / forward_head split; pass a layer name "
                "(--layer) instead, or use a registered classifier (visrec.torch_nn.create_model)."
            )
        return self.net.forward_features(self.normalize(x))

    def forward_head(self, f: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        return self.net.forward_head(f, pre_logits=pre_logits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if hasattr(self.net, "forward_features"):
            return self.forward_head(self.forward_features(x))
        return self.net(self.normalize(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The (N, D) vector fed to the last linear layer (for nearest neighbours and t-SNE)."""
        return self.forward_head(self.forward_features(x), pre_logits=True)


def check_target(target, num_classes: int, class_names=None) -> int:
    """A class index in [0, K) from an int or a class name; anything else names the valid choices."""
    names = list(class_names or [])
    if isinstance(target, str) and not target.lstrip("-").isdigit():
        if target in names:
            return names.index(target)
        raise ParameterError(
            f"Unknown class {target!r} (--target). Valid classes: "
            f"{', '.join(f'{i}={n}' for i, n in enumerate(names))}."
        )
    try:
        idx = int(target)
    except (TypeError, ValueError):
        raise ParameterError(
            f"The class (--target) must be an int or a class name; got {target!r}."
        ) from None
    if not 0 <= idx < num_classes:
        shown = ", ".join(f"{i}={n}" for i, n in enumerate(names[:20])) if names else ""
        raise ParameterError(
            f"Class index {idx} (--target) is out of range: this model has {num_classes} classes, so use "
            f"0..{num_classes - 1}" + (f" ({shown})." if shown else ".")
        )
    return idx


def load_explain_model(
    run_dir: str | Path | None = None,
    weights: str | Path | None = None,
    model: str | None = None,
    num_classes: int = 1000,
    class_names=None,
    device: str = "cpu",
) -> ExplainModel:
    """An :class:`ExplainModel` from a torch run directory, or from a torchvision-layout weight file.

    Parameters
    ----------
    run_dir : path, optional
        A directory written by ``visrec train --engine torch`` (``model.json`` + ``model.safetensors``).
    weights : path, optional
        A .pth / .safetensors state dict; needs ``model`` (a registered name such as "vgg16") and is
        normalized with the ImageNet mean and std (torchvision's convention).
    """
    if (run_dir is None) == (weights is None):
        raise ParameterError("Give exactly one of a run directory (RUN) or --weights FILE (with --model).")
    if run_dir is not None:
        from visrec.runs.predictor import load_predictor, model_kind

        kind = model_kind(run_dir)
        if kind != "torch":
            raise DataError(
                f"{run_dir} holds a {kind!r} model; the explain commands need a torch classifier "
                "(`visrec train --engine torch`)."
            )
        pred = load_predictor(run_dir, device=device)
        h, w, c = pred.input_shape
        size = tuple(pred.meta.get("resize_to") or (h, w))
        return ExplainModel(pred.model, pred.meta["mean"], pred.meta["std"], pred.class_names, (c, *size))
    if model is None:
        raise ParameterError("--weights needs --model NAME (a registered architecture, e.g. vgg16).")
    from visrec.torch_nn.registry import create_model

    net = create_model(model, num_classes=num_classes, weights=str(weights)).to(device)
    return ExplainModel(net, IMAGENET_MEAN, IMAGENET_STD, class_names)


def to_pixels(images: np.ndarray, model: ExplainModel) -> torch.Tensor:
    """uint8 images (N, H, W, C) or (H, W, C) -> float pixels (N, C, H, W) in [0, 1], resized to the model's
    input size; an image with the wrong number of channels names what the model takes."""
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4:
        raise ParameterError(f"Images must have shape (N, H, W, C) or (H, W, C); got {arr.shape}.")
    c_model = model.input_size[0] if model.input_size else arr.shape[-1]
    if arr.shape[-1] != c_model:
        mode = {1: "L (grayscale)", 3: "RGB"}.get(c_model, f"{c_model} channels")
        got = {1: "L (grayscale)", 3: "RGB", 4: "RGBA"}.get(arr.shape[-1], f"{arr.shape[-1]} channels")
        raise ParameterError(
            f"This model takes {mode} images; got {got} of shape {arr.shape}. Valid image modes: {mode}. "
            "Convert the image (PIL: image.convert('RGB') / 'L') or read it with visrec's image reader."
        )
    x = torch.from_numpy(np.array(arr, dtype=np.float32)).permute(0, 3, 1, 2) / 255.0  # a copy: writable
    if model.input_size and tuple(x.shape[-2:]) != tuple(model.input_size[1:]):
        x = torch.nn.functional.interpolate(
            x, size=model.input_size[1:], mode="bilinear", align_corners=False
        )
    return x.to(model.mean.device)
