"""NumPy LSTM forward + backward against torch.nn.LSTM on the same shapes, in one process.

Issue 9, section 5: N 64, T 50, D 128, H 256; target: the NumPy engine within 3x torch's time. Both run in
float32 on the same inputs with the same thread count; the ratio (NumPy / torch) is the figure.

    python benchmarks/lstm_numpy_vs_torch.py                 # the issue's shapes, 5 repeats
    python benchmarks/lstm_numpy_vs_torch.py --quick         # tiny shapes, checks the script runs
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from _machine import header
from visrec.numpy_nn.layers import lstm_backward, lstm_forward


def best_of(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny shapes (N 4, T 5, D 8, H 16), 1 repeat")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: library default)")
    a = p.parse_args()
    header()
    N, T, D, H = (4, 5, 8, 16) if a.quick else (64, 50, 128, 256)
    repeats = 1 if a.quick else a.repeats
    if a.threads:
        torch.set_num_threads(a.threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype(np.float32)
    h0 = np.zeros((N, H), np.float32)
    Wx = (rng.standard_normal((D, 4 * H)) / np.sqrt(D)).astype(np.float32)
    Wh = (rng.standard_normal((H, 4 * H)) / np.sqrt(H)).astype(np.float32)
    b = np.zeros(4 * H, np.float32)
    dout = rng.standard_normal((N, T, H)).astype(np.float32)

    def numpy_step():
        h, cache = lstm_forward(x, h0, Wx, Wh, b)
        lstm_backward(dout, cache)

    lstm = torch.nn.LSTM(D, H, batch_first=True)
    xt, dt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dout)

    def torch_step():
        out, _ = lstm(xt)
        out.backward(dt)

    t_np, t_torch = best_of(numpy_step, repeats), best_of(torch_step, repeats)
    threads = torch.get_num_threads()
    print(f"shapes: N {N}, T {T}, D {D}, H {H}; float32; torch threads {threads}; best of {repeats}")
    print(f"numpy_nn lstm forward+backward: {t_np * 1e3:9.1f} ms")
    print(f"torch.nn.LSTM forward+backward: {t_torch * 1e3:9.1f} ms")
    print(f"ratio numpy / torch: {t_np / t_torch:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
