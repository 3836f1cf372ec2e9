"""Text corpora for character language models: read a file or a folder, a character vocabulary, splits.

The default corpus is the Python standard library's own ``.py`` files, so every installation has real text
to learn from. A folder is read file by file in sorted order; the validation text is made of *whole files*
(the last ones, about ``val_fraction`` of the characters), so a folder of plays holds out whole plays.

>>> vocab = CharVocab.from_text("hello")
>>> vocab.chars, vocab.encode("hell").tolist(), vocab.decode([3, 2])
(['e', 'h', 'l', 'o'], [1, 0, 2, 2], 'ol')
"""

from __future__ import annotations

import os
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visrec.utils.errors import DataError

__all__ = ["CharVocab", "TextCorpus", "default_text_source", "read_corpus", "TEXT_SUFFIXES"]

#: folders left out of a folder corpus (the standard library's tests and third-party packages)
SKIP_PARTS = {"test", "tests", "site-packages", "dist-packages", "__pycache__"}
TEXT_SUFFIXES = (".txt", ".py", ".md", ".rst", ".c", ".h", ".tex", ".js", ".html", ".css", ".json", ".csv")


def default_text_source() -> Path:
    """The folder of the running Python's standard library (its ``.py`` files are the default corpus)."""
    return Path(sysconfig.get_paths()["stdlib"])


@dataclass
class CharVocab:
    """Sorted characters, id = position; ``encode`` refuses unknown characters (strict) or drops them."""

    chars: list[str]

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        return cls(sorted(set(text)))

    def __post_init__(self):
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str, strict: bool = True, what: str = "the text") -> np.ndarray:
        """Character ids, int64 (len(text),). Unknown characters: DataError (strict) or left out."""
        ids = [self.index.get(c, -1) for c in text]
        if strict and -1 in ids:
            unknown = sorted({c for c in text if c not in self.index})
            raise DataError(
                f"{what} has {len(unknown)} character(s) the vocabulary lacks, e.g. {unknown[:8]!r}. "
                "Train on a text that contains them, or evaluate on text in the same characters."
            )
        return np.array([i for i in ids if i >= 0], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)


@dataclass
class TextCorpus:
    """Train and validation text, and where they came from."""

    train: str
    val: str
    source: str
    train_files: list[str]
    val_files: list[str]


def _text_files(folder: Path, suffixes) -> list[Path]:
    """Files with ``suffixes`` under ``folder`` (skipping :data:`SKIP_PARTS` folders), sorted."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIP_PARTS]
        found.extend(Path(root) / f for f in files if f.endswith(tuple(suffixes)))
    return sorted(found)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None


def read_corpus(
    source=None,
    val_fraction: float = 0.1,
    max_chars: int | None = None,
    flag="--text",
    suffixes=TEXT_SUFFIXES,
) -> TextCorpus:
    """Read ``source`` (a file, a folder, or None for the standard library) and split off validation text.

    Parameters
    ----------
    source : path of a UTF-8 text file or of a folder (files with ``suffixes``, recursively; the standard
        library's test folders are left out). None: :func:`default_text_source` with ``.py`` files only.
    val_fraction : share of the characters held out: whole trailing files of a folder, the tail of a file.
    max_chars : stop reading after this many characters (files are taken whole, in sorted order).
    """
    if source is None:
        folder, suffixes = default_text_source(), (".py",)
        paths = _text_files(folder, suffixes)
        label = f"the Python standard library ({folder})"
    else:
        path = Path(source)
        if not path.exists():
            raise DataError(
                f"{flag} {source}: no such file or folder. Pass a UTF-8 text file or a folder of them."
            )
        paths = [path] if path.is_file() else _text_files(path, suffixes)
        label = str(source)
    texts, names, total = [], [], 0
    for p in paths:
        t = _read(p)
        if t:
            texts.append(t)
            names.append(str(p))
            total += len(t)
        if max_chars is not None and total >= max_chars:
            break
    if total == 0:
        raise DataError(
            f"{flag} {label}: no text found (empty, not UTF-8, or no files ending in {suffixes})."
        )
    if len(set("".join(texts))) < 2:
        raise DataError(f"{flag} {label}: the text has one distinct character; there is nothing to predict.")
    if len(texts) >= 2 and val_fraction > 0:
        cut, seen = len(texts) - 1, 0
        for i, t in enumerate(texts):  # first file that starts past (1 - val_fraction) of the characters
            if seen >= (1 - val_fraction) * total:
                cut = i
                break
            seen += len(t)
        cut = max(1, min(cut, len(texts) - 1))
        return TextCorpus("".join(texts[:cut]), "".join(texts[cut:]), label, names[:cut], names[cut:])
    text = "".join(texts)
    k = int(round(len(text) * (1 - val_fraction)))
    return TextCorpus(text[:k], text[k:], label, names, names if val_fraction > 0 else [])
