"""The shared three-way tester of the NumPy layers.

A layer supplies a :class:`LayerCase`: its forward/backward pair, its PyTorch twin (a function of float64
torch tensors) and an input maker. :func:`check_case` then verifies, independently:

1. gradients: the pair's backward against centred differences in float64 (``check_layer_gradients``);
2. PyTorch: forward values and autograd gradients of the twin, on the same inputs and upstream gradient;
3. slow vs fast: the naive pair (when there is one) gives the same output and gradients;
4. dtype: float32 inputs give float32 outputs and gradients, close to the float64 result.

Loss functions (``loss, dscores = f(scores, y)``) use :class:`LossCase` / :func:`check_loss_case`.

Tolerances. Gradient check: with h = 1e-5 the centred difference of ``sum(out * dout)`` has truncation error
O(h^2 f''') ~ 1e-10 and rounding error ~1e-16 * |f| / h ~ 1e-10 absolute; the *elementwise* relative error of
an entry of size g is then ~1e-10 / g, so the default ``grad_tol = 1e-6`` holds for entries down to ~1e-4
(h = 1e-6 would raise the rounding part tenfold and fail on leaky ReLU's 0.01-scaled entries). Inputs of
layers with kinks (ReLU at 0, max / max pool ties, hinge margins at 0) are built away from the kinks by more
than h, so the check is exact there too. Torch parity is to 1e-10 relative (same float64 maths, different
order of summation).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from visrec.numpy_nn.gradcheck import check_layer_gradients, numeric_gradient, rel_error

CHECKS = ("gradcheck", "torch", "naive", "float32")


@dataclass
class LayerCase:
    """Everything the tester needs about one layer configuration.

    forward / backward: the pair; called as ``forward(*inputs.values(), *extra_args)`` and
        ``backward(dout, cache)`` (which returns the grads of ``grad_of``, in that order).
    make_inputs: ``rng -> dict name -> float64 ndarray`` (in call order).
    torch_fn: ``(*tensors) -> tensor``, the twin on float64 torch tensors (same order as the inputs).
    """

    name: str
    forward: Callable
    backward: Callable
    make_inputs: Callable[[np.random.Generator], dict[str, np.ndarray]]
    torch_fn: Callable | None = None
    extra_args: tuple = ()
    grad_of: tuple[str, ...] | None = None
    naive: tuple[Callable, Callable] | None = None
    grad_tol: float = 1e-6
    h: float = 1e-5
    torch_tol: float = 1e-10
    float32_tol: float = 1e-4
    seed: int = 0
    skip: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.name


def _inputs(case) -> dict[str, np.ndarray]:
    return case.make_inputs(np.random.default_rng(case.seed))


def _grad_names(case, inputs) -> list[str]:
    return list(case.grad_of) if case.grad_of is not None else list(inputs)


def _run(pair, case, inputs):
    fwd, bwd = pair
    out, cache = fwd(*inputs.values(), *copy.deepcopy(case.extra_args))
    dout = np.random.default_rng(case.seed + 1).standard_normal(out.shape).astype(out.dtype)
    grads = bwd(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    return out, dout, dict(zip(_grad_names(case, inputs), grads, strict=True))


def check_gradients(case: LayerCase) -> dict[str, float]:
    inputs = _inputs(case)
    errors = check_layer_gradients(
        case.forward, case.backward, inputs, case.grad_of, case.extra_args, h=case.h, seed=case.seed + 1
    )
    assert max(errors.values()) < case.grad_tol, f"{case}: numeric vs analytic rel error {errors}"
    return errors


def check_torch(case: LayerCase) -> None:
    assert case.torch_fn is not None, f"{case}: no torch twin"
    inputs = _inputs(case)
    out, dout, grads = _run((case.forward, case.backward), case, inputs)
    names = _grad_names(case, inputs)
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in names) for k, v in inputs.items()}
    out_t = case.torch_fn(*tensors.values())
    (out_t * torch.from_numpy(dout)).sum().backward()
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=case.torch_tol, atol=case.torch_tol)
    for k in names:
        np.testing.assert_allclose(
            grads[k],
            tensors[k].grad.numpy(),
            rtol=case.torch_tol,
            atol=case.torch_tol,
            err_msg=f"{case}: d{k}",
        )


def check_naive(case: LayerCase) -> None:
    assert case.naive is not None, f"{case}: no naive version"
    inputs = _inputs(case)
    out_f, _, grads_f = _run((case.forward, case.backward), case, inputs)
    out_n, _, grads_n = _run(case.naive, case, inputs)
    np.testing.assert_allclose(out_f, out_n, rtol=1e-12, atol=1e-12)
    for k, g in grads_f.items():
        np.testing.assert_allclose(g, grads_n[k], rtol=1e-12, atol=1e-12, err_msg=f"{case}: d{k}")


def check_float32(case: LayerCase) -> None:
    inputs = _inputs(case)
    out64, _, grads64 = _run((case.forward, case.backward), case, inputs)
    inputs32 = {k: v.astype(np.float32) for k, v in inputs.items()}
    out32, _, grads32 = _run((case.forward, case.backward), case, inputs32)
    assert out32.dtype == np.float32, f"{case}: float32 input gave a {out32.dtype} output"
    np.testing.assert_allclose(out32, out64, rtol=case.float32_tol, atol=case.float32_tol)
    for k, g in grads32.items():
        assert g.dtype == np.float32, f"{case}: d{k} is {g.dtype} for float32 inputs"
        np.testing.assert_allclose(g, grads64[k], rtol=case.float32_tol, atol=case.float32_tol)


_RUNNERS = {
    "gradcheck": check_gradients,
    "torch": check_torch,
    "naive": check_naive,
    "float32": check_float32,
}


def applicable(case: LayerCase, check: str) -> bool:
    if check in case.skip:
        return False
    if check == "torch":
        return case.torch_fn is not None
    if check == "naive":
        return case.naive is not None
    return True


def case_params(cases: list[LayerCase]):
    """``pytest.mark.parametrize`` values: one (case, check) pair per applicable check."""
    import pytest

    return [
        pytest.param(case, check, id=f"{case.name}-{check}")
        for case in cases
        for check in CHECKS
        if applicable(case, check)
    ]


def check_case(case: LayerCase, check: str) -> None:
    """Run one of the checks ('gradcheck', 'torch', 'naive', 'float32') on a case."""
    _RUNNERS[check](case)


# ---- losses -------------------------------------------------------------------------------------------


@dataclass
class LossCase:
    """``loss_fn(scores, target) -> (loss, dscores)`` and its torch twin ``(scores_t, target_t) -> loss``."""

    name: str
    loss_fn: Callable
    make_inputs: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]
    torch_fn: Callable
    grad_tol: float = 1e-6
    seed: int = 0

    def __str__(self) -> str:
        return self.name


def check_loss_case(case: LossCase) -> None:
    scores, target = case.make_inputs(np.random.default_rng(case.seed))
    loss, dscores = case.loss_fn(scores, target)
    numeric = numeric_gradient(lambda s: case.loss_fn(s, target)[0], scores.copy(), h=1e-6)
    err = rel_error(dscores, numeric)
    assert err < case.grad_tol, f"{case}: numeric vs analytic rel error {err}"
    s_t = torch.tensor(scores, requires_grad=True)
    loss_t = case.torch_fn(s_t, torch.as_tensor(target))
    loss_t.backward()
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-12)
    np.testing.assert_allclose(dscores, s_t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---- input makers -------------------------------------------------------------------------------------


def away_from_zero(x: np.ndarray, margin: float = 1e-2) -> np.ndarray:
    """Push entries with |x| < margin out to +-margin, so kinks at 0 are further than h away."""
    small = np.abs(x) < margin
    return np.where(small, np.where(x >= 0, margin, -margin) + x, x)


def distinct_values(rng: np.random.Generator, shape, spacing: float = 1e-2) -> np.ndarray:
    """A random permutation of evenly spaced values: no ties anywhere (max / max-pool inputs)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) - n / 2).reshape(shape) * spacing
