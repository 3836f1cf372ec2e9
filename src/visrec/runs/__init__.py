"""The run layer shared by every engine: typed configs, run directories, the training session, predictors.

>>> from visrec.runs import RunConfig, TrainRunConfig, RunDir, TrainSession, load_predictor
"""

from visrec.runs.arrays import load_arrays, load_model, read_json, save_arrays
from visrec.runs.config import RunConfig, TrainRunConfig, flag, read_config_file
from visrec.runs.predictor import PREDICTOR_LOADERS, Predictor, load_predictor, model_kind
from visrec.runs.rundir import RunDir, library_versions
from visrec.runs.session import Budget, TrainSession, check_finite

__all__ = [
    "RunConfig", "TrainRunConfig", "flag", "read_config_file",
    "RunDir", "library_versions", "save_arrays", "load_arrays", "load_model", "read_json",
    "TrainSession", "Budget", "check_finite",
    "Predictor", "load_predictor", "model_kind", "PREDICTOR_LOADERS",
]
