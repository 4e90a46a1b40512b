"""GET /status in headless Chromium: the DOM holds the tables and the chart, a screenshot shows
them (a non-trivial PNG with the chart's bar colours), and the markup passes the accessibility
checker (a11y.py). Also: the page needs the API's token when one is set.

"Works with JavaScript off": the page holds no script and its Content-Security-Policy
(default-src 'none') forbids every script, so Chromium renders it exactly as with JavaScript
disabled. (Chromium's --blink-settings=scriptEnabled=false cannot be used: headless
--dump-dom and --screenshot then produce nothing.)

The screenshot is kept at $APICACHED_SCREENSHOT_DIR/status.png (ctest: build/screenshots/)."""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import tempfile

import pytest

import a11y
import png
from conftest import make_traffic, require_tool, start_daemon
from apicached import Client

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
BAR_COLOURS = {(0x2E, 0x7D, 0x32), (0xB2, 0x6A, 0x00), (0xC6, 0x28, 0x28)}


def chromium(*args: str) -> subprocess.CompletedProcess:
    exe = require_tool("chromium", "chromium")
    with tempfile.TemporaryDirectory(prefix="apicached-chromium-") as profile:
        return subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def served(daemon):
    client = Client(daemon.url)
    make_traffic(client)
    return daemon.url + "/status"


def fetch(url: str, token: str = ""):
    host, port = url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", "/status", headers={"Authorization": f"Bearer {token}"} if token else {})
    res = conn.getresponse()
    return res.status, dict(res.getheaders()), res.read().decode("utf-8")


def test_page_is_self_contained_html(served):
    status, headers, body = fetch(served)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "<script" not in body
    assert not re.search(r'(src|href)="(https?:)?//', body), "external asset"


def test_dom_in_headless_chromium_without_javascript(served):
    r = chromium("--dump-dom", served)
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    for ident in ("health", "namespaces", "invalid-lists"):
        assert f'<table id="{ident}">' in dom, ident
    assert '<svg id="hit-chart"' in dom
    assert len(re.findall(r'<rect class="bar"', dom)) >= 1  # this minute's lookups
    assert "<code>migo</code>" in dom and "<code>nubefact</code>" in dom
    assert "<code>ruc</code>" in dom
    assert re.search(r"Last hour: \d+ hits, \d+ misses, hit rate", dom)
    assert "healthy" in dom


def test_screenshot_shows_the_tables_and_the_chart(served):
    out_dir = os.path.abspath(os.environ.get("APICACHED_SCREENSHOT_DIR") or tempfile.mkdtemp())
    os.makedirs(out_dir, exist_ok=True)
    shot = os.path.join(out_dir, "status.png")
    if os.path.exists(shot):
        os.remove(shot)
    r = chromium(f"--screenshot={shot}", "--window-size=1000,1400", "--hide-scrollbars",
                 served)
    assert os.path.exists(shot), r.stderr[-2000:]
    assert os.path.getsize(shot) > 20_000, "screenshot suspiciously small"
    width, height, rows = png.read(shot)
    assert (width, height) == (1000, 1400)
    bpp = len(rows[0]) // width
    colours = png.colours(rows, bpp)
    assert len(colours) > 50, "a blank or near-blank page"
    white = colours.get((255, 255, 255), 0)
    assert white < width * height * 0.97, "almost all white"
    assert BAR_COLOURS & set(colours), "no hit-rate bar in the screenshot"
    assert (0xEE, 0xF1, 0xF4) in colours, "no table header background in the screenshot"


def test_markup_passes_the_accessibility_checker(served):
    _, _, body = fetch(served)
    assert a11y.check(body) == []


def test_the_accessibility_checker_finds_problems():
    bad = ("<html><head><title></title></head><body><h2>x</h2><table><tr><th>a</th></tr>"
           "</table><img src=x><svg></svg><input id=q><a href=y></a></body></html>")
    problems = a11y.check(bad)
    for expected in ("<html> without lang", "no <title> text", "0 <h1>", "<th> without",
                     "without alt", "<svg> without role", "form control q", "link without text",
                     "table #1 without <caption>"):
        assert any(expected in p for p in problems), (expected, problems)


def test_status_page_needs_the_token_when_the_api_does(tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("s3cret-token\n")
    d = start_daemon(["--auth-token-file", str(token_file)])
    try:
        assert fetch(d.url + "/status")[0] == 401
        assert fetch(d.url + "/status", "wrong")[0] == 401
        status, _, body = fetch(d.url + "/status", "s3cret-token")
        assert status == 200 and "<h1>apicached status</h1>" in body
    finally:
        d.stop()
