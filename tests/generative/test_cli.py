"""``visrec generate``: train / sample / interpolate / evaluate / classifier end to end, and clear errors."""

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from visrec.cli.main import app, main
from visrec.runs import load_predictor

runner = CliRunner()
TINY = ["--epochs", "1", "--width", "8", "--no-progress"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def cli_error(capsys, *args) -> tuple[int, str]:
    """Run ``visrec ARGS`` as the console script does; return (exit code, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    return exc.value.code, capsys.readouterr().err


@pytest.mark.slow
def test_train_sample_interpolate_evaluate(tmp_path):
    run, clf = tmp_path / "vae", tmp_path / "clf"
    r = invoke("generate", "train", "--model", "vae", "--latent-dim", "2", "--out", run, *TINY)
    assert r.exit_code == 0, r.output
    assert (run / "model.json").is_file() and (run / "plots" / "samples-nearest-train.png").is_file()
    r = invoke("generate", "classifier", "--epochs", "1", "--out", clf, "--no-progress")
    assert r.exit_code == 0, r.output
    r = invoke("generate", "sample", run, "--n", "9", "--out", tmp_path / "s.png")
    assert r.exit_code == 0 and Image.open(tmp_path / "s.png").size[0] > 8 * 8
    r = invoke("generate", "interpolate", run, "--out", tmp_path / "latent")
    assert r.exit_code == 0, r.output
    assert {p.name for p in (tmp_path / "latent").iterdir()} == {
        "interpolations.png",
        "traversals.png",
        "manifold.png",
    }
    r = invoke("generate", "evaluate", run, "--classifier", clf, "--n", "100", "--iwae-k", "5")
    assert r.exit_code == 0, r.output
    scores = json.loads((run / "evaluation.json").read_text())
    assert scores["test_iwae_nll"] <= scores["test_neg_elbo"] + 1.0
    assert 0 <= scores["class_entropy"] <= scores["class_entropy_max"]
    assert scores["frechet"] >= 0 and scores["frechet_real_floor"] >= 0
    assert load_predictor(run).name == "vae"  # the run layer dispatches kind "generative"


def test_latent_size_zero_is_a_clear_error(tmp_path, capsys):
    code, err = cli_error(
        capsys, "generate", "train", "--model", "vae", "--latent-dim", "0", "--out", tmp_path / "r", *TINY
    )
    assert code == 2 and "--latent-dim" in err and "Got 0" in err and "Traceback" not in err
    code, err = cli_error(
        capsys, "generate", "train", "--model", "dcgan", "--noise-dim", "0", "--out", tmp_path / "r", *TINY
    )
    assert code == 2 and "--noise-dim" in err


def test_unknown_model_is_a_clear_error(tmp_path, capsys):
    code, err = cli_error(capsys, "generate", "train", "--model", "gan", "--out", tmp_path / "r", *TINY)
    assert code == 2 and "'dcgan'" in err


def test_dcgan_on_an_odd_image_size_is_a_clear_error(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(5):
            Image.fromarray(rng.integers(0, 255, (27, 27), dtype=np.uint8)).save(tmp_path / "imgs" / cls / f"{i}.png")
    args = ["generate", "train", "--model", "dcgan", "--data", tmp_path / "imgs", "--out", tmp_path / "r"]
    code, err = cli_error(capsys, *args, *TINY)
    assert code == 2 and "image side" in err and "27" in err
