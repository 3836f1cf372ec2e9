"""The web demo: its JSON API (including bad uploads, after which the server keeps answering), and the page
end to end in a real headless browser (Debian's chromium through Playwright)."""

import io
import shutil
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visrec.explain.web import create_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def png_bytes(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def digit_png(digits_model):
    _, x, _ = digits_model
    return png_bytes((x[0, 0].numpy() * 255).astype(np.uint8))


@pytest.fixture(scope="module")
def client(digits_model):
    app = create_app(digits_model[0], max_upload_bytes=200_000)
    return app.test_client()


def _post(client, url, data: bytes, name="x.png", **fields):
    return client.post(
        url, data={"image": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data"
    )


def test_analyze_returns_top5_saliency_gradcam(client, digits_model, digit_png):
    r = _post(client, "/api/analyze", digit_png)
    assert r.status_code == 200
    body = r.get_json()
    assert len(body["top5"]) == 5 and body["top5"][0]["label"] == str(int(digits_model[2][0]))
    assert abs(sum(p["prob"] for p in body["top5"]) - 1) < 0.2
    for key in ("image", "saliency", "gradcam"):
        assert body[key].startswith("data:image/png;base64,")


def test_fgsm_changes_the_prediction_for_a_large_eps(client, digit_png):
    r = _post(client, "/api/fgsm", digit_png, eps="0.3")
    body = r.get_json()
    assert (
        r.status_code == 200 and body["changed"] and body["before"][0]["label"] != body["after"][0]["label"]
    )
    r = _post(client, "/api/fgsm", digit_png, eps="lots")
    assert r.status_code == 400 and "epsilon must be a number" in r.get_json()["error"]


def _truncated_png() -> bytes:
    data = png_bytes(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    return data[: len(data) // 2]


def _bomb_png() -> bytes:
    """A tiny file that claims 10000 x 10000 pixels (a decompression bomb)."""
    import struct

    def chunk(kind, payload):
        return (
            struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
        )

    ihdr = struct.pack(">IIBBBBB", 10000, 10000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 10001 * 16)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "data,status,message",
    [
        (b"this is not an image", 400, "is not an image"),
        (b"", 400, "is empty"),
        (_truncated_png(), 400, "truncated or corrupt"),
        (_bomb_png(), 400, "pixels"),
        (b"\x00" * 300_000, 413, "larger than"),
    ],
    ids=["not-image", "empty", "truncated", "bomb", "huge"],
)
def test_bad_uploads_give_a_message_and_the_server_stays_up(client, digit_png, data, status, message):
    r = _post(client, "/api/analyze", data, name="bad.png")
    assert r.status_code == status and message in r.get_json()["error"]
    assert _post(client, "/api/analyze", digit_png).status_code == 200  # still serving


def test_missing_file_and_rgb_upload(client, digits_model):
    r = client.post("/api/analyze", data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and "No file" in r.get_json()["error"]
    rgb = png_bytes(np.zeros((20, 20, 3), np.uint8))  # converted to the model's mode (L) on upload
    assert _post(client, "/api/analyze", rgb).status_code == 200


# ------------------------------------------------------------------------------------------ the real browser
@pytest.fixture(scope="module")
def server(digits_model):
    from werkzeug.serving import make_server

    srv = make_server("127.0.0.1", 0, create_app(digits_model[0], max_upload_bytes=200_000), threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(5)


@pytest.mark.slow
def test_browser_upload_shows_top5_saliency_gradcam_and_fgsm(server, tmp_path, digit_png):
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"no browser: {CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    good = tmp_path / "digit.png"
    good.write_bytes(digit_png)
    bad = tmp_path / "notes.png"
    bad.write_bytes(b"definitely not a png")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(server)
            page.set_input_files("#file", str(good))
            page.wait_for_selector("body[data-state=analyzed]", timeout=20_000)
            rows = page.locator("#top5 tr.pred")
            assert rows.count() == 5
            labels = [rows.nth(i).locator(".label").inner_text() for i in range(5)]
            assert sorted(labels) == sorted(set(labels)) and all(
                lbl in [str(d) for d in range(10)] for lbl in labels
            )
            for img in ("#img-input", "#img-saliency", "#img-gradcam"):
                assert page.get_attribute(img, "src").startswith("data:image/png;base64,")
                assert page.evaluate(f"document.querySelector('{img}').naturalWidth") >= 224
            page.fill("#eps", "0.3")
            page.click("#run-fgsm")
            page.wait_for_selector("body[data-state=attacked]", timeout=20_000)
            assert "The prediction changed" in page.inner_text("#changed")
            assert page.locator("#top5-adv tr.pred").count() == 5
            page.set_input_files(
                "#file", str(bad)
            )  # a bad upload: a message on the page, the server stays up
            page.wait_for_selector("body[data-state=error]", timeout=20_000)
            assert "not an image" in page.inner_text("#error")
            page.set_input_files("#file", str(good))
            page.wait_for_selector("body[data-state=analyzed]", timeout=20_000)
            assert page.inner_text("#error") == ""
        finally:
            browser.close()


@pytest.mark.slow
def test_visrec_serve_command_starts_and_answers(digits_run):
    """`visrec serve RUN --port P` in a subprocess: the page and the API answer, then it stops on SIGINT."""
    import json
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "visrec.cli.main", "serve", str(digits_run), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline, info = time.time() + 60, None
        while time.time() < deadline and info is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/info", timeout=2) as r:
                    info = json.loads(r.read())
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                time.sleep(0.5)
        assert info is not None and info["classes"] == [str(d) for d in range(10)]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert b"visrec: look inside the network" in r.read()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
