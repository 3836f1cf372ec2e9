"""`visrec summary MODEL`: Lecture 9's per-layer tables for any registered model.

Examples::

    visrec summary vgg16 --input 3x224x224 --no-bias     # the slide's VGG-16 table, 138,344,128 weights
    visrec summary alexnet_lecture                       # 55x55x96 after CONV1, 34,848 weights ...
    visrec summary inception_naive_module --input 256x28x28   # 854,196,224 multiply-adds
    visrec summary resnet20 --json > resnet20.json
    visrec summary --list

The model is built on PyTorch's "meta" device (shapes only, no memory, no compute), so even ResNet-1202
summarizes in seconds; models that cannot run there fall back to the CPU.
"""

from __future__ import annotations

from pathlib import Path

import typer

from visrec.utils.errors import ParameterError

#: Rows of these types are hidden by ``--compact`` (they are folded into the previous layer's activations).
COMPACT_HIDDEN = "ReLU ReLU6 LeakyReLU GELU SiLU Sigmoid Tanh Dropout Dropout2d Identity Flatten".split()


def parse_input_size(text: str | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    """'3x224x224' -> (3, 224, 224); '224' -> (C, 224, 224) with the model's C; None -> ``default``."""
    if text is None or str(text).strip() == "":
        return tuple(default)
    parts = str(text).lower().replace(",", "x").split("x")
    try:
        values = [int(p) for p in parts if p.strip()]
    except ValueError:
        values = []
    if len(values) == 1:
        values = [default[0], values[0], values[0]]
    elif len(values) == 2:
        values = [default[0], *values]
    if len(values) != 3 or min(values) < 1:
        raise ParameterError(
            f"--input expects CxHxW like 3x224x224 (or HxW, or one side like 224); got {text!r}."
        )
    return tuple(values)


def build_for_summary(name: str, num_classes: int | None, **kw):
    """Create ``name`` on the meta device; ``num_classes=None`` picks 1000 for ImageNet-sized models (natural
    input >= 128) and 10 otherwise. Returns (model, num_classes used or None for blocks)."""
    import torch

    from visrec.torch_nn.registry import create_model, model_entry

    entry = model_entry(name)
    if entry.kind not in ("classifier", "block"):
        raise ParameterError(
            f"visrec summary tables classifiers and blocks; {name} is a {entry.kind} model. Build it in Python "
            f"with visrec.torch_nn.create_model({name!r}, ...) (its options: help(create_model) on the builder)."
        )
    with torch.device("meta"):
        if entry.kind == "block":
            return create_model(name, **kw), None
        probe = num_classes if num_classes is not None else 10
        model = create_model(name, num_classes=probe, **kw)
        if num_classes is None:
            num_classes = 1000 if model.input_size[-1] >= 128 else 10
            if num_classes != probe:
                model.reset_classifier(num_classes)
    return model, num_classes


def run_summary(name: str, input_size: str | None = None, num_classes: int | None = None, batch: int = 1):
    """Build and summarize; falls back to a CPU model when the meta device cannot run it."""
    from visrec.torch_nn.summary import summarize

    model, k = build_for_summary(name, num_classes)
    size = parse_input_size(input_size, getattr(model, "input_size", (3, 224, 224)))
    try:
        summary = summarize(model, size, batch)
    except (NotImplementedError, RuntimeError):
        from visrec.torch_nn.registry import create_model, model_entry

        entry = model_entry(name)
        model = create_model(name, num_classes=k) if entry.kind == "classifier" else create_model(name)
        summary = summarize(model, size, batch)
    summary.model_name = name
    return summary, k


def _human_bytes(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n} B"


def render_table(summary, num_classes, no_bias: bool = False, compact: bool = False, console=None) -> None:
    """Print the rich per-layer table and the totals."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(width=160)
    k_text = f", K={num_classes}" if num_classes is not None else ""
    title = (
        f"{summary.model_name}: input {'x'.join(map(str, summary.input_size))}, batch {summary.batch}{k_text}"
    )
    table = Table(title=title, show_lines=False, header_style="bold")
    for col, justify in [
        ("#", "right"),
        ("layer", "left"),
        ("type", "left"),
        ("output CxHxW", "right"),
        ("activations", "right"),
        ("memory", "right"),
        ("params (no bias)" if no_bias else "params", "right"),
        ("MACs", "right"),
        ("RF", "right"),
        ("jump", "right"),
    ]:
        table.add_column(col, justify=justify)
    for i, r in enumerate(summary.rows):
        if compact and r.type in COMPACT_HIDDEN:
            continue
        acts = f"{r.activations:,}" if r.counted else f"[dim]({r.activations:,})[/dim]"
        mem = _human_bytes(4 * r.activations * summary.batch) if r.counted else ""
        params = r.params_no_bias if no_bias else r.params
        rf = "all" if r.rf is None else str(r.rf)
        table.add_row(
            str(i),
            r.name,
            r.type,
            "x".join(map(str, r.output_shape)) or "-",
            acts,
            mem,
            f"{params:,}" if params else "",
            f"{r.macs:,}" if r.macs else "",
            rf,
            str(r.jump),
        )
    console.print(table)
    t = summary
    console.print(
        f"parameters: {t.total_params:,} ({t.total_params_no_bias:,} without biases; "
        f"{t.trainable_params:,} trainable), {_human_bytes(t.param_bytes)} as float32"
    )
    console.print(
        f"activations: {t.total_activations:,} values per image (input included; in-place layers "
        f"in parentheses are not counted) = {_human_bytes(t.activation_bytes)} forward for the batch "
        f"(float32; about twice that with backward)"
    )
    console.print(f"multiply-adds: {t.total_macs:,} per image (conv + linear, bias adds not counted)")
    if not t.rf_exact:
        console.print("receptive field: branched network; after an add/concat the largest branch is used")


def register(app: typer.Typer) -> None:
    """Add ``summary`` to ``app``."""

    @app.command("summary")
    def summary_cmd(
        model: str = typer.Argument(None, help="Registered model name (see --list)."),
        input: str = typer.Option(
            None, "--input", help="Input size CxHxW, e.g. 3x224x224 (default: the model's natural size)."
        ),
        num_classes: int = typer.Option(
            None,
            "--num-classes",
            help="Classes K (default 1000 for ImageNet-sized models, 10 for CIFAR-sized ones).",
        ),
        batch: int = typer.Option(1, "--batch", help="Batch size N for the memory column."),
        no_bias: bool = typer.Option(
            False, "--no-bias", help="Show parameters without biases (as the slides)."
        ),
        compact: bool = typer.Option(False, "--compact", help="Hide nonlinearity/dropout rows."),
        as_csv: bool = typer.Option(False, "--csv", help="Print CSV instead of the table."),
        as_json: bool = typer.Option(
            False, "--json", help="Print JSON (totals + rows) instead of the table."
        ),
        output: Path = typer.Option(
            None, "--output", help="Write the CSV/JSON to this file instead of stdout."
        ),
        list_: bool = typer.Option(False, "--list", help="List the registered models and exit."),
    ) -> None:
        """Per-layer output volumes, activation memory, parameters, multiply-adds and receptive fields.

        Example: visrec summary vgg16 --input 3x224x224 --no-bias
        """
        from visrec.torch_nn.registry import KINDS, list_models

        if list_:
            for kind in KINDS:  # classifiers, blocks, then the kinds of Lectures 10-14
                names = list_models(kind=kind)
                if names:
                    label = {"policy": "policies", "sequence": "sequence models"}.get(kind, kind + "s")
                    typer.echo(f"{label}: " + ", ".join(names))
            typer.echo("(visrec summary tables the classifiers and blocks; every name builds with create_model)")
            return
        if not model:
            raise ParameterError("Give a model name, e.g. `visrec summary resnet20`, or --list to see them all.")
        if as_csv and as_json:
            raise ParameterError("Choose one of --csv and --json.")
        if batch < 1:
            raise ParameterError(f"--batch must be >= 1; got {batch}.")
        if num_classes is not None and num_classes < 0:
            raise ParameterError(f"--num-classes must be >= 0; got {num_classes}.")
        summary, k = run_summary(model, input, num_classes, batch)
        if as_csv or as_json:
            text = summary.to_csv() if as_csv else summary.to_json() + "\n"
            if output is not None:
                from visrec.utils.atomic import atomic_write_text

                atomic_write_text(output, text)
                typer.echo(f"wrote {output}")
            else:
                typer.echo(text, nl=False)
            return
        render_table(summary, k, no_bias=no_bias, compact=compact)
