"""Text corpora: the standard-library default, whole-file validation splits, character vocabularies."""

import numpy as np
import pytest

from visrec.sequence.data.text import CharVocab, default_text_source, read_corpus
from visrec.utils.errors import DataError


def test_default_corpus_is_the_standard_librarys_own_source():
    corpus = read_corpus(None, val_fraction=0.1, max_chars=200_000)
    assert "Python standard library" in corpus.source
    assert all(f.endswith(".py") and f.startswith(str(default_text_source())) for f in corpus.train_files)
    assert "site-packages" not in " ".join(corpus.train_files + corpus.val_files)
    assert corpus.val_files and not set(corpus.val_files) & set(corpus.train_files)  # whole files held out
    assert "def " in corpus.train and len(corpus.train) + len(corpus.val) >= 200_000


def test_folder_holds_out_whole_trailing_files(tmp_path):
    for i in range(5):
        (tmp_path / f"play{i}.txt").write_text(f"PLAY {i}\n" + "words " * 100)
    corpus = read_corpus(tmp_path, val_fraction=0.3)
    assert [p.rsplit("/", 1)[1] for p in corpus.val_files] == ["play4.txt"]
    assert corpus.val.startswith("PLAY") and corpus.train.startswith("PLAY 0")
    assert corpus.train + corpus.val == "".join(f"PLAY {i}\n" + "words " * 100 for i in range(5))


def test_single_file_holds_out_its_tail(tmp_path):
    (tmp_path / "a.txt").write_text("abcdefghij" * 10)
    corpus = read_corpus(tmp_path / "a.txt", val_fraction=0.2)
    assert len(corpus.val) == 20 and corpus.train + corpus.val == "abcdefghij" * 10


def test_char_vocab_strict_and_lenient():
    v = CharVocab.from_text("hello")
    np.testing.assert_array_equal(v.encode("hole"), [1, 3, 2, 0])
    assert v.encode("hex!", strict=False).tolist() == [1, 0]
    with pytest.raises(DataError, match=r"2 character\(s\) the vocabulary lacks"):
        v.encode("hex!")
