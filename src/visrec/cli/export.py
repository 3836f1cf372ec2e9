"""`visrec export RUN --onnx FILE`: write a trained torch model as ONNX, checked with onnxruntime."""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.utils.errors import ParameterError


def register(app: typer.Typer) -> None:
    """Add ``export`` to ``app``."""

    @app.command("export")
    def export_cmd(
        run: Path = typer.Argument(..., help="A run directory written by `visrec train`."),
        onnx: Path = typer.Option(..., "--onnx", help="Where to write the .onnx file."),
        check: bool = typer.Option(True, "--check/--no-check", help="Compare with torch via onnxruntime."),
    ) -> None:
        """Export the model of RUN to ONNX (dynamic batch axis; normalization stats in the metadata).

        Example: visrec export runs/tiny --onnx tiny.onnx
        """
        from visrec.torch_nn.export import export_run

        result = export_run(run, onnx, check=check)
        typer.echo(f"wrote {result['path']} (input (N, {', '.join(map(str, result['input_shape']))}))")
        if result["max_abs_diff"] is not None:
            typer.echo(f"onnxruntime vs torch: max |diff| = {result['max_abs_diff']:.2e}")
            if result["max_abs_diff"] > 1e-3:
                raise ParameterError(
                    f"The exported graph disagrees with torch "
                    f"(max |diff| {result['max_abs_diff']:.2e} > 1e-3); "
                    "the model may use an op the ONNX exporter translates differently."
                )
