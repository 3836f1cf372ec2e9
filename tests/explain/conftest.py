import pytest

from _explain_nets import train_digits_model


@pytest.fixture(scope="session")
def digits_model():
    """(model, x_test (297, 1, 8, 8) in [0, 1], y_test): a TinyCNN trained on digits in a few seconds."""
    return train_digits_model()


def _save_run(path, model, name, kwargs, shape):
    """A run directory as `visrec train --engine torch` writes it (model.json kind "torch")."""
    from visrec.torch_nn.checkpoint import save_model

    path.mkdir(parents=True, exist_ok=True)
    meta = {
        "model": name,
        "model_kwargs": kwargs,
        "mean": model.mean.flatten().tolist(),
        "std": model.std.flatten().tolist(),
        "class_names": model.class_names,
        "input_shape": list(shape),
    }
    save_model(path, model.net, meta)
    return path


@pytest.fixture(scope="session")
def digits_run(digits_model, tmp_path_factory):
    """The trained digits model saved as a torch run directory."""
    return _save_run(
        tmp_path_factory.mktemp("runs") / "digits",
        digits_model[0],
        "tiny_cnn",
        {"in_chans": 1, "img_size": 8},
        (8, 8, 1),
    )


@pytest.fixture(scope="session")
def rgb_run(tmp_path_factory):
    """An untrained 3-channel 32x32 TinyCNN run directory (for commands that need colour, e.g. style)."""
    import torch

    from visrec.explain import ExplainModel
    from visrec.torch_nn import create_model

    torch.manual_seed(0)
    net = create_model("tiny_cnn", num_classes=10, width=8)
    model = ExplainModel(net, (0.5,) * 3, (0.25,) * 3, [f"c{i}" for i in range(10)])
    return _save_run(tmp_path_factory.mktemp("runs") / "rgb", model, "tiny_cnn", {"width": 8}, (32, 32, 3))
