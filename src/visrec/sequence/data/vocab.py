"""Word vocabulary of captions: ``<NULL>`` (padding, id 0), ``<START>`` 1, ``<END>`` 2, ``<UNK>`` 3, then the
words seen at least ``min_count`` times, most frequent first (ties alphabetical).

>>> v = WordVocab.build([["a", "red", "circle"], ["a", "blue", "square"]], min_count=1)
>>> v.words[:6]
['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'blue']
>>> v.encode(["a", "green", "circle"], max_length=5).tolist()
[1, 4, 3, 6, 2, 0, 0]
>>> v.decode([1, 4, 7, 6, 2, 0])
'a red circle'
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from visrec.utils.errors import DataError

__all__ = ["WordVocab", "tokenize", "SPECIAL"]

SPECIAL = ("<NULL>", "<START>", "<END>", "<UNK>")
NULL, START, END, UNK = range(4)


def tokenize(caption: str) -> list[str]:
    """Lower case, punctuation removed, split on white space: 'A red Circle.' -> ['a', 'red', 'circle']."""
    return re.sub(r"[^a-z0-9' ]+", " ", caption.lower()).split()


@dataclass
class WordVocab:
    words: list[str]
    index: dict[str, int] = field(init=False)

    def __post_init__(self):
        if tuple(self.words[:4]) != SPECIAL:
            raise DataError(f"a caption vocabulary starts with {SPECIAL}; got {self.words[:4]}.")
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, captions: list[list[str]], min_count: int = 1) -> WordVocab:
        """From tokenized captions; words seen fewer than ``min_count`` times become ``<UNK>``."""
        counts = Counter(w for c in captions for w in c)
        kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        if not kept:
            raise DataError(f"no word occurs at least --min-count {min_count} times in the captions.")
        return cls([*SPECIAL, *kept])

    def __len__(self) -> int:
        return len(self.words)

    null, start, end, unk = NULL, START, END, UNK

    def encode(self, tokens: list[str], max_length: int) -> np.ndarray:
        """``<START> w1 .. wk <END> <NULL>..`` as int64 (max_length + 2,); longer captions are cut."""
        ids = [self.index.get(w, UNK) for w in tokens[:max_length]]
        out = np.full(max_length + 2, NULL, dtype=np.int64)
        out[: len(ids) + 2] = [START, *ids, END]
        return out

    def decode(self, ids) -> str:
        """Words up to the first ``<END>``, without ``<START>`` / ``<NULL>``."""
        words = []
        for i in ids:
            i = int(i)
            if i == END:
                break
            if not 0 <= i < len(self.words):
                raise DataError(f"unknown token id {i}; the vocabulary has {len(self.words)} words.")
            if i not in (NULL, START):
                words.append(self.words[i])
        return " ".join(words)
