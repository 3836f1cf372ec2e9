"""Training a character language model on the shared run layer (run directory, checkpoints, exact resume).

The loop reads top to bottom: the training text is cut into ``batch_size`` parallel streams; each step
takes the next ``seq_length`` characters of every stream, carries the hidden state in from the previous
chunk (detached: truncated BPTT), and takes one optimiser step on the mean cross-entropy. At the start of
each pass over the streams the state is reset. Every ``eval_every_steps`` the held-out text is scored in
nats and bits per character and a sample is printed, so samples improve as training goes on (the
lecture's progression). Checkpoints hold the model, the optimiser, every RNG, the stream position and the
carried state, so a resumed run continues exactly where the interrupted one stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from visrec.runs import TrainSession, load_arrays, save_arrays
from visrec.sequence.charrnn import CharModel, nats_per_char
from visrec.sequence.config import CharRNNConfig
from visrec.sequence.data.text import CharVocab, read_corpus
from visrec.sequence.models.char_model import CharRNN, detach_state
from visrec.sequence.optim import lr_at, make_optimizer
from visrec.torch_nn.checkpoint import load_checkpoint, restore_checkpoint, save_checkpoint
from visrec.utils.errors import DataError

__all__ = ["train_charrnn", "make_streams"]


def make_streams(ids: np.ndarray, batch_size: int, seq_length: int, flag: str = "--text") -> torch.Tensor:
    """Cut ids (L,) into ``batch_size`` contiguous streams (B, S + 1) (the +1 is the last target)."""
    S = (len(ids) - 1) // batch_size
    if S < seq_length:
        raise DataError(
            f"{flag}: {len(ids)} training characters make {batch_size} streams of {S} characters, shorter "
            f"than --seq-length {seq_length}. Use a longer text, a smaller --batch-size or --seq-length."
        )
    return torch.stack([torch.as_tensor(ids[b * S : (b + 1) * S + 1]) for b in range(batch_size)])


def _state_tensors(state) -> dict[str, torch.Tensor]:
    if state is None:
        return {}
    parts = state if isinstance(state, tuple) else (state,)
    return {f"carry/{i}": s.contiguous() for i, s in enumerate(parts)}


def _state_from(tensors: dict, cell: str):
    parts = [tensors[k] for k in sorted(k for k in tensors if k.startswith("carry/"))]
    if not parts:
        return None
    return tuple(parts) if cell == "lstm" else parts[0]


def train_charrnn(cfg: CharRNNConfig, echo: Callable[[str], None] = print) -> dict:
    """Train (or resume) a character model; returns metrics.json's content."""
    torch.manual_seed(cfg.seed)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    corpus = read_corpus(cfg.text, cfg.val_fraction if not cfg.val_text else 0.0, cfg.max_chars)
    val_text = read_corpus(cfg.val_text, 0.0, flag="--val-text").train if cfg.val_text else corpus.val
    vocab = CharVocab.from_text(corpus.train)
    train_ids = vocab.encode(corpus.train)
    val_ids = torch.as_tensor(vocab.encode(val_text, strict=False)[: cfg.val_chars + 1])
    if len(val_ids) < 2:
        raise DataError(
            f"{cfg.text or 'the default text'}: no validation text; raise --val-fraction or pass --val-text."
        )
    streams = make_streams(train_ids, cfg.batch_size, cfg.seq_length)
    S, T = streams.shape[1] - 1, cfg.seq_length
    chunks_per_pass = S // T
    model_cfg = {
        "vocab_size": len(vocab),
        "embed": cfg.embed,
        "hidden": cfg.hidden,
        "layers": cfg.layers,
        "cell": cfg.cell,
        "dropout": cfg.dropout,
    }
    model = CharRNN(**model_cfg)
    optimizer = make_optimizer(model.parameters(), cfg)
    meta = {
        "kind": "charrnn",
        "model": model_cfg,
        "chars": vocab.chars,
        "source": corpus.source,
        "val_files": corpus.val_files[:50],
    }
    state, start = None, 0

    def checkpoint(session, done=None):
        """Save after ``done`` completed steps (default: the session's count, right after the loop)."""
        done = session.step if done is None else done
        tensors = _state_tensors(state)
        if tensors:  # the carried state, written first: the checkpoint's JSON (written last) commits both
            save_arrays(session.run.checkpoint_stem("last-carry").with_suffix(".safetensors"), tensors)
        save_checkpoint(session.run.checkpoint_stem("last"), model, optimizer, meta={**meta, "step": done})

    echo(
        f"text: {corpus.source}: {len(corpus.train):,} training, {len(val_text):,} validation characters, "
        f"V = {len(vocab)}; {cfg.batch_size} streams x {S:,} characters"
    )
    with TrainSession(cfg, command="charrnn", total_steps=cfg.steps, on_interrupt=checkpoint) as s:
        s.run.write_config(cfg, extra={"vocab_size": len(vocab), "source": corpus.source})
        if s.resumed:
            tensors, info = load_checkpoint(s.run.checkpoint_stem("last"))
            if info.get("chars") != vocab.chars:
                raise DataError(
                    f"--resume {cfg.resume}: the text's characters differ from the run's; resume "
                    "with the same --text."
                )
            restore_checkpoint(tensors, info, model, optimizer)
            start = int(info["step"])
            carry = s.run.checkpoint_stem("last-carry").with_suffix(".safetensors")
            if carry.is_file() and start % chunks_per_pass:
                state = _state_from(load_arrays(carry, framework="pt"), cfg.cell)
        model.train()
        for step in s.steps(start):
            p = (step % chunks_per_pass) * T
            if p == 0:
                state = None  # a new pass over the streams: reset the memory
            x, y = streams[:, p : p + T], streams[:, p + 1 : p + T + 1]  # (B, T) each
            for g in optimizer.param_groups:
                g["lr"] = lr_at(step, cfg.steps, cfg)
            logits, state = model(x, state)
            loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            state = detach_state(state)
            s.log(loss=loss.item())
            last = step + 1 == cfg.steps
            if s.due(cfg.eval_every_steps) or last:
                val = nats_per_char(model, val_ids)
                rec = s.record(
                    epoch=(step + 1) / chunks_per_pass,
                    train_loss=loss.item(),
                    val_loss=val,
                    val_bpc=val / math.log(2),
                    lr=optimizer.param_groups[0]["lr"],
                )
                text = CharModel(model, vocab).generate(
                    vocab.decode(x[0, :1]), cfg.sample_length, cfg.temperature, seed=cfg.seed + step
                )
                model.train()
                echo(
                    f"--- step {rec['step']}: {val:.3f} nats = {rec['val_bpc']:.3f} bits per char ---\n{text}"
                )
            if s.due(cfg.checkpoint_every) or last:
                checkpoint(s, step + 1)
        if s.step < cfg.steps:  # stopped early (budget, Ctrl-C): keep where we are
            checkpoint(s)
        val = nats_per_char(model, val_ids)
        s.run.save_model({k: v.contiguous() for k, v in model.state_dict().items()}, meta)
        return s.finish(
            {
                "val_nats_per_char": val,
                "val_bits_per_char": val / math.log(2),
                "val_chars": len(val_ids) - 1,
                "train_chars": len(corpus.train),
            }
        )
