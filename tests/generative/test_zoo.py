"""The generators in the torch registry follow the Generator contract of visrec.torch_nn.interfaces."""

import pytest
import torch

from visrec.torch_nn import create_model, list_models
from visrec.torch_nn.interfaces import Generator

SMALL = {
    "pixelcnn": dict(hidden=4, layers=1, kernel_size=3, output="bernoulli", image_size=5),
    "gated_pixelcnn": dict(hidden=4, layers=2, kernel_size=3, output="bernoulli", image_size=5),
    "pixelrnn": dict(hidden=4, layers=1, output="bernoulli", image_size=5),
    "conv_vae": dict(image_size=8, latent_dim=2, width=4),
    "mlp_vae": dict(image_size=8, latent_dim=2, hidden=16),
    "dcgan_generator": dict(noise_dim=4, image_size=8, width=4),
}


def test_every_generative_model_is_registered():
    assert set(SMALL) <= set(list_models(kind="generator"))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_registered_generators_follow_the_contract(name):
    model = create_model(name, **SMALL[name])
    assert isinstance(model, Generator)
    s = model.sample(3, torch.Generator().manual_seed(0))
    side = SMALL[name]["image_size"]
    assert s.shape == (3, 1, side, side)
    if name == "dcgan_generator":
        with pytest.raises(NotImplementedError, match="implicit"):
            model.log_prob(s)
        return
    x = (s > 0.5).long() if "vae" not in name else (s > 0.5).float()
    with torch.no_grad():
        if "vae" in name:  # the ELBO is a Monte-Carlo estimate: the same noise for both
            lp, nll = (
                model.log_prob(x, torch.Generator().manual_seed(1)),
                model.nll(x, torch.Generator().manual_seed(1)),
            )
        else:
            lp, nll = model.log_prob(x), model.nll(x)
    assert lp.shape == (3,) and nll.ndim == 0
    assert float(nll) == pytest.approx(float(-lp.mean()), rel=1e-6)
