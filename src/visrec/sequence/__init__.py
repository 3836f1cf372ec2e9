"""Lecture 10 on the torch side: character language models and image captioning (with soft attention).

- ``visrec.sequence.data``: text corpora, vocabularies, the COCO caption reader, generated shapes scenes.
- ``visrec.sequence.models``: the character LSTM / GRU, the captioners (RNN / LSTM, soft attention).
- ``visrec.sequence.decode``: greedy, temperature sampling and beam search.
- ``visrec.sequence.bleu``: corpus BLEU-1..4.
- ``visrec.sequence.train``: the trainers (run directories through ``visrec.runs``).

The NumPy twins (layers, min-char-rnn, CaptioningRNN) live in ``visrec.numpy_nn``.
"""
