"""``--compile``: torch.compile with the inductor backend on the CPU gives the eager model's values,
gradients and optimizer steps, and a compiled model's state dict (``_orig_mod.`` keys) loads back.

Inductor generates C++ and builds it with the system compiler (gcc); where it cannot, the test is skipped
with the reason.
"""

from __future__ import annotations

import copy

import pytest
import torch

from visrec.torch_nn import create_model, load_weights

pytestmark = pytest.mark.slow  # the first compile takes 10-30 s of CPU


def _compile_or_skip(model):
    import shutil

    if shutil.which("gcc") is None and shutil.which("cc") is None:
        pytest.skip("torch.compile's inductor backend needs a C compiler (gcc) on the CPU; none found")
    compiled = torch.compile(model, backend="inductor")
    return compiled


def test_compiled_small_model_matches_eager_and_saves_like_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "inductor"))  # a cold, private cache
    monkeypatch.setenv("TORCHINDUCTOR_COMPILE_THREADS", "1")  # no worker pool left behind by the test
    torch.manual_seed(0)
    eager = create_model("tiny_cnn", num_classes=3, width=4)
    twin = copy.deepcopy(eager)
    compiled = _compile_or_skip(twin)
    x, y = torch.randn(6, 3, 16, 16), torch.tensor([0, 1, 2, 0, 1, 2])
    opt_e = torch.optim.SGD(eager.parameters(), lr=0.1, momentum=0.9)
    opt_c = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):  # train mode: batch-norm statistics and the head's dropout-free path
        loss_e = torch.nn.functional.cross_entropy(eager(x), y)
        try:
            loss_c = torch.nn.functional.cross_entropy(compiled(x), y)
        except Exception as exc:  # inductor could not build its C++ kernels here
            if "compil" in str(exc).lower() or "gcc" in str(exc).lower():
                pytest.skip(f"inductor cannot build on this machine: {str(exc).splitlines()[0][:200]}")
            raise
        torch.testing.assert_close(loss_c, loss_e, rtol=1e-5, atol=1e-6)
        opt_e.zero_grad(), opt_c.zero_grad()
        loss_e.backward(), loss_c.backward()
        for pe, pc in zip(eager.parameters(), twin.parameters(), strict=True):
            torch.testing.assert_close(pc.grad, pe.grad, rtol=1e-4, atol=1e-6)
        opt_e.step(), opt_c.step()
    for (ke, ve), (kc, vc) in zip(eager.state_dict().items(), compiled.state_dict().items(), strict=True):
        assert kc == f"_orig_mod.{ke}"
        torch.testing.assert_close(vc, ve, rtol=1e-4, atol=1e-5)
    # a compiled model's checkpoint loads into a plain one (the _orig_mod. prefix is unwrapped)
    torch.save(compiled.state_dict(), tmp_path / "compiled.pth")
    fresh = create_model("tiny_cnn", num_classes=3, width=4)
    assert load_weights(fresh, tmp_path / "compiled.pth").ok
    with torch.no_grad():
        torch.testing.assert_close(fresh.eval()(x), eager.eval()(x), rtol=1e-4, atol=1e-5)
