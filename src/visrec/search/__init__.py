"""Hyperparameter search of Lecture 6 on Optuna: random or TPE sampling in log space, pruning, coarse to fine,
local worker processes or any number of workers on any number of machines sharing one study (a database).

>>> from visrec.search import SearchConfig
>>> SearchConfig(trials=4).sampler
'random'
"""

from visrec.search.config import SearchConfig
from visrec.search.study import SearchResult, run_search

__all__ = ["SearchConfig", "SearchResult", "run_search"]
