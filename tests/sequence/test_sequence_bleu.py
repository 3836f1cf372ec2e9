"""Corpus BLEU-1..4 against nltk's corpus_bleu (no smoothing function, the default weights per order)."""

import warnings

import numpy as np
import pytest
from nltk.translate.bleu_score import corpus_bleu as nltk_corpus_bleu

from visrec.sequence.bleu import corpus_bleu

WORDS = "a the red blue green small large circle square triangle above below left of right".split()
WEIGHTS = {1: (1.0,), 2: (0.5, 0.5), 3: (1 / 3,) * 3, 4: (0.25,) * 4}


def random_corpus(seed, n=40):
    rng = np.random.default_rng(seed)

    def caption(shortest):
        return [
            WORDS[i] for i in rng.integers(0, 8 if seed % 2 else len(WORDS), size=rng.integers(shortest, 10))
        ]

    refs = [[caption(2) for _ in range(rng.integers(1, 5))] for _ in range(n)]
    # candidates of >= 4 words (see test_candidates_shorter_than_n_follow_papineni_not_nltk), some exact hits
    cands = [list(r[0]) if rng.random() < 0.3 and len(r[0]) >= 4 else caption(4) for r in refs]
    return refs, cands


@pytest.mark.parametrize("seed", range(6))
def test_matches_nltk_corpus_bleu(seed):
    refs, cands = random_corpus(seed)
    ours = corpus_bleu(refs, cands)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nltk warns when an order has no match (then both give 0)
        for n, w in WEIGHTS.items():
            assert ours[f"bleu{n}"] == pytest.approx(
                nltk_corpus_bleu(refs, cands, weights=w), rel=1e-12, abs=1e-15
            )


def test_short_candidates_pay_the_brevity_penalty():
    refs = [[["a", "small", "red", "circle", "above", "a", "square"]]]
    out = corpus_bleu(refs, [["a", "small", "red", "circle"]])
    assert out["precisions"][0] == 1.0 and out["brevity_penalty"] == pytest.approx(np.exp(1 - 7 / 4))
    assert out["bleu1"] == pytest.approx(
        nltk_corpus_bleu(refs, [["a", "small", "red", "circle"]], weights=(1,))
    )


def test_clipping_counts_repeated_words_once_per_reference_occurrence():
    out = corpus_bleu([[["the", "cat"]]], [["the", "the", "the"]])
    assert out["precisions"][0] == pytest.approx(1 / 3)


def test_mismatched_lengths_are_a_clear_error():
    with pytest.raises(ValueError, match="one reference list per candidate"):
        corpus_bleu([[["a"]]], [["a"], ["b"]])


def test_candidates_shorter_than_n_follow_papineni_not_nltk():
    """A 3-word candidate has no 4-grams: 0 in p_4's denominator (Papineni, coco-caption's bleu_scorer);
    nltk's modified_precision counts max(1, 0) = 1 there, so on such corpora nltk's BLEU-4 is lower."""
    refs = [[["a", "red", "circle"]], [["a", "blue", "square", "above", "a", "circle"]]]
    cands = [["a", "red", "circle"], ["a", "blue", "square", "above", "a", "circle"]]
    ours = corpus_bleu(refs, cands)
    assert ours["precisions"][3] == 1.0 and ours["bleu4"] == pytest.approx(1.0)
    assert nltk_corpus_bleu(refs, cands) == pytest.approx((3 / 4) ** 0.25)  # nltk: p_4 = 3 / (3 + 1)
