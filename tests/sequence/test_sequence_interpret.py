"""Interpretable cells: text features, the correlation search (on planted units) and the figures."""

import json

import numpy as np
import pytest
import torch

from visrec.sequence.charrnn import CharModel
from visrec.sequence.data.text import CharVocab
from visrec.sequence.interpret import best_units, find_cells, text_features
from visrec.sequence.models.char_model import CharRNN

CODE = "".join(f"def f{i}(x):\n    s = 'abc{i}'  # note\n    if x:\n        return s\n" for i in range(30))


def test_features_of_a_python_snippet():
    f = text_features("a = 'q'\n  # c 'x'\nb")
    assert f["inside_quotes"].tolist()[:8] == [0, 0, 0, 0, 0, 1, 1, 0]
    assert f["inside_comment"][10:17].tolist() == [1] * 7 and f["inside_quotes"][14:17].tolist() == [0, 0, 0]
    assert (
        f["indentation"][8] == pytest.approx(0.25)
        and f["indentation"][12] == 0.5
        and f["indentation"][-1] == 0
    )
    assert f["line_position"][:3].tolist() == [1, 2, 3] and f["line_position"][7] == 0


def test_best_units_find_planted_units():
    feats = text_features(CODE)
    rng = np.random.default_rng(0)
    acts = rng.standard_normal((len(CODE), 20))
    acts[:, 7] = feats["inside_quotes"] + 0.1 * rng.standard_normal(len(CODE))
    acts[:, 3] = -feats["indentation"] + 0.1 * rng.standard_normal(len(CODE))
    found = best_units(acts, feats)
    assert found["inside_quotes"]["unit"] == 7 and found["inside_quotes"]["r"] > 0.9
    assert found["indentation"]["unit"] == 3 and found["indentation"]["r"] < -0.9


@pytest.mark.slow
def test_find_cells_writes_json_html_and_png(tmp_path):
    torch.manual_seed(0)
    vocab = CharVocab.from_text(CODE)
    model = CharModel(CharRNN(len(vocab), embed=8, hidden=16, layers=1), vocab)
    found = find_cells(model, CODE[:600], tmp_path, show_chars=200)
    assert set(found) == {"inside_quotes", "indentation", "line_position", "inside_comment"}
    assert json.loads((tmp_path / "cells.json").read_text()) == found
    for name in found:
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
        assert "<span" in (tmp_path / f"{name}.html").read_text()
