"""Entry point of the ``visrec`` command.

Each command group lives in its own module with a ``register(app)`` function. Errors a user can cause
(``VisrecError`` and its subclasses, ``FileNotFoundError``) print one message and exit with status 2;
anything else is a bug and shows its traceback. ``--debug`` (before or after the command) shows the
traceback of user errors too.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings

import typer

from visrec.utils.errors import VisrecError

COMMAND_MODULES = [
    "visrec.cli.demo",
    "visrec.cli.classic",
    "visrec.cli.predict",
    "visrec.cli.evaluate",
    "visrec.cli.train",
    "visrec.cli.search",
    "visrec.cli.lab",
    "visrec.cli.summary",
    "visrec.cli.export",
    "visrec.cli.runs",
    "visrec.cli.charrnn",
    "visrec.cli.caption",
    "visrec.cli.explain",
    "visrec.cli.rl",
    "visrec.cli.segment",
    "visrec.cli.detect",
    "visrec.cli.report",
    "visrec.cli.generate",
]

app = typer.Typer(
    name="visrec",
    help="CS231n's visual-recognition system: classic pipeline, NumPy engine, PyTorch models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from visrec.runs.rundir import visrec_version

        typer.echo(f"visrec {visrec_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors (also after the command)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
):
    """Every command has --help with examples; errors you can cause exit with status 2."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings meant for the user read as one line: 'warning: ...' (no source path)."""
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]  # accepted before or after the command
    if not debug:
        warnings.showwarning = _show_warning
    try:
        app(args=args, standalone_mode=True)  # usage errors (bad flags) exit 2 with click's message
    except (VisrecError, FileNotFoundError) as exc:
        if debug:
            import traceback

            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
