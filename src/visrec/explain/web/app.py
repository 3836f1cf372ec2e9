"""The local web demo of ``visrec serve RUN``: drop an image, see the top-5 classes, the saliency map, the
Grad-CAM overlay, and what one FGSM step does to the prediction.

Flask (a small, long-maintained WSGI framework already in the project's ``web`` extra) serves one static
page and two JSON endpoints; all computing is the library's (:mod:`visrec.explain.attribution`,
:mod:`visrec.explain.generate.adversarial`). The page talks to ``/api/analyze`` and ``/api/fgsm`` with a
multipart upload; every error (not an image, truncated, too large, bad epsilon) comes back as
``{"error": message}`` with status 400 or 413 and the server keeps running.
"""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path

import numpy as np
import torch

from visrec.explain._errors import VisrecError
from visrec.explain.model import ExplainModel, to_pixels
from visrec.explain.web.decode import MAX_UPLOAD_BYTES, decode_upload

__all__ = ["create_app", "png_data_url"]

STATIC = Path(__file__).with_name("static")


def png_data_url(img: np.ndarray) -> str:
    """uint8 (H, W, C) -> "data:image/png;base64,..." (upscaled to at least 224 px, nearest, for viewing)."""
    from PIL import Image

    arr = img[..., 0] if img.shape[-1] == 1 else img
    pil = Image.fromarray(arr)
    scale = max(1, 224 // max(pil.size))
    if scale > 1:
        pil = pil.resize((pil.width * scale, pil.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    pil.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def create_app(model: ExplainModel, max_upload_bytes: int = MAX_UPLOAD_BYTES):
    """The Flask application for ``model`` (an :class:`ExplainModel`)."""
    from flask import Flask, jsonify, request, send_from_directory
    from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

    from visrec.explain.attribution import gradcam_map, saliency_map
    from visrec.explain.figures import heatmap, overlay, to_uint8
    from visrec.explain.generate.adversarial import fgsm

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = max_upload_bytes
    lock = threading.Lock()  # one computation at a time: torch on 2 cores, hooks on one shared model
    mode = "L" if model.input_size and model.input_size[0] == 1 else "RGB"

    def read_upload():
        f = request.files.get("image")
        if f is None:
            raise VisrecError("No file in the request: choose an image to upload.")
        img = decode_upload(f.read(), mode=mode, name=f"'{f.filename or 'upload'}'")
        return to_pixels(img, model)

    def top5(x):
        with torch.no_grad():
            p = torch.softmax(model(x), dim=1)[0]
        v, i = p.topk(min(5, len(p)))
        pairs = zip(v.tolist(), i.tolist(), strict=True)
        return [{"label": model.class_names[k], "index": k, "prob": q} for q, k in pairs]

    @app.errorhandler(VisrecError)
    def _bad_input(exc):
        return jsonify(error=str(exc)), 400

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        mb = max_upload_bytes / 2**20
        return jsonify(
            error=f"The file is larger than the {mb:.0f} MB this demo accepts; upload a smaller image."
        ), 413

    @app.errorhandler(HTTPException)
    def _http(exc):
        return jsonify(error=f"{exc.name}: {exc.description}"), exc.code

    @app.get("/")
    def index():
        return send_from_directory(STATIC, "index.html")

    @app.get("/static/<path:name>")
    def static_file(name):
        return send_from_directory(STATIC, name)

    @app.get("/api/info")
    def info():
        return jsonify(classes=model.class_names, input_size=list(model.input_size or []))

    @app.post("/api/analyze")
    def analyze():
        with lock:
            x = read_upload()
            preds = top5(x)
            t = preds[0]["index"]
            sal = saliency_map(model, x, t)[0]
            cam = gradcam_map(model, x, t)[0]
            img = to_uint8(x[0])
            return jsonify(
                top5=preds,
                image=png_data_url(img),
                saliency=png_data_url(heatmap(sal, "hot")),
                gradcam=png_data_url(overlay(img, cam.numpy())),
            )

    @app.post("/api/fgsm")
    def attack():
        try:
            eps = float(request.form.get("eps", 8 / 255))
        except ValueError:
            raise VisrecError(f"epsilon must be a number; got {request.form.get('eps')!r}.") from None
        if not 0 <= eps <= 1:
            raise VisrecError(f"epsilon must be in [0, 1] (pixel units); got {eps}.")
        with lock:
            x = read_upload()
            before = top5(x)
            adv = fgsm(model, x, before[0]["index"], eps)
            after = top5(adv)
            return jsonify(
                eps=eps,
                before=before,
                after=after,
                image=png_data_url(to_uint8(adv[0])),
                changed=before[0]["index"] != after[0]["index"],
            )

    return app
