"""``visrec serve RUN``: the local web demo (top-5, saliency, Grad-CAM, one-step FGSM) on localhost."""

from __future__ import annotations

import typer

from visrec.cli.explain import ModelOpt, WeightsOpt


def serve(
    run: str = typer.Argument(None, help="Run directory of a torch classifier (or use --weights)."),
    port: int = typer.Option(8000, "--port", help="Port on localhost."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (keep localhost)."),
    weights: str = WeightsOpt,
    model: str = ModelOpt,
):
    """Serve a page where you drop an image and see what the network sees.

    Example: visrec serve runs/train-cifar --port 8000   (then open http://127.0.0.1:8000)
    """
    from visrec.explain.runner import open_model
    from visrec.explain.web import create_app

    app = create_app(open_model(run, weights, model))
    typer.echo(f"visrec demo on http://{host}:{port}  (Ctrl-C stops it)")
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
