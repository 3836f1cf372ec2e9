"""Corpus-level BLEU-1..4 (Papineni et al. 2002), the captioning metric.

For each candidate, n-gram counts are clipped by the largest count of that n-gram in any of its
references; the clipped matches and the candidate n-gram totals are summed over the *corpus* before the
precisions p_n are formed. The brevity penalty uses the corpus candidate length c and the sum over
candidates of the reference length closest to each candidate's (ties: the shorter), r:
``BLEU-N = BP * exp(sum_{n<=N} log p_n / N)``, ``BP = 1 if c > r else exp(1 - r / c)``.

No smoothing: a corpus with no matching n-gram of some order gets BLEU 0 for that N and above (nltk's
``corpus_bleu`` without a smoothing function, i.e. ``SmoothingFunction().method0``, does the same; the
tests compare against it). One convention differs from nltk: a candidate shorter than n contributes 0 to
p_n's denominator, as in the paper and coco-caption's ``bleu_scorer``; nltk counts 1.

>>> refs = [[["a", "red", "circle", "above", "a", "blue", "square"]]]
>>> round(corpus_bleu(refs, [["a", "red", "circle", "above", "a", "blue", "square"]])["bleu4"], 6)
1.0
"""

from __future__ import annotations

import math
from collections import Counter

__all__ = ["corpus_bleu", "ngrams"]


def ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(references: list[list[list[str]]], candidates: list[list[str]], max_n: int = 4) -> dict:
    """BLEU-1..max_n of a corpus.

    Parameters
    ----------
    references : per candidate, its list of reference token lists (several captions per image).
    candidates : the predicted token lists, one per image.

    Returns
    -------
    dict ``bleu1`` .. ``bleu{max_n}``, ``precisions`` (p_1..p_N), ``brevity_penalty``, ``c``, ``r``.
    """
    if len(references) != len(candidates):
        raise ValueError(
            f"corpus_bleu needs one reference list per candidate; got {len(references)} "
            f"reference lists and {len(candidates)} candidates."
        )
    matches, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for refs, cand in zip(references, candidates, strict=True):
        if not refs:
            raise ValueError("every candidate needs at least one reference caption.")
        c += len(cand)
        r += min((abs(len(ref) - len(cand)), len(ref)) for ref in refs)[1]
        for n in range(1, max_n + 1):
            counts = ngrams(cand, n)
            best: Counter = Counter()
            for ref in refs:
                best |= ngrams(ref, n)  # elementwise max of the counts
            matches[n - 1] += sum(min(k, best[g]) for g, k in counts.items())
            totals[n - 1] += max(len(cand) - n + 1, 0)
    precisions = [m / t if t else 0.0 for m, t in zip(matches, totals, strict=True)]
    bp = 1.0 if c > r else (math.exp(1 - r / c) if c else 0.0)
    out = {"precisions": precisions, "brevity_penalty": bp, "c": c, "r": r}
    for N in range(1, max_n + 1):
        ps = precisions[:N]
        out[f"bleu{N}"] = bp * math.exp(sum(math.log(p) for p in ps) / N) if min(ps) > 0 else 0.0
    return out
