"""Registry kinds (classifier, block, detector, ..., policy), list_models filtering, lazy MODEL_MODULES and
the interface check create_model applies to the new kinds."""

from __future__ import annotations

import sys
import textwrap

import pytest
import torch
from torch import nn

from visrec.torch_nn import registry
from visrec.torch_nn.interfaces import Generator, Policy, SequenceModel
from visrec.torch_nn.registry import KINDS, create_model, list_models, model_entry, register_model
from visrec.utils.errors import ParameterError


class _TinyPolicy(nn.Module):
    def __init__(self, obs_dim: int = 4, num_actions: int = 2):
        super().__init__()
        self.q = nn.Linear(obs_dim, num_actions)

    def forward(self, obs):
        return self.q(obs)  # (N, A) Q-values

    @torch.no_grad()
    def act(self, obs, deterministic: bool = False):
        return self(obs).argmax(1)


class _NoAct(nn.Module):
    def forward(self, obs):
        return obs


@pytest.fixture
def scratch_registry(monkeypatch):
    """Registrations made in a test disappear after it."""
    registry._ensure_loaded()
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    monkeypatch.setattr(registry, "MODEL_MODULES", list(registry.MODEL_MODULES))
    monkeypatch.setattr(registry, "_LOADED", set(registry._LOADED))


def test_kinds_are_the_lecture_packages():
    assert KINDS == (
        "classifier",
        "block",
        "detector",
        "segmenter",
        "generator",
        "sequence",
        "captioner",
        "policy",
    )
    assert registry.MODEL_MODULES[0] == "visrec.torch_nn.models"


def test_list_models_filters_by_kind_and_pattern(scratch_registry):
    @register_model(kind="policy", family="rl")
    def tiny_q(obs_dim: int = 4, num_actions: int = 2) -> _TinyPolicy:
        return _TinyPolicy(obs_dim, num_actions)

    assert "tiny_q" in list_models(kind="policy") and "tiny_q" not in list_models()
    assert "tiny_q" in list_models(kind=None) and "tiny_q" in list_models("tiny_*", kind=None)
    assert list_models("tiny_*", kind="policy") == ["tiny_q"] and "tiny_q" not in list_models(kind="detector")
    assert "resnet20" in list_models(None) and "resnet20" not in list_models(kind="block")
    assert set(list_models(kind=None)) == {n for k in KINDS for n in list_models(kind=k)}
    with pytest.raises(ParameterError, match="kind must be one of"):
        list_models(kind="classifiers")
    model = create_model("tiny_q", num_actions=3)  # no num_classes: the builder does not take it
    assert isinstance(model, Policy) and model.model_name == "tiny_q"
    assert model.act(torch.zeros(5, 4)).shape == (5,)


def test_create_model_checks_the_kind_interface(scratch_registry):
    @register_model(kind="policy")
    def no_act_policy() -> nn.Module:
        return _NoAct()

    with pytest.raises(TypeError, match=r"registered as a policy but its _NoAct lacks \['act'\]"):
        create_model("no_act_policy")


def test_model_modules_are_imported_lazily(scratch_registry, tmp_path, monkeypatch):
    (tmp_path / "visrec_test_zoo.py").write_text(
        textwrap.dedent(
            """
            import torch
            from torch import nn
            from visrec.torch_nn.registry import register_model

            class CharRNN(nn.Module):
                def __init__(self, vocab=5, hidden=8):
                    super().__init__()
                    self.hidden = hidden
                    self.emb = nn.Embedding(vocab, hidden)
                    self.rnn = nn.LSTM(hidden, hidden, batch_first=True)
                    self.out = nn.Linear(hidden, vocab)

                def init_state(self, batch_size):
                    z = torch.zeros(1, batch_size, self.hidden)
                    return (z, z.clone())

                def forward(self, x, state=None):
                    h, state = self.rnn(self.emb(x), state)
                    return self.out(h), state

            @register_model(kind="sequence")
            def test_char_rnn(vocab: int = 5) -> CharRNN:
                return CharRNN(vocab)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.MODEL_MODULES.append("visrec_test_zoo")
    assert "visrec_test_zoo" not in sys.modules
    assert "test_char_rnn" in list_models(kind="sequence")  # imported on first use
    assert model_entry("test_char_rnn").family == "visrec_test_zoo"
    model = create_model("test_char_rnn")
    assert isinstance(model, SequenceModel) and not isinstance(model, Generator)
    logits, (h, c) = model(torch.zeros(2, 3, dtype=torch.long), model.init_state(2))
    assert logits.shape == (2, 3, 5) and h.shape == c.shape == (1, 2, 8)
    monkeypatch.delitem(sys.modules, "visrec_test_zoo")


def test_a_missing_optional_dependency_skips_its_models_and_unknown_names_say_what_to_install(
    scratch_registry, tmp_path, monkeypatch
):
    (tmp_path / "visrec_test_needs.py").write_text("import no_such_package_xyz  # noqa\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.MODEL_MODULES.append("visrec_test_needs")
    monkeypatch.setattr(registry, "_UNAVAILABLE", {})
    assert "resnet20" in list_models()  # the other modules still load, silently
    assert registry._UNAVAILABLE == {"visrec_test_needs": "no_such_package_xyz"}
    with pytest.raises(ParameterError, match="visrec_test_needs are not loaded: pip install 'no_such_package_xyz'"):
        create_model("a_model_of_that_module")
