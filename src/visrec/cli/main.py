"""Entry point of the ``visrec`` command.

Each command group lives in its own module with a ``register(app)`` function; errors a user can cause
(``ValueError``, ``TypeError``, ``FileNotFoundError``) are printed without a traceback unless ``--debug``.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

COMMAND_MODULES = [
    "visrec.cli.demo",
    "visrec.cli.classic",
    "visrec.cli.predict",
    "visrec.cli.train",
    "visrec.cli.search",
    "visrec.cli.lab",
    "visrec.cli.summary",
    "visrec.cli.export",
]

app = typer.Typer(
    name="visrec",
    help="CS231n's visual-recognition system: classic pipeline, NumPy engine, PyTorch models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")):
    _state["debug"] = debug


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    debug = "--debug" in (argv if argv is not None else sys.argv)
    try:
        app(args=argv, standalone_mode=True)
    except (ValueError, TypeError, FileNotFoundError, KeyError) as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
