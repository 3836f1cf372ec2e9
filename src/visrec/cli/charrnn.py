"""`visrec charrnn train|sample|evaluate`: character-level language models (Lecture 10).

visrec charrnn train --steps 3000 --out runs/char              # on the Python standard library
visrec charrnn train --text ../shared/data/shakespeare --cell gru --layers 2 --max-minutes 15
visrec charrnn sample runs/char --temperature 0.7 --prime "def " --length 400
visrec charrnn evaluate runs/char --text some_file.py --json
visrec charrnn cells runs/char --out runs/char/cells            # interpretable cells (HTML + PNG)
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from visrec.cli.common import (
    BatchSizeOpt,
    ConfigOpt,
    GradClipOpt,
    LrOpt,
    MaxMinutesOpt,
    OptimizerOpt,
    OutOpt,
    OverwriteOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    ValFracOpt,
    config_from_cli,
    done,
)

app = typer.Typer(
    help="Character-level language models: train, sample with temperature, evaluate in bits per character.",
    no_args_is_help=True,
)


@app.command("train")
def train_cmd(
    text: str = typer.Option(
        None, "--text", help="UTF-8 file or folder (default: the Python stdlib's .py files)."
    ),
    val_text: str = typer.Option(None, "--val-text", help="Validation text (default: whole trailing files)."),
    max_chars: int = typer.Option(None, "--max-chars", help="Read at most this many characters (2,000,000)."),
    cell: str = typer.Option(None, "--cell", help="lstm | gru | rnn (default lstm)."),
    layers: int = typer.Option(None, "--layers", help="Recurrent layers, 1-3 (default 2)."),
    hidden: int = typer.Option(None, "--hidden", help="Hidden units H (default 256)."),
    embed: int = typer.Option(None, "--embed", help="Character embedding size (default 64)."),
    dropout: float = typer.Option(None, "--dropout", help="Dropout between layers and before the head (0)."),
    seq_length: int = typer.Option(None, "--seq-length", help="Characters per truncated-BPTT chunk (64)."),
    steps: int = typer.Option(
        None, "--steps", help="Optimiser steps (default 2000; with --resume the new total)."
    ),
    eval_every: int = typer.Option(
        None, "--eval-every-steps", help="Validate and sample every N steps (200)."
    ),
    temperature: float = typer.Option(
        None, "--temperature", help="Temperature of the progress samples (0.8)."
    ),
    batch_size: int = BatchSizeOpt,
    lr: float = LrOpt,
    optimizer: str = OptimizerOpt,
    grad_clip: float = GradClipOpt,
    val_fraction: float = ValFracOpt,
    max_minutes: float = MaxMinutesOpt,
    threads: int = ThreadsOpt,
    seed: int = SeedOpt,
    out: Path = OutOpt,
    overwrite: bool = OverwriteOpt,
    resume: Path = ResumeOpt,
    progress: bool = ProgressOpt,
    config: Path = ConfigOpt,
) -> None:
    """Train an embedding -> LSTM/GRU -> linear character model; prints samples as training goes on.

    Records train loss, validation nats and bits per character in history.jsonl; --resume continues
    exactly (model, optimiser, RNG, stream position and carried hidden state are checkpointed).
    """
    from visrec.sequence.config import CharRNNConfig
    from visrec.sequence.train import train_charrnn

    if config is None and resume is not None:  # continue with the run's own settings
        config = Path(resume) / "config.json"
    cfg = config_from_cli(
        CharRNNConfig,
        config,
        text=text,
        val_text=val_text,
        max_chars=max_chars,
        cell=cell,
        layers=layers,
        hidden=hidden,
        embed=embed,
        dropout=dropout,
        seq_length=seq_length,
        steps=steps,
        eval_every_steps=eval_every,
        temperature=temperature,
        batch_size=batch_size,
        lr=lr,
        optimizer=optimizer,
        grad_clip=grad_clip,
        val_fraction=val_fraction,
        max_minutes=max_minutes,
        threads=threads,
        seed=seed,
        out=out,
        overwrite=overwrite,
        resume=resume,
        progress=progress,
    )
    metrics = train_charrnn(cfg, echo=typer.echo)
    typer.echo(
        f"validation: {metrics['val_nats_per_char']:.4f} nats = {metrics['val_bits_per_char']:.4f} "
        f"bits per character ({metrics['status']}, {metrics['steps']} steps, {metrics['seconds']:.0f} s)"
    )
    done(Path(cfg.resume or cfg.out or "runs"))


@app.command("sample")
def sample_cmd(
    run: Path = typer.Argument(..., help="Run directory of `visrec charrnn train`."),
    temperature: float = typer.Option(
        1.0, "--temperature", help="< 1 safer and more repetitive, > 1 wilder."
    ),
    prime: str = typer.Option("\n", "--prime", help="Text the sample starts with (default a newline)."),
    length: int = typer.Option(500, "--length", help="Characters to sample after the prime."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampling."),
) -> None:
    """Print a sample: the prime, then characters drawn one at a time from softmax(logits / T)."""
    from visrec.sequence.charrnn import load_charrnn
    from visrec.utils.errors import ParameterError

    if temperature <= 0:
        raise ParameterError(f"--temperature must be > 0; got {temperature}.")
    typer.echo(load_charrnn(run).generate(prime, length, temperature, seed))


@app.command("evaluate")
def evaluate_cmd(
    run: Path = typer.Argument(..., help="Run directory of `visrec charrnn train`."),
    text: str = typer.Option(
        None, "--text", help="File or folder to score (default: the stdlib's .py files)."
    ),
    max_chars: int = typer.Option(1_000_000, "--max-chars", help="Score at most this many characters."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Bits and nats per character of a saved model on a text."""
    from visrec.sequence.charrnn import load_charrnn
    from visrec.sequence.data.text import read_corpus

    corpus = read_corpus(text, val_fraction=0.0, max_chars=max_chars)
    result = {"text": corpus.source, **load_charrnn(run).evaluate(corpus.train[:max_chars])}
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        bits, nats = result["bits_per_char"], result["nats_per_char"]
        typer.echo(f"{bits:.4f} bits per character = {nats:.4f} nats on {result['chars']:,} characters")


@app.command("cells")
def cells_cmd(
    run: Path = typer.Argument(..., help="Run directory of `visrec charrnn train`."),
    out: Path = typer.Option(..., "--out", help="Folder for cells.json and <feature>.html / .png."),
    text: str = typer.Option(None, "--text", help="Text to read (default: the Python stdlib's .py files)."),
    max_chars: int = typer.Option(20_000, "--max-chars", help="Characters to correlate over."),
    show_chars: int = typer.Option(1200, "--show-chars", help="Characters drawn in each figure."),
) -> None:
    """Interpretable cells: the unit that best tracks quotes, indentation, line position and comments."""
    from visrec.sequence.charrnn import load_charrnn
    from visrec.sequence.data.text import read_corpus
    from visrec.sequence.interpret import find_cells

    model = load_charrnn(run)
    sample = read_corpus(text, val_fraction=0.0, max_chars=max_chars).train[:max_chars]
    sample = "".join(c for c in sample if c in model.vocab.index)
    for name, info in find_cells(model, sample, out, show_chars).items():
        typer.echo(f"{name:15s} unit {info['unit']:4d}  r = {info['r']:+.3f}   {out / (name + '.png')}")


def register(root: typer.Typer) -> None:
    """Add the ``charrnn`` group to the root command."""
    root.add_typer(app, name="charrnn")
