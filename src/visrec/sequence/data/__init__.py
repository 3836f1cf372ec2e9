"""Sequence data: text corpora, caption vocabularies, COCO captions, generated shapes scenes."""

from visrec.sequence.data.text import CharVocab, TextCorpus, default_text_source, read_corpus

__all__ = ["CharVocab", "TextCorpus", "default_text_source", "read_corpus"]
