"""RunConfig: one vocabulary, defaults <- file <- command line, unknown keys and bad values rejected."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import pytest

from visrec.runs import RunConfig, TrainRunConfig, read_config_file
from visrec.utils.errors import DataError, ParameterError


@dataclass
class ToyConfig(TrainRunConfig):
    kind: ClassVar[str] = "toy"
    engine: ClassVar[str] = "numpy"
    width: int = 8
    lr: float = 0.5

    def validate(self):
        super().validate()
        self.check("int", "width", low=1)


def test_defaults_file_and_overrides_compose(tmp_path):
    f = tmp_path / "recipe.json"
    f.write_text(json.dumps({"# why": "comment keys are ignored", "epochs": 4, "width": 3}))
    cfg = ToyConfig.from_sources(f, {"epochs": 6, "lr": None})
    assert (cfg.epochs, cfg.width, cfg.lr, cfg.seed) == (6, 3, 0.5, 0)


def test_unknown_key_names_the_closest_match():
    with pytest.raises(ParameterError, match="did you mean 'epochs'"):
        ToyConfig.from_dict({"epoch": 3})


@pytest.mark.parametrize("key,value,flag", [("lr", 0.0, "--lr"), ("epochs", 0, "--epochs"),
                                            ("width", 0, "--width"), ("val_fraction", 1.5, "--val-fraction"),
                                            ("optimizer", "adamm", "--optimizer")])
def test_bad_values_name_the_flag(key, value, flag):
    with pytest.raises(ParameterError, match=flag):
        ToyConfig.from_dict({key: value})


def test_wrong_type_is_a_parameter_error():
    with pytest.raises(ParameterError, match="expects int"):
        ToyConfig.from_dict({"epochs": "3"})
    assert ToyConfig.from_dict({"lr": 1}).lr == 1.0  # ints are fine for floats


def test_deprecated_spellings_still_work_with_a_warning():
    with pytest.warns(FutureWarning, match="--max-minutes"):
        cfg = ToyConfig.from_dict({"minutes": 2.0, "num_epochs": 3})
    assert (cfg.max_minutes, cfg.epochs) == (2.0, 3)
    with pytest.warns(FutureWarning, match="exponential"):
        assert ToyConfig.from_dict({"lr_schedule": "exp"}).lr_schedule == "exponential"


def test_a_runs_own_config_json_is_a_valid_config_file(tmp_path):
    from visrec.runs import RunDir

    cfg = ToyConfig(epochs=2, width=5, out=str(tmp_path / "r"))
    run = RunDir.open(cfg, "toy")
    run.write_config(cfg, data_fingerprint="abc")
    record = json.loads((run.path / "config.json").read_text())
    assert (record["engine"], record["kind"], record["seed"], record["data_fingerprint"]) == (
        "numpy", "toy", 0, "abc")
    again = ToyConfig.from_sources(run.path / "config.json")
    assert again.to_dict() == cfg.to_dict()


def test_config_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"epochs": 3')
    with pytest.raises(DataError, match="bad.json"):
        read_config_file(bad)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        read_config_file(tmp_path / "missing.json")


def test_resume_and_overwrite_are_exclusive():
    with pytest.raises(ParameterError, match="--overwrite"):
        RunConfig(resume="x", overwrite=True)
