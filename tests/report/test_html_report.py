"""visrec report: the HTML page is self-contained and, rendered by a real headless Chromium, shows the title,
the metrics table, one SVG per curve family, the plots, the config diff of two runs and decoded thumbnails."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from visrec.numpy_nn.config import NumpyTrainConfig
from visrec.numpy_nn.train import train
from visrec.report.html import build_report, write_report
from visrec.report.numpy_run import write_plots
from visrec.runs import TrainRunConfig, TrainSession

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _numpy_run(path, lr):
    cfg = NumpyTrainConfig(model="fc", hidden=[16], limit=300, batch_size=20, epochs=2, lr=lr, progress=False,
                           out=str(path))
    run = train(cfg)
    write_plots(run)
    return run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return _numpy_run(root / "a", 1e-2), _numpy_run(root / "b", 3e-3)


def _nothing_external(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:)""", html), "every resource must be inline"
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html


def test_one_run_page_is_self_contained_with_every_section(two_runs):
    run = two_runs[0]
    path = write_report([run])
    assert path == run / "report.html"
    html = path.read_text(encoding="utf-8")
    _nothing_external(html)
    assert 'id="config"' in html and 'id="metrics"' in html and 'class="confusion"' in html
    assert html.count('class="curve"') == 3  # loss, accuracy, learning rate
    assert html.count('class="plot"') == len(list((run / "plots").glob("*.png"))) >= 2
    assert html.count('class="thumb"') == 16


def test_a_run_without_model_or_plots_still_reports(tmp_path):
    cfg = TrainRunConfig(out=str(tmp_path / "s"), progress=False)
    with TrainSession(cfg, command="doc", total_steps=4) as s:
        for step in s.steps():
            s.log(loss=1.0)
            s.record(epoch=None, val_bpc=2.0 - 0.1 * step)
        s.finish({"final": 1.0})
    html = build_report([tmp_path / "s"])
    assert 'data-metric="val_bpc"' in html and "no classifier model" in html
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        build_report([tmp_path])


@pytest.mark.slow
def test_chromium_renders_the_comparison(two_runs, tmp_path):
    if not CHROMIUM.is_file():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    a, b = two_runs
    out = write_report([a, b], out=tmp_path / "compare.html")
    metrics = [json.loads((r / "metrics.json").read_text()) for r in (a, b)]
    n_metrics = len(set(metrics[0]) | set(metrics[1]))
    n_plots = sum(len(list((r / "plots").glob("*.png"))) for r in (a, b))
    requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(out.as_uri())
            assert page.title() == "visrec report: 2 runs compared"
            assert page.locator("h1").inner_text() == "visrec report: 2 runs compared"
            assert page.locator("#metrics tbody tr").count() == n_metrics
            assert page.locator("#runs tbody tr").count() == 2
            diff = page.locator("#config-diff tbody tr")
            rows = [diff.nth(i).inner_text() for i in range(diff.count())]
            lr_row = [r for r in rows if r.startswith("lr")]
            assert lr_row and "0.01" in lr_row[0] and "0.003" in lr_row[0]
            curves = page.locator("figure.curve")
            assert curves.count() == 3
            for i in range(curves.count()):
                svg = curves.nth(i).locator("svg")
                assert svg.count() == 1 and svg.bounding_box()["width"] > 100
                assert curves.nth(i).locator("polyline").count() >= 2  # one series per run at least
            images = page.locator("img")
            assert page.locator("img.plot").count() == n_plots
            widths = [images.nth(i).evaluate("e => e.naturalWidth") for i in range(images.count())]
            assert all(w > 0 for w in widths), "every inline PNG decodes"
            assert page.locator("table.confusion").count() == 2
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert all(u.startswith(("file:", "data:")) for u in requests), requests


def _cli(capsys, *args):
    from visrec.cli.main import main

    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_writes_the_page_and_names_a_bad_run(two_runs, tmp_path, capsys):
    code, out, _ = _cli(capsys, "report", *two_runs, "--out", tmp_path / "c.html", "--samples", 4)
    assert code == 0 and f"wrote {tmp_path / 'c.html'}" in out
    html = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert 'id="config-diff"' in html and html.count('class="thumb"') == 8
    code, _, err = _cli(capsys, "report", tmp_path / "nowhere")
    assert code == 2 and "not a run directory" in err
