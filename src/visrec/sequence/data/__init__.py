"""Sequence data: text corpora, caption vocabularies, COCO captions, generated shapes scenes."""

from visrec.sequence.data.coco import CaptionedImage, read_coco_captions
from visrec.sequence.data.shapes import HELD_OUT, ShapesCaptions, make_shapes
from visrec.sequence.data.text import CharVocab, TextCorpus, default_text_source, read_corpus
from visrec.sequence.data.vocab import SPECIAL, WordVocab, tokenize

__all__ = [
    "CharVocab",
    "TextCorpus",
    "default_text_source",
    "read_corpus",
    "WordVocab",
    "tokenize",
    "SPECIAL",
    "CaptionedImage",
    "read_coco_captions",
    "ShapesCaptions",
    "make_shapes",
    "HELD_OUT",
]
