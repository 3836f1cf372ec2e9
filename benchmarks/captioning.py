"""Captioning on the generated shapes scenes: BLEU-4 on held-out scenes of seen and of novel colour-shape
combinations, and training time, for the RNN, the LSTM and the soft-attention model (one process).

Issue 9, section 5: target BLEU-4 >= 0.5 on the seen split; attention must not be worse than no
attention on the novel split; training <= 10 minutes per model on this CPU. Each model trains through
``visrec.sequence.train_caption.train_caption`` with the same data (seed 0), epochs and batch size;
the final line gives the attention / LSTM ratio on the novel split.

    python benchmarks/captioning.py                       # rnn, lstm, attention; 4,000 scenes, 20 epochs
    python benchmarks/captioning.py --models lstm,attention --epochs 30 --beam 3
    python benchmarks/captioning.py --quick               # tiny, checks the script runs
"""

from __future__ import annotations

import argparse

from _machine import header
from visrec.sequence.config import CaptionConfig
from visrec.sequence.train_caption import train_caption


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="rnn,lstm,attention")
    p.add_argument("--train", type=int, default=4000, help="training scenes")
    p.add_argument("--val", type=int, default=500, help="scenes per held-out split")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--beam", type=int, default=1)
    p.add_argument("--minutes", type=float, default=10.0, help="budget per model")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", default="runs/bench-caption")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    header()
    if a.quick:
        a.train, a.val, a.epochs = 48, 16, 1
    results = {}
    for model in a.models.split(","):
        size = dict(image_size=24, encoder_width=4, hidden=16, embed=8) if a.quick else {}
        cfg = CaptionConfig(
            model=model,
            shapes_train=a.train,
            shapes_val=a.val,
            epochs=a.epochs,
            beam=a.beam,
            max_minutes=a.minutes,
            threads=a.threads,
            out=f"{a.out}-{model}",
            overwrite=True,
            progress=False,
            **size,
        )
        m = train_caption(cfg, echo=lambda s: None)
        results[model] = m
        print(
            f"{model:9s}: {m['seconds']:7.1f} s ({m['status']}), BLEU-4 seen {m['val_bleu4']:.3f}, "
            f"novel {m['novel_bleu4']:.3f}; BLEU-1 seen {m['val_bleu1']:.3f}, novel {m['novel_bleu1']:.3f}"
        )
        print(f"           e.g. {m['novel_examples'][0]!r}")
    if "attention" in results and "lstm" in results:
        att, lstm = results["attention"]["novel_bleu4"], results["lstm"]["novel_bleu4"]
        print(
            f"ratio attention / lstm BLEU-4 on novel combinations: {att / lstm if lstm else float('nan'):.2f}"
        )


if __name__ == "__main__":
    main()
