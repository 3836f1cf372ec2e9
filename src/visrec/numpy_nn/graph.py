"""Computational graphs (Lecture 4, L3012-4100): gates, a graph that runs them, and a layer sequence.

A gate is a forward/backward pair with its own memory, exactly the slides' ``MultiplyGate`` (L4090-4099)::

    z = gate.forward(x, y)      # keeps what backward needs
    dx, dy = gate.backward(dz)  # local gradient x upstream gradient

:class:`ComputationalGraph` (L4069-4080) sorts its nodes topologically, runs ``forward`` in that order and
``backward`` in reverse, ADDING the gradients where a value feeds several gates (L3733-3778: a branch
point sums its upstream gradients). :class:`Sequential` chains stateful layers (``layers/modules.py``) and
exposes ``params``/``grads`` and ``loss(X, y)`` like the engine's models.

>>> g = ComputationalGraph()
>>> g.add(AddGate(), ("x", "y"), "q").add(MultiplyGate(), ("q", "z"), "f")  # f = (x + y) z
ComputationalGraph(x, y -> q; q, z -> f)
>>> g.forward({"x": -2.0, "y": 5.0, "z": -4.0})
-12.0
>>> {k: float(v) for k, v in g.backward().items()}
{'x': -4.0, 'y': -4.0, 'z': 3.0}
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence

import numpy as np

from visrec.numpy_nn.layers.activations import _sigmoid
from visrec.numpy_nn.layers.losses import softmax_loss, svm_loss

__all__ = [
    "Gate",
    "AddGate",
    "MultiplyGate",
    "MaxGate",
    "SigmoidGate",
    "ExpGate",
    "ScaleGate",
    "AddConstGate",
    "ReciprocalGate",
    "MatVecGate",
    "SquaredNormGate",
    "PairGate",
    "ComputationalGraph",
    "Sequential",
]


class Gate:
    """A node of the graph: ``forward(*inputs) -> output``, ``backward(dout) -> tuple of input grads``."""

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, dout) -> tuple:
        raise NotImplementedError


class AddGate(Gate):
    """``x + y``; the gradient distributor: both inputs get ``dz``."""

    def forward(self, x, y):
        return x + y

    def backward(self, dz):
        return dz, dz


class MultiplyGate(Gate):
    """``x * y``; the gradient switcher: ``dx = y dz``, ``dy = x dz`` (L4090-4099)."""

    def forward(self, x, y):
        self.x, self.y = x, y  # must keep these around!
        return x * y

    def backward(self, dz):
        return self.y * dz, self.x * dz


class MaxGate(Gate):
    """``max(x, y)``; the gradient router: all of ``dz`` goes to the larger input (x on ties)."""

    def forward(self, x, y):
        self.x_wins = np.asarray(x) >= np.asarray(y)
        return np.maximum(x, y)

    def backward(self, dz):
        return np.where(self.x_wins, dz, 0 * dz), np.where(self.x_wins, 0 * dz, dz)


class SigmoidGate(Gate):
    """``sigma(x) = 1/(1 + e^-x)``; backward from the output: ``(1 - sigma) sigma dz`` (L3712)."""

    def forward(self, x):
        self.out = _sigmoid(np.asarray(x, dtype=np.float64))
        return self.out

    def backward(self, dz):
        return ((1 - self.out) * self.out * dz,)


class ExpGate(Gate):
    """``e^x``, local gradient ``e^x`` (L3317)."""

    def forward(self, x):
        self.out = np.exp(x)
        return self.out

    def backward(self, dz):
        return (self.out * dz,)


class ScaleGate(Gate):
    """``a x`` for a constant a, local gradient ``a``."""

    def __init__(self, a: float):
        self.a = a

    def forward(self, x):
        return self.a * x

    def backward(self, dz):
        return (self.a * dz,)


class AddConstGate(Gate):
    """``c + x`` for a constant c, local gradient 1."""

    def __init__(self, c: float):
        self.c = c

    def forward(self, x):
        return self.c + x

    def backward(self, dz):
        return (dz,)


class ReciprocalGate(Gate):
    """``1/x``, local gradient ``-1/x^2``."""

    def forward(self, x):
        self.x = x
        return 1.0 / x

    def backward(self, dz):
        return (-dz / (self.x * self.x),)


class MatVecGate(Gate):
    """``q = W x`` with W (n, n) and x (n,): ``dW = dq x^T``, ``dx = W^T dq`` (L3869-4041)."""

    def forward(self, W, x):
        self.W, self.x = np.asarray(W), np.asarray(x)
        return self.W @ self.x

    def backward(self, dq):
        return np.outer(dq, self.x), self.W.T @ dq


class SquaredNormGate(Gate):
    """``f = ||q||^2``: ``df/dq = 2 q``."""

    def forward(self, q):
        self.q = np.asarray(q)
        return float(self.q @ self.q)

    def backward(self, df):
        return (2 * self.q * df,)


class PairGate(Gate):
    """Any layer pair as a gate: ``PairGate(relu_forward, relu_backward)``; extra arguments are bound."""

    def __init__(self, forward: Callable, backward: Callable, *extra):
        self._f, self._b, self._extra = forward, backward, extra

    def forward(self, *inputs):
        out, self.cache = self._f(*inputs, *self._extra)
        return out

    def backward(self, dout):
        grads = self._b(dout, self.cache)
        return grads if isinstance(grads, tuple) else (grads,)


class ComputationalGraph:
    """Gates wired by value names; forward in topological order, backward in reverse."""

    def __init__(self) -> None:
        self.nodes: list[tuple[Gate, tuple[str, ...], str]] = []

    def add(self, gate: Gate, inputs: Sequence[str], output: str) -> ComputationalGraph:
        """Add ``output = gate(*inputs)``; returns the graph so calls chain."""
        if any(output == out for _, _, out in self.nodes):
            raise ValueError(f"value {output!r} is already produced by another gate; names must be unique.")
        self.nodes.append((gate, tuple(inputs), output))
        return self

    def __repr__(self) -> str:
        edges = "; ".join(f"{', '.join(i)} -> {o}" for _, i, o in self.nodes)
        return f"ComputationalGraph({edges})"

    def nodes_topologically_sorted(self) -> list[tuple[Gate, tuple[str, ...], str]]:
        """Kahn's algorithm over the value dependencies; raises ValueError on a cycle."""
        produced = {out for _, _, out in self.nodes}
        done: set[str] = set()
        order, pending = [], list(self.nodes)
        while pending:
            ready = [n for n in pending if all(i in done or i not in produced for i in n[1])]
            if not ready:
                raise ValueError(f"the graph has a cycle among {[n[2] for n in pending]}.")
            for node in ready:
                order.append(node)
                done.add(node[2])
                pending.remove(node)
        return order

    @property
    def input_names(self) -> list[str]:
        produced = {out for _, _, out in self.nodes}
        names = [i for _, ins, _ in self.nodes for i in ins if i not in produced]
        return list(dict.fromkeys(names))

    def forward(self, inputs: dict, output: str | None = None):
        """Run every gate; return the value of ``output`` (default: the last gate in topological order)."""
        missing = [n for n in self.input_names if n not in inputs]
        if missing:
            raise ValueError(f"graph inputs {missing} were not given; expected {self.input_names}.")
        self.values = dict(inputs)
        self._order = self.nodes_topologically_sorted()
        for gate, ins, out in self._order:
            self.values[out] = gate.forward(*(self.values[i] for i in ins))
        self.output = output or self._order[-1][2]
        return self.values[self.output]

    def backward(self, dout=1.0) -> dict:
        """Backpropagate ``dout`` from the output; returns the gradients of the graph inputs.
        All gradients (intermediate values too) are kept in ``self.grads``."""
        self.grads = {self.output: dout}
        for gate, ins, out in reversed(self._order):
            if out not in self.grads:
                continue  # this gate does not lead to the output
            for name, g in zip(ins, gate.backward(self.grads[out]), strict=True):
                self.grads[name] = self.grads[name] + g if name in self.grads else g  # branches add
        return {name: self.grads.get(name, 0.0) for name in self.input_names}


class _ParamView(MutableMapping):
    """Live view of the layers' ``params`` / ``grads`` / ``buffers`` under the Sequential's public names.

    Assigning replaces the layer's array (``view[key] = new`` stores ``new`` in the layer's dict).
    """

    def __init__(self, seq: Sequential, attr: str):
        self._seq, self._attr = seq, attr

    def __getitem__(self, key):
        i, local = self._seq._locate(key)
        return getattr(self._seq.layers[i], self._attr)[local]

    def __setitem__(self, key, value):
        i, local = self._seq._locate(key)
        getattr(self._seq.layers[i], self._attr)[local] = value

    def __delitem__(self, key):
        raise TypeError("parameters cannot be deleted from a Sequential.")

    def __iter__(self):
        for i, layer in enumerate(self._seq.layers):
            yield from (self._seq._public(i, local) for local in getattr(layer, self._attr))

    def __len__(self):
        return sum(len(getattr(layer, self._attr)) for layer in self._seq.layers)


class Sequential:
    """Layers applied in order; the container every NumPy network is built with.

    ``params`` / ``grads`` / ``buffers`` (batch-norm running statistics) are live views. A layer's arrays
    are named ``'<index>.<name>'`` (``'0.w'``) unless :meth:`append` is given other names (the models
    name theirs ``W1``, ``b1``, ``gamma1``, ``running_mean1``, ...).

    ``loss(X, y=None)`` follows the engine's model contract: scores (test mode) without y, otherwise
    ``(loss, grads)`` with the softmax or SVM loss plus ``0.5 * reg * sum(w^2)`` over the layers' weights
    ``w``. The input needs no gradient there, so backward stops at the first layer with parameters and asks
    it for its parameter gradients only (``need_dx=False``: no dx GEMM / col2im for the first Affine or
    Conv2d); set ``need_input_grad = True`` to get ``d loss / d X`` in ``self.dX`` as well.

    >>> from visrec.numpy_nn.layers import Affine, ReLU
    >>> net = Sequential(Affine(4, 5, rng=0), ReLU(), Affine(5, 3, rng=1))
    >>> list(net.params)
    ['0.w', '0.b', '2.w', '2.b']
    >>> loss, grads = net.loss(np.ones((2, 4)), np.array([0, 2]))
    >>> sorted(grads) == sorted(net.params) and net.dX is None
    True
    """

    def __init__(self, *layers, loss: str = "softmax", reg: float = 0.0):
        if loss not in ("softmax", "svm"):
            raise ValueError(f"Sequential loss must be 'softmax' or 'svm'; got {loss!r}.")
        self.layers: list = []
        self._names: list[dict[str, str]] = []  # per layer: local array name -> public name
        self._index: dict[str, tuple[int, str]] = {}  # public name -> (layer index, local name)
        self.loss_fn = softmax_loss if loss == "softmax" else svm_loss
        self.reg = reg
        self.need_input_grad = False
        self.dX: np.ndarray | None = None
        self.params = _ParamView(self, "params")
        self.grads = _ParamView(self, "grads")
        self.buffers = _ParamView(self, "buffers")
        for layer in layers:
            self.append(layer)

    def append(self, layer, names: dict[str, str] | None = None) -> Sequential:
        """Add ``layer`` at the end; ``names`` maps its array names (``'w'``) to public ones (``'W3'``)."""
        i = len(self.layers)
        local = [*layer.params, *layer.buffers]
        unknown = sorted(set(names or {}) - set(local))
        if unknown:
            raise ValueError(f"{type(layer).__name__} has no arrays {unknown}; it has {local}.")
        mapping = {n: (names or {}).get(n, f"{i}.{n}") for n in local}
        taken = [m for m in mapping.values() if m in self._index]
        if taken:
            raise ValueError(f"names {taken} are already used in this Sequential; names must be unique.")
        self.layers.append(layer)
        self._names.append(mapping)
        self._index.update({pub: (i, n) for n, pub in mapping.items()})
        return self

    def _public(self, i: int, local: str) -> str:
        names = self._names[i] if i < len(self._names) else {}
        return names.get(local, f"{i}.{local}")

    def _locate(self, key: str) -> tuple[int, str]:
        if key in self._index:
            return self._index[key]
        head, _, local = str(key).partition(".")
        if head.isdigit() and int(head) < len(self.layers) and local:
            return int(head), local
        raise KeyError(key)

    def forward(self, x: np.ndarray, mode: str = "train") -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, mode)
        return x

    def backward(self, dout: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Backpropagate ``dout``; return dx of the input (None when ``need_input_grad`` is False).

        Without the input gradient, the layers before the first one with parameters are not visited and
        that layer computes its parameter gradients only.
        """
        stop = 0
        if not need_input_grad:
            stop = next((i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        for i in range(len(self.layers) - 1, stop - 1, -1):
            if i == stop and not need_input_grad:
                self.layers[i].backward(dout, need_dx=False)
                return None
            dout = self.layers[i].backward(dout)
        return dout if need_input_grad else None

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        scores = self.forward(X, "test" if y is None else "train")  # (N, K)
        if y is None:
            return scores
        loss, dscores = self.loss_fn(scores, y)
        self.dX = self.backward(dscores, need_input_grad=self.need_input_grad)
        grads = dict(self.grads)
        if self.reg > 0:
            for i, layer in enumerate(self.layers):
                if "w" in layer.params:
                    key, w = self._public(i, "w"), layer.params["w"]
                    loss += 0.5 * self.reg * float(np.sum(w * w))
                    grads[key] = grads[key] + self.reg * w
        return float(loss), grads

    def __repr__(self) -> str:
        return "Sequential(\n" + "".join(f"  ({i}) {layer!r}\n" for i, layer in enumerate(self.layers)) + ")"
