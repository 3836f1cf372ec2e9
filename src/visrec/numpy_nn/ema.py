"""Polyak averaging / exponential moving average of the weights (Lecture 7, L8109).

``x_test = decay * x_test + (1 - decay) * x`` after every update; evaluate with ``x_test``.
"""

from __future__ import annotations

import numpy as np

from visrec.utils.validation import check_float


class EMA:
    """Keep a moving average of a parameter dict.

    >>> import numpy as np
    >>> p = {"w": np.zeros(2)}
    >>> ema = EMA(p, decay=0.5)
    >>> p["w"][:] = 2.0
    >>> ema.update(p)
    >>> ema.params["w"]
    array([1., 1.])
    """

    def __init__(self, params: dict[str, np.ndarray], decay: float = 0.995):
        self.decay = check_float("decay", decay, low=0.0, high=1.0, owner="EMA")
        self.params = {k: np.array(v, copy=True) for k, v in params.items()}

    def update(self, params: dict[str, np.ndarray]) -> None:
        """``x_test = decay * x_test + (1 - decay) * x`` for every array."""
        for k, v in params.items():
            avg = self.params[k]
            avg *= self.decay
            avg += (1.0 - self.decay) * v

    def swap_into(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Copy the averages into ``params`` in place and return the previous values (to swap back)."""
        old = {k: np.array(v, copy=True) for k, v in params.items()}
        for k, v in self.params.items():
            params[k][...] = v
        return old
