"""The rendered book, as a reader's browser shows it: built, opened offline, looked at.

Builds the book (Jupyter Book's execution cache makes a rebuild cheap), serves it on
localhost and opens every page in headless Chromium with no other network, at a desktop width
(1280 px) and a phone width (420 px). From the rendered DOM it asserts that the maths was
typeset by the bundled MathJax and no TeX is left as text (solutions included), that chapters
show numbered figures and no error output, that no page is wider than a phone's screen, that
the numbers the Colab edition gives theorems, exercises and figures are the HTML's, and that
the build without solutions (for handing to students) works and hides them. Screenshots of
every page at both widths go to _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
PAGES = [f"book/{p.stem}" for p in sorted((ROOT / "book").glob("*.*"))
         if p.suffix in (".md", ".ipynb")] + [f"chapters/{c}" for c in CHAPTERS]

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"
)


def jupyter_book(*args: str) -> subprocess.CompletedProcess:
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "TQDM_DISABLE": "1"}
    return subprocess.run([str(jb), "build", str(ROOT), "--warningiserror", "--keep-going",
                           *args], capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def built():
    done = jupyter_book()
    assert done.returncode == 0, "book build failed:\n" + done.stdout[-4000:] + done.stderr[-4000:]
    return HTML


@pytest.fixture(scope="module")
def server(built):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def chromium(url: str, *flags: str, width: int = 1280) -> str:
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--virtual-time-budget=20000", f"--window-size={width},2400"]
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(base + [f"--user-data-dir={profile}", *flags, url],
                              capture_output=True, text=True, timeout=180).stdout


def rendered(server: str, page: str, width: int) -> str:
    """The page's DOM after its scripts ran; also saves a screenshot."""
    url = f"{server}/{page}.html"
    SHOTS.mkdir(parents=True, exist_ok=True)
    chromium(url, f"--screenshot={SHOTS / page.replace('/', '_')}_{width}.png", width=width)
    return chromium(url, "--dump-dom", width=width)


def visible_text(dom: str) -> str:
    """Text a reader sees as text: no scripts, styles, code, or typeset maths."""
    dom = re.sub(r"<(script|style|pre|code|textarea|mjx-container)\b.*?</\1>", " ", dom,
                 flags=re.S)
    return re.sub(r"<[^>]+>", " ", dom)


def check_maths(dom: str, page: str) -> None:
    source = next(p for p in (ROOT / (page + ".ipynb"), ROOT / (page + ".md")) if p.exists())
    source = source.read_text()
    if "$" in source:
        assert "<mjx-container" in dom, f"{page}: no maths typeset (sphinx-mathjax-offline?)"
    text = visible_text(dom)
    leftovers = re.findall(r"\\[A-Za-z]{2,}|\$\$|\\\(|\\\[|\{cite|\{numref|\{prf:", text)
    assert not leftovers, f"{page}: TeX or MyST left as text: {leftovers[:8]}"


@pytest.mark.parametrize("page", PAGES)
def test_page_typesets_its_maths_and_leaves_no_tex(server, page):
    check_maths(rendered(server, page, 1280), page)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_renders(server, chapter):
    dom = rendered(server, f"chapters/{chapter}", 1280)
    number = int(chapter[:2])
    figures = re.findall(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', dom)
    assert figures, f"{chapter}: no figures rendered"
    for img in figures:
        alt = re.search(r'alt="([^"]*)"', img)
        assert alt and "_images/" not in alt.group(1) and alt.group(1).strip(), (
            f"{chapter}: a figure has no alt text: {img[:120]}")
    captions = re.findall(r'caption-number">Fig\. (\d+)\.\d+', dom)
    assert captions and set(captions) == {str(number)}, (
        f"{chapter}: figures must be numbered {number}.k, got {captions}")
    for marker in ("Traceback (most recent call last)", 'class="output traceback',
                   "output stderr"):
        assert marker not in dom, f"{chapter}: error output on the page ({marker})"
    assert "colab.research.google.com" in dom, f"{chapter}: no Colab launch button"


WIDTH_PROBE = """<!doctype html><html><body style="margin:0">
<iframe id="f" src="{page}" style="width:{width}px;height:2400px;border:0"></iframe>
<script>
function report() {{
  const d = document.getElementById('f').contentDocument, w = d.documentElement.clientWidth;
  const bad = [];
  for (const el of d.body.querySelectorAll('*')) {{
    const r = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (r.width === 0 || r.right <= w + 1) continue;
    if (style.visibility === 'hidden' || style.position === 'fixed') continue;  // drawers
    let p = el.parentElement, clipped = false;
    while (p && p !== d.body) {{
      if (getComputedStyle(p).overflowX !== 'visible') {{ clipped = true; break; }}
      p = p.parentElement;
    }}
    if (!clipped) bad.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }}
  document.body.setAttribute('data-report', JSON.stringify(
    {{width: w, scroll: d.documentElement.scrollWidth, bad: bad.slice(0, 8)}}));
}}
document.getElementById('f').onload = () => setTimeout(report, 10000);
</script></body></html>"""


@pytest.mark.parametrize("page", PAGES)
def test_no_page_is_wider_than_a_phone(server, page):
    probe = HTML / "_width_probe.html"
    probe.write_text(WIDTH_PROBE.format(page=f"/{page}.html", width=420))
    dom = rendered(server, page, 420)  # the screenshot a person looks at
    check_maths(dom, page)
    out = chromium(f"{server}/_width_probe.html", "--dump-dom", width=440)
    found = re.search(r"data-report=\"([^\"]+)\"", out)
    assert found, "the width probe did not report"
    report = json.loads(found.group(1).replace("&quot;", '"'))
    assert report["scroll"] <= report["width"] + 1 and not report["bad"], (
        f"{page} at 420 px: page {report['scroll']} px wide; overflowing: {report['bad']}")


def test_the_colab_edition_numbers_what_the_book_numbers(built):
    sys.path.insert(0, str(ROOT / "tools"))
    import colab_edition

    book = colab_edition.index_book()
    checked = 0
    for label, target in book.targets.items():
        html = (built / f"{target.docname}.html").read_text()
        assert f'id="{target.anchor}"' in html, f"{label}: no anchor #{target.anchor}"
        if target.text.startswith(("Fig.", "Theorem", "Exercise", "Proposition",
                                   "Corollary", "Lemma", "Definition")):
            near = html[html.index(f'id="{target.anchor}"'):][:3000]
            number = re.search(r'caption-number">([^<]+)<', near)
            assert number and number.group(1).strip() == target.text, (
                f"{label}: the book says {number and number.group(1)!r}, the edition "
                f"{target.text!r}")
            checked += 1
    assert checked >= 20, checked


def test_build_without_solutions_hides_every_solution(built, tmp_path):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["sphinx"]["config"]["hide_solutions"] = True
    config["execute"]["cache"] = str(ROOT / config["execute"]["cache"])
    # Paths in a config file are read relative to it: make them absolute.
    extensions = config["sphinx"]["local_extensions"]
    config["sphinx"]["local_extensions"] = {k: str(ROOT / v) for k, v in extensions.items()}
    path = tmp_path / "config.yml"
    path.write_text(yaml.safe_dump(config))
    done = jupyter_book("--config", str(path), "--path-output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    for chapter in CHAPTERS:
        with_solutions = (built / "chapters" / f"{chapter}.html").read_text()
        without = (tmp_path / "out" / "_build" / "html" / "chapters" / f"{chapter}.html"
                   ).read_text()
        assert "Solution to" in with_solutions, f"{chapter}: no solutions in the book"
        assert "Solution to" not in without and 'class="solution' not in without, chapter
        assert without.count('class="exercise') == with_solutions.count('class="exercise')
