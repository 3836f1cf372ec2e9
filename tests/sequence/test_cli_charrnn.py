"""`visrec charrnn train | sample | evaluate` end to end, and its errors (exit status 2, one message)."""

import json

import pytest

from visrec.cli.main import main


def cli(capsys, *args):
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


TEXT = "".join(f"def f{i}(x):\n    return x + {i}  # add\n" for i in range(200))


@pytest.mark.slow
def test_train_sample_evaluate_resume(tmp_path, capsys):
    (tmp_path / "code.py").write_text(TEXT)
    run = tmp_path / "run"
    common = ["--hidden", 16, "--embed", 8, "--seq-length", 16, "--batch-size", 4, "--no-progress"]
    code, out, err = cli(
        capsys,
        "charrnn",
        "train",
        "--text",
        tmp_path / "code.py",
        "--steps",
        10,
        "--eval-every-steps",
        5,
        "--out",
        run,
        *common,
    )
    assert code == 0, err
    assert out.count("--- step") == 2 and "bits per character" in out
    code, out, _ = cli(
        capsys, "charrnn", "sample", run, "--prime", "def", "--length", 25, "--temperature", 0.5
    )
    assert code == 0 and out.startswith("def") and len(out.rstrip("\n")) >= 28
    code, out, _ = cli(capsys, "charrnn", "evaluate", run, "--text", tmp_path / "code.py", "--json")
    result = json.loads(out)
    assert code == 0 and result["bits_per_char"] > 0 and result["chars"] == len(TEXT)
    code, out, err = cli(capsys, "charrnn", "train", "--resume", run, "--steps", 15, "--no-progress")
    assert code == 0, err
    assert [json.loads(x)["step"] for x in (run / "history.jsonl").read_text().splitlines()] == [5, 10, 15]


def test_errors_exit_2_with_one_message(tmp_path, capsys):
    code, _, err = cli(
        capsys, "charrnn", "train", "--text", tmp_path / "missing.txt", "--out", tmp_path / "r"
    )
    assert code == 2 and "--text" in err and "no such file" in err and "Traceback" not in err
    code, _, err = cli(capsys, "charrnn", "train", "--layers", 5, "--out", tmp_path / "r2")
    assert code == 2 and "--layers" in err
    code, _, err = cli(capsys, "charrnn", "sample", tmp_path / "nothing")
    assert code == 2 and "nothing" in err
