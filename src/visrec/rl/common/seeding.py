"""RNG state that makes a resumed run continue exactly: torch, the algorithm's NumPy generator, the env's."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["generator_state", "generator_from_state", "torch_rng_state", "set_torch_rng_state"]


def generator_state(gen: np.random.Generator) -> dict:
    """JSON-serializable state of a NumPy Generator."""
    return {"bit_generator": type(gen.bit_generator).__name__, "state": gen.bit_generator.state}


def generator_from_state(state: dict) -> np.random.Generator:
    bitgen = getattr(np.random, state["bit_generator"])()
    bitgen.state = state["state"]
    return np.random.Generator(bitgen)


def torch_rng_state() -> torch.Tensor:
    return torch.get_rng_state()


def set_torch_rng_state(state: torch.Tensor) -> None:
    torch.set_rng_state(state.to(torch.uint8))
