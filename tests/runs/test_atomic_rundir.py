import json

import numpy as np
import pytest

from visrec.runs import RunDir, load_model
from visrec.utils.atomic import atomic_path, atomic_write_json
from visrec.utils.errors import DataError
from visrec.utils.gradcheck import numeric_gradient, numeric_gradient_array, rel_error


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "x.json"
    atomic_write_json(target, {"a": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("crash mid-write")
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]  # no temp file left behind


def test_atomic_json_handles_numpy_scalars(tmp_path):
    atomic_write_json(tmp_path / "m.json", {"acc": np.float32(0.5), "n": np.int64(3), "v": np.arange(2)})
    assert json.loads((tmp_path / "m.json").read_text()) == {"acc": 0.5, "n": 3, "v": [0, 1]}


def test_rundir_model_round_trip(tmp_path):
    run = RunDir.create(tmp_path / "run", "test")
    w = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    run.save_model({"W": w}, {"kind": "classic", "model": "linear"})
    run.write_config({"lr": 1e-3})
    run.write_metrics({"val_accuracy": 0.5})
    run.append_history({"step": 1, "epoch": 1, "train_loss": 2.3})
    run.append_history({"step": 2, "epoch": 2, "train_loss": 2.0})
    tensors, meta = load_model(run.path)
    np.testing.assert_array_equal(tensors["W"], w)
    assert meta["kind"] == "classic"
    cfg = json.loads((run.path / "config.json").read_text())
    assert cfg["config"]["lr"] == 1e-3 and "numpy" in cfg["versions"]
    assert len((run.path / "history.jsonl").read_text().splitlines()) == 2
    assert (run.path / "plots").is_dir()


def test_load_model_errors_are_clear(tmp_path):
    with pytest.raises(DataError, match="no model.json"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text('{"kind": "classic"}')
    (tmp_path / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(DataError, match="corrupt"):
        load_model(tmp_path)


def test_numeric_gradient_matches_analytic():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    a = rng.standard_normal((4, 4))
    f = lambda v: float(np.sum(np.tanh(v @ a)))  # noqa: E731
    analytic = (1 - np.tanh(x @ a) ** 2) @ a.T
    assert rel_error(numeric_gradient(f, x), analytic) < 1e-7
    dout = rng.standard_normal((3, 4))
    g = numeric_gradient_array(lambda v: v**2, x, dout)
    assert rel_error(g, 2 * x * dout) < 1e-8
    # the checker must notice a wrong gradient
    assert rel_error(numeric_gradient(f, x), 1.01 * analytic) > 1e-3
