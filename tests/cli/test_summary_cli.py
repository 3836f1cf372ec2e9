"""`visrec summary`: the lecture's numbers on the command line, machine-readable outputs, clear errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from visrec.cli.main import app, main
from visrec.cli.summary import parse_input_size

runner = CliRunner()


def _run(*args):
    result = runner.invoke(app, ["summary", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_vgg16_table_without_biases():
    out = _run("vgg16", "--input", "3x224x224", "--no-bias", "--compact")
    assert "138,344,128" in out and "15,237,608" in out and "60.95 MB" in out
    assert "102,760,448" in out and "K=1000" in out and "ReLU" not in out


def test_inception_module_ops():
    assert "854,196,224" in _run("inception_naive_module", "--input", "256x28x28")
    assert "271,351,808" in _run("inception_reduced_module")


def test_json_and_csv(tmp_path):
    data = json.loads(_run("resnet20", "--json"))
    assert data["totals"]["params"] == 269_722 and data["totals"]["input_size"] == [3, 32, 32]
    out = _run("lenet5", "--csv", "--output", str(tmp_path / "lenet.csv"))
    assert "wrote" in out
    text = (tmp_path / "lenet.csv").read_text()
    assert text.startswith("name,type,output_shape") and "6x28x28" in text


def test_num_classes_batch_and_list():
    data = json.loads(_run("alexnet_lecture", "--num-classes", "10", "--batch", "4", "--json"))
    assert data["totals"]["output_shape"] == [10] and data["totals"]["batch"] == 4
    assert data["totals"]["activation_bytes"] == 4 * 4 * data["totals"]["activations_per_image"]
    out = _run("--list")
    assert "resnet20" in out and "inception_naive_module" in out
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines() if ": " in line)
    assert "fasterrcnn_tiny" in lines["detectors"] and "pixelcnn" in lines["generators"]
    assert "char_lstm" in lines["sequence models"] and "caption_attention" in lines["captioners"]
    assert "mlp_q_network" in lines["policies"]


def test_a_model_of_another_kind_is_refused_with_exit_2_naming_it(capsys):
    with pytest.raises(SystemExit) as info:
        main(["summary", "char_lstm"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "char_lstm is a sequence model" in err and "create_model" in err


def test_parse_input_size():
    assert parse_input_size("3x224x224", (3, 32, 32)) == (3, 224, 224)
    assert parse_input_size("64", (1, 32, 32)) == (1, 64, 64)
    assert parse_input_size(None, (3, 32, 32)) == (3, 32, 32)
    with pytest.raises(ValueError, match="CxHxW"):
        parse_input_size("3x2x2x2", (3, 32, 32))


@pytest.mark.parametrize(
    "args, message",
    [
        (["resnet21"], "Did you mean"),
        (["alexnet_lecture", "--input", "3x224x224"], "227x227"),
        (["resnet20", "--input", "abc"], "CxHxW"),
        ([], "Give a model name"),
    ],
)
def test_errors_are_clear_and_exit_nonzero(capsys, args, message):
    with pytest.raises(SystemExit) as info:
        main(["summary", *args])
    assert info.value.code != 0
    assert message in capsys.readouterr().err
