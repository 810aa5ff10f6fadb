"""The rendered book, as a reader's browser shows it: built, opened offline, looked at.

Builds the book (Jupyter Book's execution cache makes a rebuild cheap), opens pages in headless
Chromium with no network, and asserts from the rendered DOM that the math was typeset by the
bundled MathJax, that chapter figures are there, and that no error output or traceback shows.
A screenshot of each page is saved under _build/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def built():
    jb = Path(sys.executable).with_name("jupyter-book")
    env = {**os.environ, "TQDM_DISABLE": "1"}
    done = subprocess.run([str(jb), "build", str(ROOT), "--warningiserror", "--keep-going"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, "book build failed:\n" + done.stdout[-4000:] + done.stderr[-4000:]
    return HTML


def render(page: Path, shot: Path) -> str:
    """The DOM after scripts ran, and a screenshot, of ``page`` in offline headless Chromium."""
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--proxy-server=127.0.0.1:9",  # no network: a dead proxy
             "--virtual-time-budget=15000", "--window-size=1280,2400"]
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(flags + [f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                             capture_output=True, text=True, timeout=120).stdout
    with tempfile.TemporaryDirectory() as profile:
        shot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(flags + [f"--user-data-dir={profile}", f"--screenshot={shot}",
                                page.as_uri()], capture_output=True, timeout=120)
    return dom


def check_math(dom: str, page: str) -> None:
    typeset = len(re.findall(r"<mjx-container", dom))
    assert typeset > 0, f"{page}: no math typeset (is sphinx-mathjax-offline loaded?)"
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", dom, flags=re.S))
    raw = re.findall(r"\\\(|\\\[|\$\$", text)
    assert not raw, f"{page}: {len(raw)} pieces of untypeset LaTeX remain"


def test_notation_page_typesets_math_offline(built):
    dom = render(built / "book" / "notation.html", ROOT / "_build" / "screenshots" / "notation.png")
    check_math(dom, "notation")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_renders(built, chapter):
    page = built / "chapters" / f"{chapter}.html"
    assert page.exists(), f"{chapter} is not in the built book: list it in _toc.yml"
    dom = render(page, ROOT / "_build" / "screenshots" / f"{chapter}.png")
    check_math(dom, chapter)
    figures = re.findall(r'<img[^>]+src="[^"]*_images/[^"]+\.png"', dom)
    assert figures, f"{chapter}: no figures rendered"
    for marker in ("Traceback (most recent call last)", 'class="output traceback',
                   "output stderr"):
        assert marker not in dom, f"{chapter}: error output on the page ({marker})"
    assert "colab.research.google.com" in dom, f"{chapter}: no Colab launch button"
