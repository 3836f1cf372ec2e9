"""DistributedDataParallel on CPU: two processes on the loopback interface (Gloo).

The same trainer runs under ``python -m torch.distributed.run --nproc-per-node 2``. Checks: both ranks end
with identical parameters; only rank 0 writes the run directory; and, for a model without BatchNorm,
two ranks with batch B equal one process with batch 2B (DDP averages the gradients of the two halves, and
the DistributedSampler's shards of each epoch are the single process's batches split in two).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest
import torch

from visrec.torch_nn.checkpoint import load_tensors

WORKER = r"""
import json, os, sys
import torch
torch.set_num_threads(1)
from visrec.torch_nn import train_log, trainer
from visrec.torch_nn.checkpoint import save_tensors

_finish = train_log.RunLogger.finish

def finish(self, model, *args, **kwargs):  # every rank dumps its final parameters
    rank = os.environ.get("RANK", "single")
    save_tensors(os.path.join(sys.argv[2], f"params-{rank}.safetensors"), model.state_dict())
    return _finish(self, model, *args, **kwargs)

train_log.RunLogger.finish = finish
trainer.train(json.loads(sys.argv[1]))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_cpu_ranks_agree_with_each_other_and_with_one_process(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    cfg = {
        "model": "lenet5",
        "model_kwargs": {"img_size": 16},
        "data": "digits",
        "overfit": 64,
        "epochs": 2,
        "batch_size": 16,
        "lr": 0.05,
        "optimizer": "momentum",
        "lr_schedule": "cosine",
        "progress": False,
        "device": "cpu",
        "seed": 1,
    }
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1", "VISREC_NO_PROGRESS": "1"}
    ddp_cfg = {**cfg, "out": str(tmp_path / "ddp")}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-addr",
        "127.0.0.1",
        "--master-port",
        str(_free_port()),
        str(script),
        json.dumps(ddp_cfg),
        str(tmp_path),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = load_tensors(tmp_path / "params-0.safetensors")
    r1 = load_tensors(tmp_path / "params-1.safetensors")
    for key in r0:
        assert torch.equal(r0[key], r1[key]), key
    history = (tmp_path / "ddp" / "history.jsonl").read_text().splitlines()
    assert len(history) == 2  # rank 0 alone wrote it
    assert json.loads(history[-1])["val_acc"] >= 0.0

    single_cfg = {**cfg, "batch_size": 32, "out": str(tmp_path / "single")}
    proc = subprocess.run(
        [sys.executable, str(script), json.dumps(single_cfg), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    single = load_tensors(tmp_path / "params-single.safetensors")
    for key in r0:
        torch.testing.assert_close(r0[key], single[key], atol=1e-5, rtol=1e-4)


@pytest.mark.slow
def test_freezing_the_whitening_bias_mid_run_under_ddp(tmp_path):
    """--whiten-bias-epochs changes which parameters train after epoch 1: the trainer re-wraps the model, so
    DDP's reducer does not wait for the frozen bias's gradient (it would raise in the next step)."""
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    cfg = {
        "model": "fast_cifar",
        "model_kwargs": {"widths": [8, 8, 8]},
        "data": "digits",
        "overfit": 64,
        "epochs": 2,
        "batch_size": 16,
        "lr": 0.05,
        "optimizer": "nesterov",
        "whiten_bias_epochs": 1,
        "progress": False,
        "device": "cpu",
        "out": str(tmp_path / "ddp"),
    }
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1", "VISREC_NO_PROGRESS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
           "--master-port", str(_free_port()), str(script), json.dumps(cfg), str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = load_tensors(tmp_path / "params-0.safetensors")
    r1 = load_tensors(tmp_path / "params-1.safetensors")
    assert r0.keys() == r1.keys()
    # parameters agree; BatchNorm's running statistics are each rank's own after its last batch (DDP
    # broadcasts rank 0's buffers at the start of every forward, and only rank 0 saves them)
    assert [k for k in r0 if "running_" not in k and not torch.equal(r0[k], r1[k])] == []
    assert r0["whiten.bias"].abs().max() > 0
    assert len((tmp_path / "ddp" / "history.jsonl").read_text().splitlines()) == 2
