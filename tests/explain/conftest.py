import pytest
from _explain_nets import train_digits_model


@pytest.fixture(scope="session")
def digits_model():
    """(model, x_test (297, 1, 8, 8) in [0, 1], y_test): a TinyCNN trained on digits in a few seconds."""
    return train_digits_model()
