"""The sequence models in the registry are the trainers' own classes and satisfy their protocols."""

from __future__ import annotations

import pytest
import torch

from visrec.sequence.models.char_model import CharRNN
from visrec.sequence.models.image_captioner import ImageCaptioner
from visrec.torch_nn import create_model, list_models
from visrec.torch_nn.interfaces import Captioner, SequenceModel


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_char_models_match_the_trainer_class_and_carry_state_like_one_long_pass(cell):
    torch.manual_seed(0)
    model = create_model(f"char_{cell}", vocab_size=11, embed=6, hidden=8, layers=2).eval()
    assert isinstance(model, SequenceModel) and type(model) is CharRNN and model.config["cell"] == cell
    twin = CharRNN(11, embed=6, hidden=8, layers=2, cell=cell)
    twin.load_state_dict(model.state_dict())  # same layout as what `visrec charrnn train` saves
    x = torch.randint(11, (3, 10))
    whole, _ = model(x, model.init_state(3))
    first, state = model(x[:, :4], model.init_state(3))
    rest, _ = model(x[:, 4:], state)
    torch.testing.assert_close(torch.cat([first, rest], 1), whole)  # the zero state = no state
    torch.testing.assert_close(model(x)[0], whole)


@pytest.mark.parametrize("name", ["caption_rnn", "caption_lstm", "caption_attention"])
def test_captioners_generate_what_caption_decodes(name):
    assert name in list_models(kind="captioner")
    torch.manual_seed(0)
    model = create_model(name, vocab_size=9, encoder_width=4, embed=6, hidden=8, attention_dim=8,
                         image_size=16).eval()
    assert isinstance(model, Captioner) and type(model) is ImageCaptioner
    images = torch.rand(2, 3, 16, 16)
    assert model(images, torch.ones(2, 4, dtype=torch.long)).shape == (2, 4, 9)
    assert model.generate(images, max_len=5) == model.caption(images, max_length=5)
    assert all(len(ids) <= 5 for ids in model.generate(images, max_len=5))
